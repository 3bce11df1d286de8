package server

import (
	"context"
	"time"

	"github.com/wajah-id/wajah/engine"
)

// The fake's token operations beyond create/revoke/authenticate. It keeps no lifetimes:
// expiry is the engine's (engine/tokens_test.go) and is tested end to end in
// tokens_e2e_test.go over the real engine.

func (f *fakeEngine) IssueToken(ctx context.Context, client string, ttl time.Duration) (string, engine.TokenInfo, error) {
	tok, err := f.CreateToken(ctx, client)
	info := engine.TokenInfo{ID: "tk_" + tok, Client: client, Created: time.Now()}
	if ttl > 0 {
		info.Expires = info.Created.Add(ttl)
	}
	return tok, info, err
}

func (f *fakeEngine) RevokeTokenID(ctx context.Context, id string) error {
	return f.RevokeToken(ctx, id[len("tk_"):])
}

func (f *fakeEngine) RevokeClientTokens(ctx context.Context, client string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for tok, c := range f.tokens {
		if c == client {
			delete(f.tokens, tok)
			n++
		}
	}
	return n, nil
}

func (f *fakeEngine) Tokens(ctx context.Context, client string) ([]engine.TokenInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.TokenInfo
	for tok, c := range f.tokens {
		if client == "" || c == client {
			out = append(out, engine.TokenInfo{ID: "tk_" + tok, Client: c})
		}
	}
	return out, nil
}
