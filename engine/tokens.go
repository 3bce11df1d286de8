package engine

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// tokenPrefix marks wajah tokens so that a leaked one is recognisable by scanners.
const tokenPrefix = "wjh_"

// Token ids: "tk_" and the first 8 bytes of the token's SHA-256 in hex. The id is a prefix
// of the token's store key, so revoke --id is a prefix seek and needs no second table, and
// ids exist for tokens issued before ids did. 64 bits of a hash of 256 random bits tell
// nothing about the token.
const (
	tokenIDPrefix = "tk_"
	tokenIDBytes  = 8
)

// tokenClock is the engine's time source for token expiry (tests move it).
var tokenClock = time.Now

// TokenInfo describes an issued token: everything but the token itself, which is never stored.
type TokenInfo struct {
	ID      string
	Client  string
	Created time.Time
	Expires time.Time // zero: never
}

// CreateToken issues a token for client that never expires (see IssueToken).
func (e *Engine) CreateToken(ctx context.Context, client string) (string, error) {
	tok, _, err := e.IssueToken(ctx, client, 0)
	return tok, err
}

// IssueToken issues a new token for client (creating the tenant on first use), valid for
// ttl (0: no expiry), and returns it with its description; only its SHA-256 is stored, so
// it cannot be shown again. Tokens carry 256 random bits, so an unsalted hash is enough.
func (e *Engine) IssueToken(ctx context.Context, client string, ttl time.Duration) (string, TokenInfo, error) {
	if err := validIDs(client); err != nil {
		return "", TokenInfo{}, err
	}
	if ttl < 0 {
		return "", TokenInfo{}, fmt.Errorf("%w: negative token lifetime", ErrInvalid)
	}
	if err := e.enter(); err != nil {
		return "", TokenInfo{}, err
	}
	defer e.exit()
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(randomBytes(32))
	now := tokenClock().UnixNano()
	rec := tokenRecord{Client: client, Created: now}
	if ttl > 0 {
		rec.Expires = now + int64(ttl)
	}
	err := e.updateCtx(ctx, func(txn kv.Txn) error {
		tk := e.keys.tenantKey(client)
		if _, err := txn.Get(tk); errors.Is(err, kv.ErrNotFound) {
			if err := txn.Set(tk, tenantRecord{Name: client, Created: now}.encode()); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if err := txn.Set(tokenKey(token), rec.encode()); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "create-token", Outcome: "ok", Tenant: client})
	})
	if err != nil {
		return "", TokenInfo{}, err
	}
	return token, rec.info(tokenKey(token)), nil
}

// RevokeToken deletes a token; ErrUnauthorized when it is unknown.
func (e *Engine) RevokeToken(ctx context.Context, token string) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	return e.updateCtx(ctx, func(txn kv.Txn) error {
		t, err := getToken(txn, token)
		if err != nil {
			return err
		}
		if err := txn.Delete(tokenKey(token)); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "revoke-token", Outcome: "ok", Tenant: t.Client})
	})
}

// RevokeTokenID deletes the token with this id (see TokenInfo.ID); ErrTokenNotFound when
// none has it, ErrInvalid when id is not an id.
func (e *Engine) RevokeTokenID(ctx context.Context, id string) error {
	raw, err := parseTokenID(id)
	if err != nil {
		return err
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	return e.updateCtx(ctx, func(txn kv.Txn) error {
		var keys [][]byte
		var recs []tokenRecord
		err := scanTokens(txn, append([]byte{tabToken}, raw...), func(k []byte, t tokenRecord) error {
			keys, recs = append(keys, k), append(recs, t)
			return nil
		})
		switch {
		case err != nil:
			return err
		case len(keys) == 0:
			return ErrTokenNotFound
		case len(keys) > 1: // two tokens sharing 64 hash bits: never seen, but never guess
			return fmt.Errorf("%w: id %s is ambiguous, revoke by token", ErrInvalid, id)
		}
		if err := txn.Delete(keys[0]); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "revoke-token", Outcome: "ok", Tenant: recs[0].Client})
	})
}

// RevokeClientTokens deletes every token of client and returns how many there were.
func (e *Engine) RevokeClientTokens(ctx context.Context, client string) (int, error) {
	if err := validIDs(client); err != nil {
		return 0, err
	}
	if err := e.enter(); err != nil {
		return 0, err
	}
	defer e.exit()
	n := 0
	err := e.updateCtx(ctx, func(txn kv.Txn) error {
		var keys [][]byte
		err := scanTokens(txn, []byte{tabToken}, func(k []byte, t tokenRecord) error {
			if t.Client == client {
				keys = append(keys, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return e.auditTxn(txn, auditRecord{Op: "revoke-client-tokens", Outcome: fmt.Sprintf("ok: %d", n), Tenant: client})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Tokens lists client's tokens (every client's when client is ""), oldest first, expired
// ones included (Expires tells).
func (e *Engine) Tokens(ctx context.Context, client string) ([]TokenInfo, error) {
	if client != "" {
		if err := validIDs(client); err != nil {
			return nil, err
		}
	}
	if err := e.enter(); err != nil {
		return nil, err
	}
	defer e.exit()
	var out []TokenInfo
	err := e.viewCtx(ctx, func(txn kv.Txn) error {
		return scanTokens(txn, []byte{tabToken}, func(k []byte, t tokenRecord) error {
			if client == "" || t.Client == client {
				out = append(out, t.info(k))
			}
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// Authenticate returns the tenant a token belongs to; ErrUnauthorized when it is
// unknown, revoked or expired.
func (e *Engine) Authenticate(ctx context.Context, token string) (string, error) {
	if err := e.enter(); err != nil {
		return "", err
	}
	defer e.exit()
	var tenant string
	err := e.viewCtx(ctx, func(txn kv.Txn) error {
		t, err := getToken(txn, token)
		if err != nil {
			return err
		}
		if t.Expires != 0 && tokenClock().UnixNano() >= t.Expires {
			return fmt.Errorf("%w: token expired", ErrUnauthorized)
		}
		tenant = t.Client
		return nil
	})
	return tenant, err
}

func getToken(txn kv.Txn, token string) (t tokenRecord, err error) {
	if token == "" || len(token) > 1024 {
		return t, ErrUnauthorized
	}
	item, err := txn.Get(tokenKey(token))
	if errors.Is(err, kv.ErrNotFound) {
		return t, ErrUnauthorized
	}
	if err != nil {
		return t, err
	}
	err = item.Value(func(v []byte) (err error) { t, err = decodeToken(v); return err })
	return t, err
}

// scanTokens calls fn with each token key (a copy) and record under prefix.
func scanTokens(txn kv.Txn, prefix []byte, fn func(key []byte, t tokenRecord) error) error {
	it := txn.NewIterator(kv.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		var t tokenRecord
		err := item.Value(func(v []byte) (err error) { t, err = decodeToken(v); return err })
		if err != nil {
			return err
		}
		if err := fn(item.KeyCopy(nil), t); err != nil {
			return err
		}
	}
	return nil
}

func (t tokenRecord) info(key []byte) TokenInfo {
	ti := TokenInfo{Client: t.Client, Created: time.Unix(0, t.Created)}
	if len(key) >= 1+tokenIDBytes {
		ti.ID = tokenIDPrefix + hex.EncodeToString(key[1:1+tokenIDBytes])
	}
	if t.Expires != 0 {
		ti.Expires = time.Unix(0, t.Expires)
	}
	return ti
}

func parseTokenID(id string) ([]byte, error) {
	h, ok := strings.CutPrefix(id, tokenIDPrefix)
	raw, err := hex.DecodeString(h)
	if !ok || err != nil || len(raw) != tokenIDBytes {
		return nil, fmt.Errorf("%w: token id must be %s and %d hex digits", ErrInvalid, tokenIDPrefix, 2*tokenIDBytes)
	}
	return raw, nil
}

// Tenants lists the clients that have had a token (operator tools).
func (e *Engine) Tenants(ctx context.Context) ([]string, error) {
	if err := e.enter(); err != nil {
		return nil, err
	}
	defer e.exit()
	var out []string
	err := e.viewCtx(ctx, func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: []byte{tabTenant}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			err := it.Item().Value(func(v []byte) error {
				t, err := decodeTenant(v)
				out = append(out, t.Name)
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
