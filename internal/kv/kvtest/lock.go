package kvtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// testLock: Txn.Lock's contract. It must come first and once, is refused in a View,
// a locked transaction reads and writes as any other, and a lock ends with its
// transaction (committed, aborted, or one that wrote nothing), so the next writer of
// the key does not wait for it.
func testLock(t *testing.T, s kv.Store) {
	if err := s.View(ctx(t), func(tx kv.Txn) error { return tx.Lock([]byte("l")) }); !errors.Is(err, kv.ErrReadOnly) {
		t.Errorf("Lock in a View: %v, want ErrReadOnly", err)
	}
	for name, fn := range map[string]func(kv.Txn) error{
		"after a read":  func(tx kv.Txn) error { _, _ = tx.Get([]byte("l")); return tx.Lock([]byte("l")) },
		"after a write": func(tx kv.Txn) error { _ = tx.Set([]byte("x"), nil); return tx.Lock([]byte("l")) },
		"twice": func(tx kv.Txn) error {
			if err := tx.Lock([]byte("l")); err != nil {
				return err
			}
			return tx.Lock([]byte("m"))
		},
	} {
		if _, err := s.Update(ctx(t), fn); !errors.Is(err, kv.ErrLockNotFirst) {
			t.Errorf("Lock %s: %v, want ErrLockNotFirst", name, err)
		}
	}
	if _, found := get(t, s, "x"); found {
		t.Error("a transaction whose Lock failed committed its write")
	}
	boom := errors.New("abort")
	endings := []func(kv.Txn) error{
		func(tx kv.Txn) error { return tx.Lock([]byte("l")) }, // locks, writes nothing
		func(tx kv.Txn) error {
			if err := tx.Lock([]byte("l")); err != nil {
				return err
			}
			_ = tx.Set([]byte("l"), []byte("aborted"))
			return boom
		},
		func(tx kv.Txn) error {
			if err := tx.Lock([]byte("l")); err != nil {
				return err
			}
			if _, err := tx.Get([]byte("l")); err != nil && !errors.Is(err, kv.ErrNotFound) {
				return err
			}
			return tx.Set([]byte("l"), []byte("v"))
		},
	}
	for i, fn := range endings {
		if _, err := s.Update(ctx(t), fn); err != nil && !errors.Is(err, boom) {
			t.Fatalf("ending %d: %v", i, err)
		}
		// Writers on every connection of a pool must get the lock at once: a lock left
		// on a pooled session would hold them until their deadline.
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				if _, err := s.Update(c, func(tx kv.Txn) error { return tx.Lock([]byte("l")) }); err != nil {
					t.Errorf("after ending %d, a locker: %v (lock left held?)", i, err)
				}
			})
		}
		wg.Wait()
	}
	if v, _ := get(t, s, "l"); v != "v" {
		t.Errorf("l = %q, want v", v)
	}
	// A lock of another key is not waited for.
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := s.Update(ctx(t), func(tx kv.Txn) error {
			if err := tx.Lock([]byte("lock/a")); err != nil {
				return err
			}
			if _, err := tx.Get([]byte("lock/a")); err != nil && !errors.Is(err, kv.ErrNotFound) {
				return err
			}
			select {
			case <-held:
			default:
				close(held)
			}
			<-release
			return nil
		})
		done <- err
	}()
	<-held
	c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_, err := s.Update(c, func(tx kv.Txn) error {
		if err := tx.Lock([]byte("lock/b")); err != nil {
			return err
		}
		return tx.Set([]byte("lock/b"), []byte("b"))
	})
	cancel()
	close(release)
	if err != nil {
		t.Errorf("locking another key while lock/a is held: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("lock/a holder: %v", err)
	}
	got := LockedCounter(t, []kv.Store{s}, 4, 20, true)
	t.Logf("4 writers x 20 locked increments: %d conflicts", got.Conflicts)
}

// CounterRun is what LockedCounter measured.
type CounterRun struct {
	Commits, Conflicts int
	Elapsed            time.Duration
}

// LockedCounter runs workers goroutines per store, each committing each read-modify-
// write increments of one counter, locking it first when lock is set, and retrying
// conflicts itself (counted). It fails t when an increment is lost.
func LockedCounter(t testing.TB, stores []kv.Store, workers, each int, lock bool) CounterRun {
	t.Helper()
	key := fmt.Appendf(nil, "ctr/%v/%d", lock, time.Now().UnixNano())
	var (
		conflicts atomic.Int64
		wg        sync.WaitGroup
	)
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	for _, s := range stores {
		for range workers {
			wg.Go(func() {
				for range each {
					for {
						_, err := s.Update(c, func(tx kv.Txn) error {
							if lock {
								if err := tx.Lock(key); err != nil {
									return err
								}
							}
							n := 0
							it, err := tx.Get(key)
							if err == nil {
								if err := it.Value(func(v []byte) error { _, err := fmt.Sscan(string(v), &n); return err }); err != nil {
									return err
								}
							} else if !errors.Is(err, kv.ErrNotFound) {
								return err
							}
							return tx.Set(key, fmt.Append(nil, n+1))
						})
						if errors.Is(err, kv.ErrConflict) {
							conflicts.Add(1)
							continue
						}
						if err != nil {
							t.Errorf("increment: %v", err)
							return
						}
						break
					}
				}
			})
		}
	}
	wg.Wait()
	run := CounterRun{Commits: len(stores) * workers * each, Conflicts: int(conflicts.Load()), Elapsed: time.Since(start)}
	var v []byte
	err := stores[0].View(c, func(tx kv.Txn) error {
		it, err := tx.Get(key)
		if err != nil {
			return err
		}
		v, err = it.ValueCopy(nil)
		return err
	})
	if err != nil || string(v) != fmt.Sprint(run.Commits) {
		t.Errorf("counter = %s (%v), want %d", v, err, run.Commits)
	}
	return run
}
