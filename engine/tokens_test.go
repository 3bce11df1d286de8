package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// A token issued with a lifetime is refused once it has passed; one without never expires.
func TestTokenExpiry(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), nil)
	defer e.Close()
	now := time.Unix(1_800_000_000, 0)
	tokenClock = func() time.Time { return now }
	defer func() { tokenClock = time.Now }()

	short, info, err := e.IssueToken(ctx, "acme", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Expires.Equal(now.Add(time.Hour)) || !info.Created.Equal(now) || !strings.HasPrefix(info.ID, tokenIDPrefix) {
		t.Fatalf("info %+v", info)
	}
	forever, err := e.CreateToken(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Authenticate(ctx, short); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	now = now.Add(time.Hour)
	if _, err := e.Authenticate(ctx, short); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("expired token accepted: %v", err)
	}
	if tenant, err := e.Authenticate(ctx, forever); err != nil || tenant != "acme" {
		t.Fatalf("token without expiry: %q %v", tenant, err)
	}
	if _, _, err := e.IssueToken(ctx, "acme", -time.Second); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative ttl: %v", err)
	}
}

// revoke --client removes every token of that client and none of another's; revoke --id
// removes exactly one; list never shows a token.
func TestRevokeByClientAndID(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), nil)
	defer e.Close()
	var acme []string
	for range 3 {
		tok, err := e.CreateToken(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		acme = append(acme, tok)
	}
	other, _, err := e.IssueToken(ctx, "other", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.Tokens(ctx, "acme")
	if err != nil || len(list) != 3 {
		t.Fatalf("list acme: %v %v", list, err)
	}
	all, _ := e.Tokens(ctx, "")
	if len(all) != 4 {
		t.Fatalf("list all: %v", all)
	}
	for _, ti := range all {
		for _, tok := range append(acme, other) {
			if strings.Contains(ti.ID, tok) || strings.Contains(tok, strings.TrimPrefix(ti.ID, tokenIDPrefix)) {
				t.Fatalf("id %s reveals token", ti.ID)
			}
		}
	}

	// By id: the listed id of acme's first token.
	if _, _, err := e.IssueToken(ctx, "acme", 0); err != nil {
		t.Fatal(err)
	}
	list, _ = e.Tokens(ctx, "acme")
	victim := list[len(list)-1]
	if err := e.RevokeTokenID(ctx, victim.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.RevokeTokenID(ctx, victim.ID); !errors.Is(err, ErrTokenNotFound) {
		t.Fatalf("second revoke by id: %v", err)
	}
	for _, bad := range []string{"", "tk_", "tk_zz", "tk_0011", "xx_0011223344556677", "tk_001122334455667788"} {
		if err := e.RevokeTokenID(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("revoke id %q: %v", bad, err)
		}
	}

	n, err := e.RevokeClientTokens(ctx, "acme")
	if err != nil || n != 3 {
		t.Fatalf("revoke client: %d %v", n, err)
	}
	for _, tok := range acme {
		if _, err := e.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("revoked-by-client token accepted: %v", err)
		}
	}
	if tenant, err := e.Authenticate(ctx, other); err != nil || tenant != "other" {
		t.Fatalf("another client's token: %q %v", tenant, err)
	}
	if list, _ := e.Tokens(ctx, "acme"); len(list) != 0 {
		t.Fatalf("acme tokens left: %v", list)
	}
}

// Token records written before version 2 (client, created) still authenticate, never
// expire, and are listed with an id.
func TestTokenRecordV1(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), nil)
	defer e.Close()
	tok := tokenPrefix + "legacy"
	err := e.update(func(txn kv.Txn) error {
		return txn.Set(tokenKey(tok), tenantRecord{Name: "acme", Created: 42}.encode())
	})
	if err != nil {
		t.Fatal(err)
	}
	if tenant, err := e.Authenticate(ctx, tok); err != nil || tenant != "acme" {
		t.Fatalf("v1 token: %q %v", tenant, err)
	}
	list, err := e.Tokens(ctx, "acme")
	if err != nil || len(list) != 1 || !list[0].Expires.IsZero() || list[0].ID == "" {
		t.Fatalf("v1 list: %+v %v", list, err)
	}
	rt, err := decodeToken(tokenRecord{Client: "x", Created: 1, Expires: 7}.encode())
	if err != nil || rt.Expires != 7 || rt.Client != "x" {
		t.Fatalf("v2 round trip: %+v %v", rt, err)
	}
	if _, err := decodeToken(append([]byte(nil), tokenRecord{Client: "x"}.encode()[:3]...)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
}
