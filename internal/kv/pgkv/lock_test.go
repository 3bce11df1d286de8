package pgkv

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/kv/kvtest"
	"github.com/wajah-id/wajah/internal/pgtest"
)

// TestLockQueuesWriters: two Stores (two nodes) over one database, 4 writers each,
// incrementing one counter back to back. Without Txn.Lock they conflict and retry
// (the reference, logged); with it they queue: no conflict at all, no increment lost,
// and no advisory lock left behind on a pooled session.
func TestLockQueuesWriters(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a, b := openDSN(t, dsn), openDSN(t, dsn)
	defer a.Close()
	defer b.Close()
	stores := []kv.Store{a, b}
	const workers, each = 4, 50
	ref := kvtest.LockedCounter(t, stores, workers, each, false)
	got := kvtest.LockedCounter(t, stores, workers, each, true)
	rate := func(r kvtest.CounterRun) float64 { return float64(r.Commits) / r.Elapsed.Seconds() }
	t.Logf("%d increments over 2 stores x %d writers: without Lock %d conflicts, %.0f commits/s; with Lock %d conflicts, %.0f commits/s",
		got.Commits, workers, ref.Conflicts, rate(ref), got.Conflicts, rate(got))
	if got.Conflicts != 0 {
		t.Errorf("%d conflicts between writers that all lock the key first, want 0", got.Conflicts)
	}
	if n := advisoryLocks(t, dsn); n != 0 {
		t.Errorf("%d advisory locks held after every transaction ended", n)
	}
}

// TestLockWaitBounded: a writer queued behind a holder that does not finish gives up
// at its own deadline (ErrUnavailable), and its pooled connection comes back without
// the lock.
func TestLockWaitBounded(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a, b := openDSN(t, dsn), openDSN(t, dsn)
	defer a.Close()
	defer b.Close()
	key := []byte("hot")
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := a.Update(context.Background(), func(tx kv.Txn) error {
			if err := tx.Lock(key); err != nil {
				return err
			}
			close(held)
			<-release
			return tx.Set(key, []byte("a"))
		})
		done <- err
	}()
	<-held
	start := time.Now()
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := b.Update(c, func(tx kv.Txn) error {
		if err := tx.Lock(key); err != nil {
			return err
		}
		return tx.Set(key, []byte("b"))
	})
	cancel()
	took := time.Since(start)
	if !errors.Is(err, kv.ErrUnavailable) || took > time.Second {
		t.Errorf("queued writer past its 300 ms deadline: %v after %v, want ErrUnavailable at the deadline", err, took)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("holder: %v", err)
	}
	c, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range []*Store{a, b} {
		if _, err := s.Update(c, func(tx kv.Txn) error { return tx.Lock(key) }); err != nil {
			t.Errorf("locking again after the holder committed: %v", err)
		}
	}
	// The waiter's session was closed at its deadline; the server drops it (and any
	// lock it got meanwhile) once it notices.
	deadline := time.Now().Add(5 * time.Second)
	for advisoryLocks(t, dsn) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d advisory locks still held", advisoryLocks(t, dsn))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// advisoryLocks counts the advisory locks granted in the database.
func advisoryLocks(t *testing.T, dsn string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
