package server

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/wajah-id/wajah/engine"
)

func TestChangePositionField(t *testing.T) {
	h := newHarness(t, nil, Options{})
	if r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", "3201000000000001", "alice")); r.status() != "200" {
		t.Fatalf("enrol: %s", r.raw)
	} else if _, ok := r.body["change_position"]; ok {
		t.Fatalf("a store without a feed position answered change_position: %s", r.raw)
	}
	for _, tc := range []struct {
		pos  any
		want string
	}{
		{"12345", "200"}, {12345, "200"}, {nil, "200"}, {"18446744073709551615", "200"},
		{-1, "400"}, {"x", "400"}, {1.5, "400"}, {true, "400"}, {"18446744073709551616", "400"},
	} {
		r := h.do("POST", plVerify, "tok-a", with(verifyBody("g1", "3201000000000001", "alice"), "change_position", tc.pos))
		if r.status() != tc.want {
			t.Errorf("change_position %v: status %s, want %s (%s)", tc.pos, r.status(), tc.want, r.raw)
		}
	}
}

func TestChangePositionCodes(t *testing.T) {
	unknown := fmt.Errorf("commit: %w", errors.Join(engine.ErrStoreUnavailable, engine.ErrCommitUnknown))
	for _, tc := range []struct {
		err        error
		code, http int
		retry      bool
	}{
		{fmt.Errorf("x: %w", engine.ErrStoreUnavailable), 503, http.StatusServiceUnavailable, true},
		{fmt.Errorf("x: %w", engine.ErrBehind), 503, http.StatusServiceUnavailable, true},
		{unknown, 500, http.StatusInternalServerError, false},
	} {
		c, status, _ := toStatus(tc.err)
		if int(c) != tc.code || status != tc.http {
			t.Errorf("%v: %d/%d, want %d/%d", tc.err, c, status, tc.code, tc.http)
		}
		var fc fasthttp.RequestCtx
		setRetryAfter(&fc, tc.err)
		if got := len(fc.Response.Header.Peek("Retry-After")) > 0; got != tc.retry {
			t.Errorf("%v: Retry-After set %v, want %v", tc.err, got, tc.retry)
		}
	}
}
