package pgkv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/pgtest"
)

// TestIteratorConnectionLoss: a connection killed between two pages of an iteration
// must not look like the end of the data; View re-runs the function on a new
// connection and the run it returns from saw every row.
func TestIteratorConnectionLoss(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	s := openDSN(t, dsn)
	defer s.Close()
	bg := context.Background()
	const n = 50
	if _, err := s.Update(bg, func(tx kv.Txn) error {
		for i := range n {
			if err := tx.Set(fmt.Appendf(nil, "r/%03d", i), []byte("v")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	admin := sqlConn(t, dsn)
	var runs []int
	err := s.View(bg, func(tx kv.Txn) error {
		count := 0
		it := tx.NewIterator(kv.IteratorOptions{Prefix: []byte("r/"), PrefetchValues: true, PrefetchSize: 10})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			count++
			if count == 5 && len(runs) == 0 {
				if _, err := admin.Exec(bg, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
					WHERE application_name = 'wajah' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
					AND query NOT LIKE 'LISTEN%'`); err != nil {
					return err
				}
			}
		}
		runs = append(runs, count)
		return nil // deliberately ignore it.Err(): the store must not
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) < 2 || runs[0] >= n || runs[len(runs)-1] != n {
		t.Fatalf("runs saw %v rows; want a short first run, then a retry that saw all %d", runs, n)
	}
}

// TestRestartUnderWriters restarts PostgreSQL (fast shutdown, then an immediate one,
// which is a crash and WAL replay) under concurrent writers and a feed follower.
// Writers enrol items idempotently (a done marker per item, checked in the same
// transaction), as the engine must after an ambiguous commit. Checked: every error
// during the outage is ErrUnavailable and comes within the caller's deadline; the
// writers continue by themselves after the restart; every acknowledged item is in the
// store exactly once; the follower saw every acknowledged item through the feed.
func TestRestartUnderWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts PostgreSQL twice")
	}
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	s := openDSN(t, dsn)
	defer s.Close()
	follower := openDSN(t, dsn)
	defer follower.Close()

	const (
		writers  = 3
		deadline = 2 * time.Second
	)
	var (
		mu         sync.Mutex
		acked      = map[string]bool{}
		outageErrs int
		unknown    int
		slowest    time.Duration
		stop       = make(chan struct{})
		wg         sync.WaitGroup
		ackedAfter [2]int // acknowledgements after each restart
		restarts   int
		unexpected []error
	)
	head, err := follower.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; {
				select {
				case <-stop:
					return
				default:
				}
				item := fmt.Sprintf("w%d/%d", w, i)
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				start := time.Now()
				_, err := kv.Retry(ctx, s, 100, func(tx kv.Txn) error { return enrolItem(tx, item) })
				took := time.Since(start)
				cancel()
				mu.Lock()
				slowest = max(slowest, took)
				switch {
				case err == nil:
					acked[item] = true
					if restarts > 0 {
						ackedAfter[restarts-1]++
					}
					i++
				case errors.Is(err, kv.ErrUnavailable):
					outageErrs++
					if errors.Is(err, kv.ErrCommitUnknown) {
						unknown++
					}
					// Retry the same item: the done marker makes that safe.
				default:
					unexpected = append(unexpected, err)
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitAcks := func(n int) {
		t.Helper()
		limit := time.Now().Add(60 * time.Second)
		for ackedCount() < n {
			if time.Now().After(limit) {
				t.Fatalf("writers stuck at %d acknowledgements (want %d); server log: %s", ackedCount(), n, srv.LogTail())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitAcks(20)
	for r, immediate := range []bool{false, true} {
		if err := srv.Stop(immediate); err != nil {
			t.Fatal(err)
		}
		time.Sleep(deadline + 500*time.Millisecond) // longer than a call's deadline: callers must give up
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		restarts = r + 1
		mu.Unlock()
		waitAcks(ackedCount() + 20)
	}
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(unexpected) > 0 {
		t.Fatalf("errors other than ErrUnavailable: %v", unexpected)
	}
	if outageErrs == 0 {
		t.Error("no caller saw the outage: the test did not test anything")
	}
	if slowest > deadline+time.Second {
		t.Errorf("slowest call took %v with a %v deadline", slowest, deadline)
	}
	for r, n := range ackedAfter {
		if n == 0 {
			t.Errorf("no write acknowledged after restart %d: writers did not reconnect", r+1)
		}
	}
	// Invariants over the store: every acknowledged item exactly once.
	count := map[string]int{}
	err = s.View(context.Background(), func(tx kv.Txn) error {
		it := tx.NewIterator(kv.IteratorOptions{Prefix: []byte("item/"), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := it.Item().Value(func(v []byte) error { count[string(v)]++; return nil }); err != nil {
				return err
			}
		}
		return it.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	lost, dup := 0, 0
	for item := range acked {
		if count[item] == 0 {
			lost++
		}
	}
	for _, c := range count {
		if c > 1 {
			dup += c - 1
		}
	}
	// The follower read the whole feed across both restarts.
	fed := map[string]bool{}
	after := head
	for {
		ch, next, err := follower.Changes(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			if k, ok := strings.CutPrefix(string(c.Key), "done/"); ok {
				fed[k] = true
			}
		}
		if len(ch) == 0 {
			break
		}
		after = next
	}
	missed := 0
	for item := range acked {
		if !fed[item] {
			missed++
		}
	}
	t.Logf("acknowledged %d, lost %d, duplicated %d, outage errors %d (commit outcome unknown %d), slowest call %v, missed by the feed %d",
		len(acked), lost, dup, outageErrs, unknown, slowest.Round(time.Millisecond), missed)
	if lost != 0 || dup != 0 || missed != 0 {
		t.Errorf("lost %d, duplicated %d, missed by the feed %d; want all 0", lost, dup, missed)
	}
}

// enrolItem is an enrolment in miniature: allocate the next slot from a counter and
// write the item there, once, guarded by a done marker.
func enrolItem(tx kv.Txn, item string) error {
	if _, err := tx.Get([]byte("done/" + item)); err == nil {
		return nil // an earlier attempt committed although its caller saw an error
	} else if !errors.Is(err, kv.ErrNotFound) {
		return err
	}
	n := 0
	if it, err := tx.Get([]byte("ctr")); err == nil {
		if err := it.Value(func(v []byte) error { _, err := fmt.Sscan(string(v), &n); return err }); err != nil {
			return err
		}
	} else if !errors.Is(err, kv.ErrNotFound) {
		return err
	}
	n++
	if err := tx.Set([]byte("ctr"), fmt.Append(nil, n)); err != nil {
		return err
	}
	if err := tx.Set(fmt.Appendf(nil, "item/%08d", n), []byte(item)); err != nil {
		return err
	}
	return tx.Set([]byte("done/"+item), fmt.Append(nil, n))
}
