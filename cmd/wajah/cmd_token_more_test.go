package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/admin"
	"github.com/wajah-id/wajah/internal/config"
	"github.com/wajah-id/wajah/internal/secrethash"
)

// The token commands beyond create: --ttl, list, revoke --id / --client, both directly on
// the store and through a running server's admin socket.
func TestTokenLifecycleCommands(t *testing.T) {
	for _, viaSocket := range []bool{false, true} {
		t.Run(map[bool]string{false: "store", true: "socket"}[viaSocket], func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv(engine.DefaultKeyEnv, "")
			var e *engine.Engine
			auth := func(tok string) error {
				if e != nil {
					_, err := e.Authenticate(context.Background(), tok)
					return err
				}
				e2, err := engine.Open(engine.Options{Dir: dir}, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer e2.Close()
				_, err = e2.Authenticate(context.Background(), tok)
				return err
			}
			if viaSocket {
				var err error
				if e, err = engine.Open(engine.Options{Dir: dir}, nil); err != nil {
					t.Fatal(err)
				}
				defer e.Close()
				adm, err := admin.Listen(dir, e, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer adm.Close()
			}
			create := func(client string, extra ...string) string {
				out, err := capture(t, func() error { return runTokenCreate(append([]string{"--client", client, "--data", dir}, extra...)) })
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				return strings.TrimSpace(out)
			}
			a1, a2 := create("acme"), create("acme", "--ttl", "24h")
			short := create("acme", "--ttl", "50ms")
			b1 := create("beta")
			out, err := capture(t, func() error { return runTokenList([]string{"--client", "acme", "--data", dir}) })
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(out, "never") || strings.Contains(out, "beta") {
				t.Fatalf("list:\n%s", out)
			}
			for _, tok := range []string{a1, a2, short, b1} {
				if strings.Contains(out, tok) {
					t.Fatalf("list shows a token:\n%s", out)
				}
			}
			time.Sleep(100 * time.Millisecond)
			if err := auth(short); !errors.Is(err, engine.ErrUnauthorized) {
				t.Fatalf("expired token: %v", err)
			}
			if err := auth(a2); err != nil {
				t.Fatalf("24h token: %v", err)
			}
			// revoke --id with the id of beta's only token.
			out, _ = capture(t, func() error { return runTokenList([]string{"--client", "beta", "--data", dir}) })
			id := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1])[0]
			if err := runTokenRevoke([]string{"--id", id, "--data", dir}); err != nil {
				t.Fatal(err)
			}
			if err := auth(b1); !errors.Is(err, engine.ErrUnauthorized) {
				t.Fatalf("revoked by id: %v", err)
			}
			if err := runTokenRevoke([]string{"--id", id, "--data", dir}); !errors.Is(err, engine.ErrTokenNotFound) {
				t.Fatalf("second revoke by id: %v", err)
			}
			if err := runTokenRevoke([]string{"--client", "acme", "--data", dir}); err != nil {
				t.Fatal(err)
			}
			for _, tok := range []string{a1, a2} {
				if err := auth(tok); !errors.Is(err, engine.ErrUnauthorized) {
					t.Fatalf("revoked by client: %v", err)
				}
			}
			if err := runTokenRevoke([]string{"--data", dir, a1}); err == nil {
				t.Fatal("a token on the command line was accepted")
			}
		})
	}
}

func TestOAuthHashCommand(t *testing.T) {
	stdin = strings.NewReader("s3cret\n")
	defer func() { stdin = os.Stdin }()
	out, err := capture(t, func() error { return runOAuthHash([]string{"--client", "kiosk"}) })
	if err != nil {
		t.Fatal(err)
	}
	id, hash, ok := strings.Cut(strings.TrimSpace(out), "=")
	if !ok || id != "kiosk" {
		t.Fatalf("line %q", out)
	}
	h, err := secrethash.Parse(hash)
	if err != nil || !h.Check([]byte("s3cret")) || h.Check([]byte("s3cret\n")) {
		t.Fatalf("hash %q: %v", hash, err)
	}
	// The line is what the server's oauth-clients file takes.
	file := filepath.Join(t.TempDir(), "clients")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default("")
	cfg.OAuthClients = file
	if _, err := cfg.Options(nil); err != nil {
		t.Fatalf("server refuses the line: %v", err)
	}
	stdin = strings.NewReader("")
	if err := runOAuthHash(nil); err == nil {
		t.Fatal("empty secret hashed")
	}
}
