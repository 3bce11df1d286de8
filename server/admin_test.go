package server

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wajah-id/wajah/engine"
)

func listenAdminTest(t *testing.T, dir string, svc AdminService) *AdminServer {
	t.Helper()
	a, err := ListenAdmin(dir, svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestAdminRoundTrip(t *testing.T) {
	dir := t.TempDir()
	fake := newFake()
	a := listenAdminTest(t, dir, fake)
	if a.Path() != filepath.Join(dir, AdminSocketName) {
		t.Fatalf("path %q", a.Path())
	}
	fi, err := os.Stat(a.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want socket 0600", fi.Mode())
	}
	c := NewAdminClient(dir)
	ctx := context.Background()
	tok, err := c.CreateToken(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if tenant, err := fake.Authenticate(ctx, tok); err != nil || tenant != "acme" {
		t.Fatalf("token %q not stored: %q %v", tok, tenant, err)
	}
	if err := c.RevokeToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Authenticate(ctx, tok); !errors.Is(err, engine.ErrUnauthorized) {
		t.Fatalf("revoked token still authenticates: %v", err)
	}
	if err := c.RevokeToken(ctx, tok); !errors.Is(err, engine.ErrUnauthorized) {
		t.Fatalf("second revoke: %v", err)
	}
	if err := c.SetUserStatus(ctx, "3201", "red"); err != nil {
		t.Fatal(err)
	}
	for nik, want := range map[string]string{"3201": "red", "3202": "green"} {
		if s, err := c.UserStatus(ctx, nik); err != nil || s != want {
			t.Fatalf("status %s: %q %v, want %q", nik, s, err, want)
		}
	}
}

// errAdmin fails every call with err.
type errAdmin struct{ err error }

func (e errAdmin) CreateToken(context.Context, string) (string, error) { return "", e.err }
func (e errAdmin) RevokeToken(context.Context, string) error           { return e.err }
func (e errAdmin) SetUserStatus(context.Context, string, string) error { return e.err }
func (e errAdmin) UserStatus(context.Context, string) (string, error)  { return "", e.err }

func TestAdminErrors(t *testing.T) {
	sentinels := []error{engine.ErrInvalid, engine.ErrUnauthorized, engine.ErrPersonNotFound, engine.ErrClosed}
	tests := []struct {
		name string
		err  error
		want error // nil: no sentinel may match
	}{
		{"invalid", engine.ErrInvalid, engine.ErrInvalid},
		{"wrapped invalid", errors.Join(errors.New("status blue"), engine.ErrInvalid), engine.ErrInvalid},
		{"unauthorized", engine.ErrUnauthorized, engine.ErrUnauthorized},
		{"not found", engine.ErrPersonNotFound, engine.ErrPersonNotFound},
		{"closed", engine.ErrClosed, nil}, // 500, like any store error: no sentinel to restore
		{"other", errors.New("disk full"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			listenAdminTest(t, dir, errAdmin{tc.err})
			err := NewAdminClient(dir).SetUserStatus(context.Background(), "1", "red")
			if err == nil || err.Error() != tc.err.Error() {
				t.Fatalf("got %v, want message %q", err, tc.err)
			}
			if errors.Is(err, ErrAdminUnavailable) {
				t.Fatalf("server error reported as unavailable: %v", err)
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tc.want; got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
				}
			}
		})
	}
}

func TestAdminUnavailable(t *testing.T) {
	ctx := context.Background()
	absent := t.TempDir()
	if _, err := NewAdminClient(absent).CreateToken(ctx, "acme"); !errors.Is(err, ErrAdminUnavailable) {
		t.Fatalf("no socket: %v", err)
	}
	// A socket file nobody listens on (a crashed server) refuses connections.
	stale := t.TempDir()
	staleSocket(t, stale)
	if _, err := NewAdminClient(stale).CreateToken(ctx, "acme"); !errors.Is(err, ErrAdminUnavailable) {
		t.Fatalf("stale socket: %v", err)
	}
}

// staleSocket leaves dir/admin.sock behind as a crashed server would.
func staleSocket(t *testing.T, dir string) {
	t.Helper()
	ln, err := net.Listen("unix", AdminSocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
}

func TestAdminSocketLifecycle(t *testing.T) {
	dir := t.TempDir()
	staleSocket(t, dir)
	fake := newFake()
	a, err := ListenAdmin(dir, fake, nil)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	if _, err := ListenAdmin(dir, fake, nil); err == nil {
		t.Fatal("second listener on a live socket succeeded")
	}
	if _, err := NewAdminClient(dir).UserStatus(context.Background(), "1"); err != nil {
		t.Fatalf("first server broken by the second listen: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(a.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left after Close: %v", err)
	}
}

func TestAdminConcurrent(t *testing.T) {
	dir := t.TempDir()
	fake := newFake()
	listenAdminTest(t, dir, fake)
	c := NewAdminClient(dir)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			nik := string(rune('a' + i))
			if err := c.SetUserStatus(context.Background(), nik, "yellow"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	fake.mu.Lock()
	got := len(fake.statuses)
	fake.mu.Unlock()
	if got != 8 {
		t.Fatalf("%d statuses stored, want 8", got)
	}
}
