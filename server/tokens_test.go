package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/secrethash"
	"github.com/wajah-id/wajah/pedulilindungi"
)

// realHarness is the server over the real engine (no face pipeline: token and gallery
// listing work, face operations do not), over an in-memory listener.
func realHarness(t *testing.T, opts Options) (*harness, *engine.Engine) {
	t.Helper()
	dir := t.TempDir()
	eng, err := engine.Open(engine.Options{Dir: dir, NoSyncWrites: true, MemTableSize: 4 << 20, VLogFileSize: 4 << 20, Logger: quiet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h := &harness{t: t, logs: &syncBuffer{}, done: make(chan error, 1)}
	opts.Logger = slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(opts, eng, &pedulilindungi.Local{Ledger: eng})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { h.done <- srv.Serve(ln) }()
	h.client = &fasthttp.Client{Dial: func(string) (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-h.done
	})
	return h, eng
}

// fastHash hashes with cheap parameters: the tests check the flow, not the cost.
func fastHash(t *testing.T, secret string) string {
	t.Helper()
	s, err := secrethash.Hash([]byte(secret), secrethash.Params{MemoryKiB: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A token issued through the OAuth endpoint with a lifetime is refused once it has passed.
func TestOAuthTokenExpires(t *testing.T) {
	h, _ := realHarness(t, Options{OAuthClients: map[string]string{"kiosk": fastHash(t, "s3cret")}, OAuthTokenTTL: 300 * time.Millisecond})
	r := h.do("POST", "/oauth/client/token", "", map[string]any{"client_id": "kiosk", "password": "s3cret"})
	tok, _ := r.body["access_token"].(string)
	if r.status() != "200" || tok == "" || r.body["token_id"] == "" {
		t.Fatalf("token: %s", r.raw)
	}
	if r := h.do("GET", "/facegallery/my-facegalleries", tok, nil); r.status() != "200" {
		t.Fatalf("fresh token refused: %s", r.raw)
	}
	time.Sleep(400 * time.Millisecond)
	if r := h.do("GET", "/facegallery/my-facegalleries", tok, nil); r.status() != "401" || r.http != 401 {
		t.Fatalf("expired token accepted: %d %s", r.http, r.raw)
	}
}

// Tokens revoked by client in the store (as `wajah token revoke --client` does through the
// admin socket, internal/admin, while the server runs) are refused by the running server;
// another client's are not.
func TestRevokedByClientRefused(t *testing.T) {
	h, adm := realHarness(t, Options{})
	ctx := context.Background()
	var toks []string
	for range 3 {
		tok, _, err := adm.IssueToken(ctx, "kiosk", 0)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	other, _, err := adm.IssueToken(ctx, "other", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range append(toks, other) {
		if r := h.do("GET", "/facegallery/my-facegalleries", tok, nil); r.status() != "200" {
			t.Fatalf("token refused before revocation: %s", r.raw)
		}
	}
	list, err := adm.Tokens(ctx, "kiosk")
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %v %v", list, err)
	}
	if n, err := adm.RevokeClientTokens(ctx, "kiosk"); err != nil || n != 3 {
		t.Fatalf("revoke client: %d %v", n, err)
	}
	for _, tok := range toks {
		if r := h.do("GET", "/facegallery/my-facegalleries", tok, nil); r.status() != "401" {
			t.Fatalf("revoked-by-client token accepted: %s", r.raw)
		}
	}
	if r := h.do("GET", "/facegallery/my-facegalleries", other, nil); r.status() != "200" {
		t.Fatalf("another client's token refused: %s", r.raw)
	}
	list, _ = adm.Tokens(ctx, "other")
	if err := adm.RevokeTokenID(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := h.do("GET", "/facegallery/my-facegalleries", other, nil); r.status() != "401" {
		t.Fatalf("revoked-by-id token accepted: %s", r.raw)
	}
	if err := adm.RevokeTokenID(ctx, list[0].ID); !errors.Is(err, engine.ErrTokenNotFound) {
		t.Fatalf("second revoke by id: %v", err)
	}
}

// Token issue is rate limited per client_id and per source address: past the burst the
// answer is 429 with Retry-After, failed attempts drain the bucket faster, and the bucket
// of one client does not block another's.
func TestTokenIssueRateLimit(t *testing.T) {
	clients := map[string]string{"kiosk": fastHash(t, "s3cret"), "other": fastHash(t, "pw2")}
	h, _ := realHarness(t, Options{OAuthClients: clients, OAuthRate: RateLimit{PerMinute: 1, Burst: 3, FailureCost: 3}})
	good := map[string]any{"client_id": "kiosk", "password": "s3cret"}
	for i := range 3 {
		if r := h.do("POST", "/oauth/client/token", "", good); r.status() != "200" {
			t.Fatalf("attempt %d within the burst: %s", i, r.raw)
		}
	}
	r, ra := doWithHeader(h, "POST", "/oauth/client/token", "", good, "Retry-After")
	if r.status() != "429" || r.http != 429 {
		t.Fatalf("over the burst: %d %s", r.http, r.raw)
	}
	if n, err := strconv.Atoi(ra); err != nil || n < 1 || n > 60 {
		t.Fatalf("Retry-After %q", ra)
	}
	// The source address's bucket is shared: another client from here is limited too...
	if r := h.do("POST", "/oauth/client/token", "", map[string]any{"client_id": "other", "password": "pw2"}); r.status() != "429" {
		t.Fatalf("per-address limit: %s", r.raw)
	}
	// ...but with a fresh address bucket, a failed attempt costs the whole burst at once.
	h.srv.limits = newIssueLimits(RateLimit{PerMinute: 1, Burst: 3, FailureCost: 3})
	if r := h.do("POST", "/oauth/client/token", "", map[string]any{"client_id": "other", "password": "wrong"}); r.status() != "401" {
		t.Fatalf("wrong secret: %s", r.raw)
	}
	if r := h.do("POST", "/oauth/client/token", "", map[string]any{"client_id": "other", "password": "pw2"}); r.status() != "429" {
		t.Fatalf("after a failed attempt: %s", r.raw)
	}
}

// The rate limiter's table stays bounded whatever addresses come.
func TestIssueLimitsBounded(t *testing.T) {
	l := newIssueLimits(RateLimit{PerMinute: 60, Burst: 2})
	now := time.Now()
	for i := range 3 * maxLimitKeys {
		l.allow(now, "a:"+strconv.Itoa(i))
	}
	if n := len(l.mu.m); n > maxLimitKeys+1 {
		t.Fatalf("%d buckets", n)
	}
}

func doWithHeader(h *harness, method, path, token string, body any, header string) (reply, string) {
	h.t.Helper()
	r, hdr := doFull(h, method, path, map[string]string{"Accesstoken": token}, body)
	return r, hdr.Get(header)
}

// doFull sends body (a map, a string sent as is, or nil) with the given request headers
// (empty values are not sent) and returns the decoded reply and the response headers.
func doFull(h *harness, method, path string, reqHeaders map[string]string, body any) (reply, http.Header) {
	h.t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://wajah" + path)
	req.Header.SetMethod(method)
	for k, v := range reqHeaders {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	switch b := body.(type) {
	case nil:
	case string:
		req.SetBodyString(b)
	default:
		data, _ := json.Marshal(b)
		req.SetBody(data)
	}
	req.Header.SetContentType("application/json")
	if err := h.client.DoTimeout(req, resp, 10*time.Second); err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	r := reply{http: resp.StatusCode(), ct: string(resp.Header.ContentType()), raw: string(resp.Body())}
	if strings.HasPrefix(r.ct, "application/json") {
		if err := json.Unmarshal(resp.Body(), &r.body); err != nil {
			h.t.Fatalf("%s %s: body %q: %v", method, path, resp.Body(), err)
		}
	}
	hdr := http.Header{}
	for k, v := range resp.Header.All() {
		hdr.Add(string(k), string(v))
	}
	return r, hdr
}

// With a metrics token configured, /metrics without it (or with another) is 401; with it, 200.
func TestMetricsToken(t *testing.T) {
	h := newHarness(t, nil, Options{MetricsToken: "m3trics"})
	for _, auth := range []string{"", "Bearer wrong", "m3trics", "Basic m3trics", "Bearer m3trics2"} {
		r, hdr := doFull(h, "GET", "/metrics", map[string]string{"Authorization": auth}, nil)
		if r.http != 401 || r.status() != "401" || hdr.Get("WWW-Authenticate") == "" || strings.Contains(r.raw, "wajah_requests_total") {
			t.Errorf("Authorization %q: %d %s", auth, r.http, r.raw)
		}
	}
	r, _ := doFull(h, "GET", "/metrics", map[string]string{"Authorization": "Bearer m3trics"}, nil)
	if r.http != 200 || !strings.Contains(r.raw, "wajah_requests_total") {
		t.Errorf("with the token: %d %.200s", r.http, r.raw)
	}
	// Without a token configured /metrics stays open.
	h2 := newHarness(t, nil, Options{})
	if r := h2.do("GET", "/metrics", "", nil); r.http != 200 {
		t.Errorf("open metrics: %d", r.http)
	}
}

// /readyz failures go through toStatus: the cause is logged, never sent.
func TestReadyzHidesCause(t *testing.T) {
	h := newHarness(t, nil, Options{})
	h.fake.ready = errors.New("badger: /secret/path/MANIFEST corrupt")
	r := h.do("GET", "/readyz", "", nil)
	if r.http != 503 || r.status() != "500" || strings.Contains(r.raw, "secret") || !strings.Contains(r.raw, "not ready") {
		t.Fatalf("readyz: %d %s", r.http, r.raw)
	}
	if !strings.Contains(h.logs.String(), "/secret/path/MANIFEST") {
		t.Errorf("cause not logged")
	}
}
