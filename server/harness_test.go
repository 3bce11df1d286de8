package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/pedulilindungi/plsim"
)

// harness runs a Server over an in-memory listener with the fake engine.
type harness struct {
	t      testing.TB
	srv    *Server
	fake   *fakeEngine
	client *fasthttp.Client
	logs   *syncBuffer
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t testing.TB, prov func(f *fakeEngine) pedulilindungi.Provider, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, fake: newFake(), logs: &syncBuffer{}, done: make(chan error, 1)}
	if prov == nil {
		prov = func(f *fakeEngine) pedulilindungi.Provider { return &pedulilindungi.Local{Ledger: f} }
	}
	opts.Logger = slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(opts, h.fake, prov(h.fake))
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	ln := fasthttputil.NewInmemoryListener()
	go func() { h.done <- srv.Serve(ln) }()
	h.client = &fasthttp.Client{Dial: func(string) (net.Conn, error) { return ln.Dial() }}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-h.done
	})
	return h
}

// simProvider starts a simulator and returns an HTTP provider for it.
func simProvider(t testing.TB, sim *plsim.Server, timeout time.Duration) func(*fakeEngine) pedulilindungi.Provider {
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return func(*fakeEngine) pedulilindungi.Provider {
		p, err := pedulilindungi.NewHTTP(pedulilindungi.HTTPConfig{BaseURL: ts.URL, Token: "sim", Timeout: timeout, Retries: -1,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

type reply struct {
	http int
	ct   string
	body map[string]any
	raw  string
}

func (r reply) status() string {
	s, _ := r.body["status"].(string)
	return s
}

// do sends body (a map, a string sent as is, or nil) and decodes the reply.
func (h *harness) do(method, path, token string, body any) reply {
	h.t.Helper()
	r, _ := doFull(h, method, path, map[string]string{"Accesstoken": token}, body)
	return r
}

// img is a fake image: JPEG magic + directive, base64.
func img(directive string) string {
	return base64.StdEncoding.EncodeToString(append([]byte{0xFF, 0xD8, 0xFF}, directive...))
}

func b64(raw string) string { return base64.StdEncoding.EncodeToString([]byte(raw)) }

// enrollBody is a PL enrolment of alice in gallery g.
func enrollBody(g, nik, who string) map[string]any {
	return map[string]any{"nik": nik, "user_name": "Alice " + nik, "facegallery_id": g, "image": img("face:" + who), "trx_id": "trx-enroll"}
}

func verifyBody(g, nik, who string) map[string]any {
	return map[string]any{"nik": nik, "facegallery_id": g, "image": img("face:" + who), "trx_id": "trx-verify",
		"qrCode": "checkin:VENUE-001", "latitude": -6.2, "longitude": 106.8}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
