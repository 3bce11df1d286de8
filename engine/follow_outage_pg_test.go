package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/pgtest"
)

// onFollowStage makes e's follower call fn at stage for gallery g's changes, once.
func onFollowStage(t *testing.T, e *Engine, tenant, gallery, stage string, fn func()) {
	t.Helper()
	g, err := e.lookup(tenant, gallery)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	hook := func(s string, gid uint64) {
		if s == stage && gid == g.rec.GID {
			once.Do(fn)
		}
	}
	e.follower.hook.Store(&hook)
	t.Cleanup(func() { e.follower.hook.Store(nil) })
}

// TestPostgresFollowerOutageWrite: PostgreSQL stops while node A's follower is about to
// read a batch of gallery g's changes (B's enrolment). A write to g on A still fails
// within its own deadline: the follower reads without g's lock, so the write does not
// wait behind a read that lasts until the store gives up (pgkv's 5 s). After the
// restart the follower applies the batch by itself and A's index matches the store.
func TestPostgresFollowerOutageWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("stops PostgreSQL")
	}
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a := openTest(t, pgOptions(t, dsn), newFake())
	defer a.Close()
	enroll(t, a, "acme", "g", "seed", "seed/1")
	enroll(t, a, "acme", "g", "victim", "victim/1")
	b := openTest(t, pgOptions(t, dsn), newFake())
	defer b.Close()
	reading, proceed := make(chan struct{}), make(chan struct{})
	onFollowStage(t, a, "acme", "g", "read", func() { close(reading); <-proceed })
	enroll(t, b, "acme", "g", "other", "other/1")
	select {
	case <-reading:
	case <-time.After(20 * time.Second):
		t.Fatal("A's follower never came to read B's change")
	}
	if err := srv.Stop(false); err != nil {
		t.Fatal(err)
	}
	close(proceed) // the follower's read meets a stopped database
	for _, op := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"delete", func(ctx context.Context) error { return a.DeletePerson(ctx, "acme", "g", "victim") }},
		{"enroll", func(ctx context.Context) error {
			_, err := a.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: "new", Image: img("new/1")})
			return err
		}},
	} {
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
		err := op.call(cctx)
		cancel()
		took := time.Since(start)
		const bound = 1500 * time.Millisecond
		if !errors.Is(err, ErrStoreUnavailable) || took > bound {
			t.Errorf("%s while the follower reads from the stopped store: %v after %v, want ErrStoreUnavailable within %v (deadline 700 ms)",
				op.name, err, took.Round(time.Millisecond), bound)
		}
		t.Logf("%s while the follower reads from the stopped store: %v after %v", op.name, err, took.Round(time.Millisecond))
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	waitSize(t, a, "acme/g", 3) // seed, victim (its delete failed), other
	checkInvariants(t, a)
}

// TestPostgresFollowerStaleRead: node A's follower has read B's enrolment of p (the
// face row was there) and not yet applied it when A deletes p itself. The follower
// must notice that the gallery moved since its read and read again, rather than bring
// the deleted face back into A's index.
func TestPostgresFollowerStaleRead(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a := openTest(t, pgOptions(t, dsn), newFake())
	defer a.Close()
	enroll(t, a, "acme", "g", "seed", "seed/1")
	b := openTest(t, pgOptions(t, dsn), newFake())
	defer b.Close()
	deleted := make(chan error, 1)
	onFollowStage(t, a, "acme", "g", "apply", func() {
		deleted <- a.DeletePerson(ctx, "acme", "g", "p")
	})
	enroll(t, b, "acme", "g", "p", "p/1")
	select {
	case err := <-deleted:
		if err != nil {
			t.Fatalf("delete on A between its follower's read and apply: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("A's follower never came to apply B's change")
	}
	waitSize(t, b, "acme/g", 1) // B follows A's delete
	deadline := time.Now().Add(5 * time.Second)
	for a.FollowedPos() < b.FollowedPos() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := a.Stats().GallerySizes["acme/g"]; n != 1 {
		t.Errorf("A's index holds %d faces, want 1 (the seed): the deleted face came back", n)
	}
	checkInvariants(t, a)
}
