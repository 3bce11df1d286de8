package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// Optional token endpoints. POST /oauth/client/token exchanges a client's password for a
// new Accesstoken when Options.OAuthClients lists the client; POST /oauth/token/revoke
// revokes the token given in the body (or the Accesstoken header): holding it is the right.

type oauthReq struct {
	ClientID     jstr `json:"client_id"`
	Password     jstr `json:"password"`
	ClientSecret jstr `json:"client_secret"`
	Token        jstr `json:"token"`
	TrxID        jtrx `json:"trx_id"`
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
	want, ok := s.opts.OAuthClients[q.ClientID.v]
	got := hexSHA256(pw.v)
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return nil, &apiError{code: codeUnauthorized, detail: "unknown client or wrong password"}
	}
	tok, err := s.svc.CreateToken(c.ctx, q.ClientID.v)
	if err != nil {
		return nil, err
	}
	c.tenant = q.ClientID.v
	return &tokenResp{AccessToken: tok, TokenType: "Bearer"}, nil
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

// hexSHA256 is how OAuthClients stores a password.
func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
