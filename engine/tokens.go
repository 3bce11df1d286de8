package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// tokenPrefix marks wajah tokens so that a leaked one is recognisable by scanners.
const tokenPrefix = "wjh_"

// CreateToken issues a new token for client (creating the tenant on first use) and
// returns it; only its SHA-256 is stored, so it cannot be shown again. Tokens carry 256
// random bits, so an unsalted hash is enough.
func (e *Engine) CreateToken(ctx context.Context, client string) (string, error) {
	if err := validIDs(client); err != nil {
		return "", err
	}
	if err := e.enter(); err != nil {
		return "", err
	}
	defer e.exit()
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(randomBytes(32))
	now := time.Now().UnixNano()
	err := e.update(func(txn kv.Txn) error {
		tk := e.keys.tenantKey(client)
		if _, err := txn.Get(tk); errors.Is(err, kv.ErrNotFound) {
			if err := txn.Set(tk, tenantRecord{Name: client, Created: now}.encode()); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if err := txn.Set(tokenKey(token), tokenRecord{Name: client, Created: now}.encode()); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "create-token", Outcome: "ok", Tenant: client})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// RevokeToken deletes a token; ErrUnauthorized when it is unknown.
func (e *Engine) RevokeToken(ctx context.Context, token string) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	return e.update(func(txn kv.Txn) error {
		t, err := getToken(txn, token)
		if err != nil {
			return err
		}
		if err := txn.Delete(tokenKey(token)); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "revoke-token", Outcome: "ok", Tenant: t.Name})
	})
}

// Authenticate returns the tenant a token belongs to; ErrUnauthorized when it is
// unknown or revoked.
func (e *Engine) Authenticate(ctx context.Context, token string) (string, error) {
	if err := e.enter(); err != nil {
		return "", err
	}
	defer e.exit()
	var tenant string
	err := e.view(func(txn kv.Txn) error {
		t, err := getToken(txn, token)
		tenant = t.Name
		return err
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
	err = item.Value(func(v []byte) (err error) { t, err = decodeTenant(v); return err })
	return t, err
}

// Tenants lists the clients that have had a token (operator tools).
func (e *Engine) Tenants(ctx context.Context) ([]string, error) {
	if err := e.enter(); err != nil {
		return nil, err
	}
	defer e.exit()
	var out []string
	err := e.view(func(txn kv.Txn) error {
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
