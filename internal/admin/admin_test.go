package admin

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/engine"
)

var quiet = slog.New(slog.DiscardHandler)

// openEngine is a real engine over a temporary store, without a face pipeline: the admin
// operations never touch faces.
func openEngine(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.Open(engine.Options{Dir: t.TempDir(), NoSyncWrites: true, MemTableSize: 4 << 20, VLogFileSize: 4 << 20, Logger: quiet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func listenTest(t *testing.T, dir string, svc Service) *Server {
	t.Helper()
	a, err := Listen(dir, svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestAdminRoundTrip(t *testing.T) {
	dir := t.TempDir()
	fake := openEngine(t)
	a := listenTest(t, dir, fake)
	if a.Path() != filepath.Join(dir, SocketName) {
		t.Fatalf("path %q", a.Path())
	}
	fi, err := os.Stat(a.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want socket 0600", fi.Mode())
	}
	c := NewClient(dir)
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
func (e errAdmin) IssueToken(context.Context, string, time.Duration) (string, engine.TokenInfo, error) {
	return "", engine.TokenInfo{}, e.err
}
func (e errAdmin) RevokeTokenID(context.Context, string) error             { return e.err }
func (e errAdmin) RevokeClientTokens(context.Context, string) (int, error) { return 0, e.err }
func (e errAdmin) Tokens(context.Context, string) ([]engine.TokenInfo, error) {
	return nil, e.err
}

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
			listenTest(t, dir, errAdmin{tc.err})
			err := NewClient(dir).SetUserStatus(context.Background(), "1", "red")
			if err == nil || err.Error() != tc.err.Error() {
				t.Fatalf("got %v, want message %q", err, tc.err)
			}
			if errors.Is(err, ErrUnavailable) {
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
	if _, err := NewClient(absent).CreateToken(ctx, "acme"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no socket: %v", err)
	}
	// A socket file nobody listens on (a crashed server) refuses connections.
	stale := t.TempDir()
	staleSocket(t, stale)
	if _, err := NewClient(stale).CreateToken(ctx, "acme"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("stale socket: %v", err)
	}
}

// staleSocket leaves dir/admin.sock behind as a crashed server would.
func staleSocket(t *testing.T, dir string) {
	t.Helper()
	ln, err := net.Listen("unix", SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
}

func TestAdminSocketLifecycle(t *testing.T) {
	dir := t.TempDir()
	staleSocket(t, dir)
	fake := openEngine(t)
	a, err := Listen(dir, fake, nil)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	if _, err := Listen(dir, fake, nil); err == nil {
		t.Fatal("second listener on a live socket succeeded")
	}
	if _, err := NewClient(dir).UserStatus(context.Background(), "1"); err != nil {
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
	fake := openEngine(t)
	listenTest(t, dir, fake)
	c := NewClient(dir)
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
	for i := range 8 {
		if s, err := fake.UserStatus(context.Background(), string(rune('a'+i))); err != nil || s != "yellow" {
			t.Errorf("status %c: %q %v, want yellow", 'a'+i, s, err)
		}
	}
}

// The socket is 0600 with no temporary directory left behind, and erase goes through it.
func TestAdminSocketPrivateAndErase(t *testing.T) {
	dir := t.TempDir()
	eng, err := engine.Open(engine.Options{Dir: dir, NoSyncWrites: true, MemTableSize: 4 << 20, VLogFileSize: 4 << 20, Logger: quiet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	a := listenTest(t, dir, eng)
	fi, err := os.Stat(a.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v %v", fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".admin-") {
			t.Fatalf("temporary directory %s left behind", e.Name())
		}
	}
	ctx := context.Background()
	if err := eng.SetUserStatus(ctx, "3201", "red"); err != nil {
		t.Fatal(err)
	}
	if err := eng.RecordCheckin(ctx, engine.CheckinRecord{Tenant: "acme", NIK: "3201", Venue: "V", Direction: "checkin"}); err != nil {
		t.Fatal(err)
	}
	rep, err := NewClient(dir).ErasePerson(ctx, "3201")
	if err != nil || !rep.Status || rep.Checkins != 1 {
		t.Fatalf("erase through the socket: %+v %v", rep, err)
	}
	if rows, _ := eng.Checkins(ctx, 10); len(rows) != 0 {
		t.Fatalf("ledger rows left: %+v", rows)
	}
}
