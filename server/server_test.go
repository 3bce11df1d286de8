package server

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/wajah-id/wajah/internal/secrethash"
	"github.com/wajah-id/wajah/pedulilindungi"
)

func TestPLFlowShapes(t *testing.T) {
	h := newHarness(t, nil, Options{})
	for i, who := range []string{"alice", "bob", "carol"} {
		nik := fmt.Sprintf("32010000000000%02d", i)
		if r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", nik, who)); r.status() != "200" {
			t.Fatalf("enroll %s: %s", who, r.raw)
		}
	}
	// Local provider: status set by the operator appears in verify.
	_ = h.fake.SetUserStatus(context.Background(), "3201000000000001", "red")
	r := h.do("POST", plVerify, "tok-a", verifyBody("g1", "3201000000000001", "bob"))
	if r.status() != "200" || r.body["verified"] != true || r.body["user_status"] != "red" || r.body["trx_id"] != "trx-verify" {
		t.Fatalf("verify: %s", r.raw)
	}
	if sim, ok := r.body["similarity"].(float64); !ok || sim < 0 || sim > 1 {
		t.Errorf("similarity %v", r.body["similarity"])
	}
	if pl, _ := r.body["pl_data"].(map[string]any); pl["apiVersion"] != "v1" || pl["success"] != true {
		t.Errorf("pl_data %v", r.body["pl_data"])
	}
	if len(h.fake.checkins) != 1 || h.fake.checkins[0].Venue != "VENUE-001" || h.fake.checkins[0].Direction != "checkin" || h.fake.checkins[0].UserStatus != "red" {
		t.Errorf("ledger %+v", h.fake.checkins)
	}
	// qr_code alias, checkout.
	r = h.do("POST", plVerify, "tok-a", with(verifyBody("g1", "3201000000000001", "bob"), "qrCode", nil, "qr_code", "checkout:VENUE-002"))
	if r.status() != "200" || h.fake.checkins[1].Direction != "checkout" {
		t.Fatalf("checkout: %s", r.raw)
	}
	// Identify: strings, as clients expect.
	r = h.do("POST", plIdentify, "tok-a", with(verifyBody("g1", "", "carol"), "nik", nil))
	ret, _ := r.body["return"].([]any)
	if r.status() != "200" || len(ret) != 1 {
		t.Fatalf("identify: %s", r.raw)
	}
	m := ret[0].(map[string]any)
	if m["user_id"] != "3201000000000002" || m["confidence_level"] != "0.930000" || m["mask"] != "false" || m["user_name"] != "Alice 3201000000000002" {
		t.Errorf("identify match %v", m)
	}
	// Paged list.
	var all []string
	cursor := ""
	for range 5 {
		r = h.do("POST", plList, "tok-a", map[string]any{"facegallery_id": "g1", "limit": 2, "cursor": cursor})
		for _, f := range r.body["faces"].([]any) {
			all = append(all, f.(map[string]any)["nik"].(string))
		}
		cursor, _ = r.body["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if strings.Join(all, ",") != "3201000000000000,3201000000000001,3201000000000002" {
		t.Errorf("paged list %v", all)
	}
	// Delete, then verify is 415.
	if r = h.do("DELETE", plDelete, "tok-a", map[string]any{"nik": "3201000000000001", "facegallery_id": "g1"}); r.status() != "200" {
		t.Fatalf("delete: %s", r.raw)
	}
	if r = h.do("POST", plVerify, "tok-a", verifyBody("g1", "3201000000000001", "bob")); r.status() != "415" {
		t.Errorf("verify after delete: %s", r.raw)
	}
}

func TestGalleryEndpointsAndPrefix(t *testing.T) {
	h := newHarness(t, nil, Options{})
	for _, prefix := range []string{"", "/face-api"} {
		g := "gal" + strings.TrimPrefix(prefix, "/")
		steps := []struct {
			method, path string
			body         map[string]any
			want         string
		}{
			{"POST", "/facegallery/create-facegallery", map[string]any{"facegallery_id": g}, "200"},
			{"POST", "/facegallery/enroll-face", map[string]any{"user_id": "u1", "user_name": "Ana", "facegallery_id": g, "image": img("face:ana")}, "200"},
			{"POST", "/facegallery/enroll-face", map[string]any{"user_id": "u2", "user_name": "Ben", "facegallery_id": "missing", "image": img("face:ben")}, "416"},
			{"POST", "/facegallery/enroll-face", map[string]any{"user_id": "u2", "user_name": "Ben", "facegallery_id": g, "image": img("small"), "force_register": true}, "200"},
			{"POST", "/facegallery/verify-face", map[string]any{"user_id": "u1", "facegallery_id": g, "image": img("mask:ana")}, "200"},
			{"POST", "/facegallery/identify-face", map[string]any{"facegallery_id": g, "image": img("face:ana")}, "200"},
			{"POST", "/compare-images", map[string]any{"source_image": img("face:x"), "target_image": "data:image/jpeg;base64," + img("face:x")}, "200"},
		}
		for _, s := range steps {
			if r := h.do(s.method, prefix+s.path, "tok-a", s.body); r.status() != s.want {
				t.Fatalf("%s%s: %s, want %s", prefix, s.path, r.raw, s.want)
			}
		}
		r := h.do("POST", prefix+"/facegallery/verify-face", "tok-a", map[string]any{"user_id": "u1", "facegallery_id": g, "image": img("mask:ana")})
		if r.body["verified"] != true || r.body["masker"] != true || r.body["user_name"] != "Ana" {
			t.Errorf("verify-face %s", r.raw)
		}
		r = h.do("POST", prefix+"/facegallery/verify-face", "tok-a", map[string]any{"user_id": "u1", "facegallery_id": g, "image": img("face:zed")})
		if r.status() != "200" || r.body["verified"] != false {
			t.Errorf("verify-face with someone else: %s", r.raw)
		}
		r = h.do("POST", prefix+"/facegallery/list-faces", "tok-a", map[string]any{"facegallery_id": g})
		if fs, _ := r.body["faces"].([]any); len(fs) != 2 || fs[0].(map[string]any)["user_id"] != "u1" {
			t.Errorf("list-faces %s", r.raw)
		}
		r = h.do("POST", prefix+"/compare-images", "tok-a", map[string]any{"source_image": img("face:x"), "target_image": img("face:y")})
		if r.body["verified"] != false {
			t.Errorf("compare different %s", r.raw)
		}
		if r = h.do("DELETE", prefix+"/facegallery/delete-face", "tok-a", map[string]any{"user_id": "u2", "facegallery_id": g}); r.status() != "200" {
			t.Errorf("delete-face %s", r.raw)
		}
	}
	r := h.do("GET", "/facegallery/my-facegalleries", "tok-a", nil)
	if gs, _ := r.body["facegalleries"].([]any); len(gs) != 2 {
		t.Errorf("my-facegalleries %s", r.raw)
	}
	if r = h.do("GET", "/facegallery/my-facegalleries", "tok-b", nil); r.raw != `{"status":"200","status_message":"Success","facegalleries":[]}` {
		t.Errorf("tenant b sees %s", r.raw)
	}
	if r = h.do("DELETE", "/facegallery/delete-facegallery", "tok-a", map[string]any{"facegallery_id": "gal"}); r.status() != "200" {
		t.Errorf("delete-facegallery %s", r.raw)
	}
	if r = h.do("DELETE", "/facegallery/delete-facegallery", "tok-b", map[string]any{"facegallery_id": "galface-api"}); r.status() != "416" {
		t.Errorf("tenant b deleted tenant a's gallery: %s", r.raw)
	}
}

func TestRoutingAndEcho(t *testing.T) {
	h := newHarness(t, nil, Options{})
	r := h.do("POST", "/nope", "tok-a", `{}`)
	if r.http != 404 || r.status() != "400" || r.ct != "application/json" {
		t.Errorf("unknown path: %d %s", r.http, r.raw)
	}
	r = h.do("GET", plEnroll, "tok-a", nil)
	if r.http != 405 || r.status() != "400" {
		t.Errorf("wrong method: %d %s", r.http, r.raw)
	}
	// trx_id is echoed even when the token is refused, and numbers are accepted.
	r = h.do("POST", plList, "bad", map[string]any{"facegallery_id": "g", "trx_id": 12345})
	if r.status() != "401" || r.body["trx_id"] != "12345" {
		t.Errorf("401 echo: %s", r.raw)
	}
	// Unknown fields are ignored.
	r = h.do("POST", plEnroll, "tok-a", with(enrollBody("g", "n1", "a"), "extra", map[string]any{"x": []int{1}}))
	if r.status() != "200" {
		t.Errorf("unknown field: %s", r.raw)
	}
}

// Every log line about a request carries its trx_id; NIKs and images never appear.
func TestLogsCarryTrxIDAndNoSecrets(t *testing.T) {
	h := newHarness(t, nil, Options{LogKey: []byte("k")})
	h.do("POST", plEnroll, "tok-a", enrollBody("g", "3201999999999999", "alice"))
	h.do("POST", plVerify, "tok-a", verifyBody("g", "3201999999999999", "mallory"))
	h.do("POST", plVerify, "tok-a", with(verifyBody("g", "3201999999999999", "alice"), "image", "%%"))
	logs := h.logs.String()
	if strings.Contains(logs, "3201999999999999") || strings.Contains(logs, img("face:alice")[:12]) {
		t.Fatalf("raw NIK or image in logs:\n%s", logs)
	}
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), logs)
	}
	hash := h.srv.nik.hash("3201999999999999")
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line not JSON: %s", l)
		}
		if m["trx_id"] == "" || m["trx_id"] == nil || m["nik_hash"] != hash || m["req_id"] == nil {
			t.Errorf("log line %s", l)
		}
	}
}

func TestOps(t *testing.T) {
	h := newHarness(t, nil, Options{})
	h.do("POST", plEnroll, "tok-a", enrollBody("g1", "n1", "a"))
	h.do("POST", plList, "tok-a", map[string]any{"facegallery_id": "nope"})
	if r := h.do("GET", "/healthz", "", nil); r.http != 200 || r.status() != "200" {
		t.Errorf("healthz %s", r.raw)
	}
	if r := h.do("GET", "/readyz", "", nil); r.http != 200 {
		t.Errorf("readyz %s", r.raw)
	}
	h.fake.ready = fmt.Errorf("models not loaded")
	if r := h.do("GET", "/readyz", "", nil); r.http != 503 {
		t.Errorf("readyz when not ready %s", r.raw)
	}
	r := h.do("GET", "/metrics", "", nil)
	for _, want := range []string{
		`wajah_requests_total{endpoint="/pedulilindungi/enroll-face",status="200"} 1`,
		`wajah_requests_total{endpoint="/pedulilindungi/list-faces",status="416"} 1`,
		`wajah_request_duration_seconds_bucket{endpoint="/pedulilindungi/enroll-face",le="+Inf"} 1`,
		`wajah_stage_duration_seconds_count{stage="enroll"} 1`,
		`wajah_stage_duration_seconds_count{stage="decode"} 2`,
		`wajah_stage_duration_seconds_count{stage="checkin"} 1`,
		`wajah_faces 1`,
		`wajah_galleries 1`,
		`wajah_gallery_size_faces_bucket{le="10"} 1`,
		`wajah_checkin_calls_total{status="200"} 1`,
		`wajah_requests_total{endpoint="/healthz",status="2xx"} 1`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("metrics lack %s\n%s", want, r.raw)
		}
	}
	// Bounded cardinality: no tenant or gallery name in any series.
	for _, name := range []string{"tenant-a", "g1"} {
		if strings.Contains(r.raw, name) {
			t.Errorf("metrics name %q", name)
		}
	}
	r = h.do("GET", "/openapi.json", "", nil)
	if r.body["openapi"] != "3.0.3" {
		t.Errorf("openapi %.100s", r.raw)
	}
	paths, _ := r.body["paths"].(map[string]any)
	for name, rt := range h.srv.routes {
		if _, ok := paths[rt.name]; !ok && !strings.HasPrefix(name, apiPrefix) {
			t.Errorf("openapi lacks %s", name)
		}
	}
	r = h.do("GET", "/docs", "", nil)
	if !strings.HasPrefix(r.ct, "text/html") || !strings.Contains(r.raw, "/pedulilindungi/verify-checkin-checkout") || strings.Contains(r.raw, "<script") {
		t.Errorf("docs %.200s", r.raw)
	}
}

func TestOAuth(t *testing.T) {
	// The old configuration format, the unsalted SHA-256 of the secret (sha256("s3cret"),
	// checked here so the constant cannot drift), is refused with a pointer to re-hashing.
	const legacy = "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"
	if sum := sha256.Sum256([]byte("s3cret")); hex.EncodeToString(sum[:]) != legacy {
		t.Fatalf("sha256(s3cret) = %x", sum)
	}
	if _, err := New(Options{OAuthClients: map[string]string{"kiosk": legacy}}, newFake(), &pedulilindungi.Local{}); !errors.Is(err, secrethash.ErrLegacySHA256) {
		t.Fatalf("legacy hash: %v", err)
	}
	h := newHarness(t, nil, Options{OAuthClients: map[string]string{"kiosk": fastHash(t, "s3cret")}})
	if r := h.do("POST", "/oauth/client/token", "", map[string]any{"client_id": "kiosk", "password": "wrong"}); r.status() != "401" {
		t.Errorf("wrong password: %s", r.raw)
	}
	if r := h.do("POST", "/oauth/client/token", "", map[string]any{"client_id": "nobody", "password": "s3cret"}); r.status() != "401" {
		t.Errorf("unknown client: %s", r.raw)
	}
	h.srv.limits = newIssueLimits(RateLimit{}) // the two failures above used up the burst
	r := h.do("POST", "/oauth/client/token", "", map[string]any{"client_id": "kiosk", "password": "s3cret"})
	tok, _ := r.body["access_token"].(string)
	if r.status() != "200" || tok == "" {
		t.Fatalf("token: %s", r.raw)
	}
	if r = h.do("GET", "/facegallery/my-facegalleries", tok, nil); r.status() != "200" {
		t.Errorf("new token refused: %s", r.raw)
	}
	if r = h.do("POST", "/oauth/token/revoke", "", map[string]any{"token": tok}); r.status() != "200" {
		t.Errorf("revoke: %s", r.raw)
	}
	if r = h.do("GET", "/facegallery/my-facegalleries", tok, nil); r.status() != "401" {
		t.Errorf("revoked token accepted: %s", r.raw)
	}
}

// A body over the limit is refused from its Content-Length, before it is sent.
func TestBodyLimit(t *testing.T) {
	h := newHarness(t, nil, Options{MaxBodyBytes: 1 << 10})
	r := h.do("POST", plEnroll, "tok-a", with(enrollBody("g", "n", "a"), "image", strings.Repeat("A", 2000)))
	if r.http != 400 || r.status() != "400" || !strings.Contains(r.body["status_message"].(string), "larger than 1024") {
		t.Fatalf("big body: %d %s", r.http, r.raw)
	}
	// Raw connection: announce 1 GB, send nothing; the answer must come anyway.
	ln := fasthttputil.NewInmemoryListener()
	go h.srv.hs.Serve(ln) //nolint:errcheck // closed by the harness' Shutdown
	c, err := ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nAccesstoken: tok-a\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{", plEnroll)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to an announced 1 GB body: %v", err)
	}
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("announced 1 GB: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// Shutdown lets an in-flight request finish and answer.
func TestGracefulShutdown(t *testing.T) {
	h := newHarness(t, nil, Options{})
	h.do("POST", plEnroll, "tok-a", enrollBody("g", "n", "a"))
	h.fake.entered, h.fake.delay = make(chan struct{}), make(chan struct{})
	got := make(chan reply, 1)
	go func() { got <- h.do("POST", plVerify, "tok-a", verifyBody("g", "n", "a")) }()
	<-h.fake.entered
	done := make(chan error, 1)
	go func() { done <- h.srv.Shutdown(context.Background()) }()
	time.Sleep(50 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("Shutdown returned while a request was in flight")
	default:
	}
	if !h.srv.closing.Load() {
		t.Error("not marked closing")
	}
	close(h.fake.delay)
	if r := <-got; r.status() != "200" {
		t.Errorf("in-flight request: %s", r.raw)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
	h.fake.entered = nil
}

// MaxInflight: face work beyond the limit waits for a CPU slot and gives up at its deadline
// with 503 + Retry-After; work that needs no CPU slot (listing) is not held up.
func TestMaxInflight(t *testing.T) {
	h := newHarness(t, nil, Options{MaxInflight: 1, RequestTimeout: 300 * time.Millisecond})
	h.do("POST", plEnroll, "tok-a", enrollBody("g", "n", "a"))
	h.fake.entered, h.fake.delay = make(chan struct{}), make(chan struct{})
	first := make(chan reply, 1)
	go func() { first <- h.do("POST", plVerify, "tok-a", verifyBody("g", "n", "a")) }()
	<-h.fake.entered
	t0 := time.Now()
	r, ra := doWithHeader(h, "POST", "/compare-images", "tok-a", map[string]any{"source_image": img("face:a"), "target_image": img("face:a")}, "Retry-After")
	if r.status() != "503" || r.http != 503 || ra != "1" {
		t.Errorf("face work while the only slot is taken: %d %q %s", r.http, ra, r.raw)
	}
	if d := time.Since(t0); d < 250*time.Millisecond || d > 2*time.Second {
		t.Errorf("waited %v for a slot, want about the 300ms deadline", d)
	}
	if r := h.do("POST", plList, "tok-a", map[string]any{"facegallery_id": "g"}); r.status() != "200" {
		t.Errorf("listing while the only slot is taken: %s", r.raw)
	}
	close(h.fake.delay)
	<-first
	h.fake.entered = nil
	if r := h.do("POST", "/compare-images", "tok-a", map[string]any{"source_image": img("face:a"), "target_image": img("face:a")}); r.status() != "200" {
		t.Errorf("after the slot is free: %s", r.raw)
	}
}
