package server

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/valyala/fasthttp"
)

// verifyPayload is a PL verify body with a ~100 KB image (a 640x480 JPEG's size).
func verifyPayload(b testing.TB) []byte {
	raw := append([]byte{0xFF, 0xD8, 0xFF}, "face:alice"...)
	raw = append(raw, make([]byte, 100<<10)...)
	body, err := json.Marshal(map[string]any{"nik": nikA, "facegallery_id": "g1", "image": base64.StdEncoding.EncodeToString(raw),
		"trx_id": "bench", "qrCode": "checkin:VENUE-001", "latitude": -6.2, "longitude": 106.8})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodeVerifyRequest: decodeJSON (jsonscan.go) against encoding/json on the same
// body into the same types (what jsonscan.go's comment cites).
func BenchmarkDecodeVerifyRequest(b *testing.B) {
	body := verifyPayload(b)
	for _, dec := range []struct {
		name string
		fn   func([]byte, any) error
	}{{"scanner", decodeJSON}, {"encoding_json", json.Unmarshal}} {
		b.Run(dec.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var q plVisitReq
				if err := dec.fn(body, &q); err != nil || !q.Image.set || q.Image.b64 {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyRoundTrip is one in-memory request through routing, auth, decode, the
// fake engine, the local provider, the response and the log line: the server's overhead.
func BenchmarkVerifyRoundTrip(b *testing.B) {
	h := newHarness(b, nil, Options{}) // logs to a buffer: their cost is part of the overhead
	if r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", nikA, "alice")); r.status() != "200" {
		b.Fatal(r.raw)
	}
	body := verifyPayload(b)
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://wajah" + plVerify)
	req.Header.SetMethod("POST")
	req.Header.Set("Accesstoken", "tok-a")
	req.SetBody(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := h.client.Do(req, resp); err != nil || resp.StatusCode() != 200 {
			b.Fatalf("%v %s", err, resp.Body())
		}
	}
}

// The request decoder is on every request's path: keep its allocations bounded (the decoded
// image, the request's strings, the reflect lookups).
func TestDecodeAllocs(t *testing.T) {
	body := verifyPayload(t)
	n := testing.AllocsPerRun(20, func() {
		var q plVisitReq
		if err := decodeJSON(body, &q); err != nil {
			t.Fatal(err)
		}
	})
	if n > 20 {
		t.Errorf("%v allocations per verify request decode, want <= 20", n)
	}
}
