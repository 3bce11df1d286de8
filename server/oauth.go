package server

import (
	"fmt"
	"time"

	"github.com/wajah-id/wajah/internal/secrethash"
)

// Optional token endpoints. POST /oauth/client/token exchanges a client's secret for a new
// Accesstoken when Options.OAuthClients lists the client; POST /oauth/token/revoke revokes
// the token given in the body (or the Accesstoken header): holding it is the right.
//
// Secrets are stored as argon2id PHC strings (internal/secrethash). Issue is rate limited
// per client_id and per source address (ratelimit.go) before any hashing, and the argon2id
// check runs in a CPU slot, so a flood of guesses can neither take the CPUs nor the memory
// (19 MiB per check). An unknown client_id is checked against a dummy hash, so the answer
// takes as long as for a known one.

type oauthReq struct {
	ClientID     jstr `json:"client_id"`
	Password     jstr `json:"password"`
	ClientSecret jstr `json:"client_secret"`
	Token        jstr `json:"token"`
	TrxID        jtrx `json:"trx_id"`
}

// parseOAuthClients checks every configured hash once, at start-up.
func parseOAuthClients(m map[string]string) (map[string]*secrethash.Hashed, *secrethash.Hashed, error) {
	if len(m) == 0 {
		return nil, nil, nil
	}
	out := make(map[string]*secrethash.Hashed, len(m))
	for id, enc := range m {
		h, err := secrethash.Parse(enc)
		if err != nil {
			return nil, nil, fmt.Errorf("server: oauth client %q: %w", id, err)
		}
		out[id] = h
	}
	dummyHash, err := secrethash.Hash([]byte("no such client"), secrethash.Default)
	if err != nil {
		return nil, nil, err
	}
	dummy, err := secrethash.Parse(dummyHash)
	return out, dummy, err
}

func (s *Server) oauthToken(c *call) (response, error) {
	var q oauthReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	pw := q.Password
	if !pw.set {
		pw = q.ClientSecret
	}
	if !q.ClientID.set || !pw.set {
		return nil, failf(codeMalformed, "client_id and password are required")
	}
	want, known := s.oauth[q.ClientID.v]
	clientKey := "c:?"
	if known {
		clientKey = "c:" + q.ClientID.v
	} else {
		want = s.oauthDummy
	}
	keys := []string{clientKey, "a:" + c.fc.RemoteIP().String()}
	if ok, wait := s.limits.allow(time.Now(), keys...); !ok {
		return nil, &apiError{code: codeRateLimited, detail: "token issue rate limit", retryAfter: wait}
	}
	if want == nil { // no clients configured: the endpoint is off
		s.limits.fail(time.Now(), keys...)
		return nil, &apiError{code: codeUnauthorized, detail: "unknown client or wrong password"}
	}
	if err := holdSlot(c.ctx); err != nil {
		return nil, err
	}
	ok := want.Check([]byte(pw.v))
	releaseSlot(c.ctx)
	if !ok || !known {
		s.limits.fail(time.Now(), keys...)
		return nil, &apiError{code: codeUnauthorized, detail: "unknown client or wrong password"}
	}
	tok, info, err := s.svc.IssueToken(c.ctx, q.ClientID.v, s.opts.OAuthTokenTTL)
	if err != nil {
		return nil, err
	}
	c.tenant = q.ClientID.v
	r := &tokenResp{AccessToken: tok, TokenType: "Bearer", TokenID: info.ID}
	if !info.Expires.IsZero() {
		r.ExpiresIn = int64(s.opts.OAuthTokenTTL / time.Second)
	}
	return r, nil
}

func (s *Server) oauthRevoke(c *call) (response, error) {
	var q oauthReq
	if len(c.fc.PostBody()) > 0 {
		if err := c.decode(&q); err != nil {
			return nil, err
		}
	}
	tok := q.Token.v
	if !q.Token.set {
		tok = string(c.fc.Request.Header.Peek("Accesstoken"))
	}
	if tok == "" {
		return nil, failf(codeMalformed, "token is required")
	}
	return nil, s.svc.RevokeToken(c.ctx, tok)
}
