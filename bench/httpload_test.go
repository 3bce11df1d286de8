package bench

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

func TestHTTPLoadCountsAndPercentiles(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := &fasthttp.Server{Handler: func(fc *fasthttp.RequestCtx) {
		if string(fc.Request.Header.Peek("Accesstoken")) != "tk" || string(fc.PostBody()) != `{"x":1}` {
			fc.SetBodyString(`{"status":"401"}`)
			return
		}
		n.Add(1)
		time.Sleep(2 * time.Millisecond)
		fc.SetBodyString(`{"status":"200","status_message":"Success"}`)
	}}
	go srv.Serve(ln) //nolint:errcheck
	defer srv.Shutdown()
	r, err := HTTPLoad{URL: "http://" + ln.Addr().String() + "/v", Token: "tk", Body: []byte(`{"x":1}`),
		Concurrency: 2, Duration: 200 * time.Millisecond}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.ByStatus["200"] == 0 || r.ByStatus["200"] != r.Requests || r.Failures != 0 {
		t.Errorf("%+v", r)
	}
	if r.P50 < 2*time.Millisecond || r.P50 > r.P95 || r.P95 > r.P99 || r.P99 > r.Max {
		t.Errorf("percentiles out of order or too small: %+v", r)
	}
	if int64(r.ByStatus["200"]) > n.Load() {
		t.Errorf("counted %d replies, server saw %d", r.ByStatus["200"], n.Load())
	}
	if r.Throughput <= 0 || r.Throughput > 1100 {
		t.Errorf("throughput %v", r.Throughput)
	}
}

func TestBodyStatus(t *testing.T) {
	for in, want := range map[string]string{`{"status":"411","x":1}`: "411", `{}`: "?", `{"status":"4`: "?"} {
		if got := bodyStatus([]byte(in)); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
