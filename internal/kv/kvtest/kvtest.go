// Package kvtest is the conformance suite every kv.Store passes unchanged: Badger
// (badgerkv) and PostgreSQL (pgkv) run the same tests, so the engine can rely on the
// contract of package kv alone.
package kvtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// Opener returns a fresh, empty store; the suite closes it.
type Opener func(t *testing.T) kv.Store

// Run runs the suite, each test on a fresh store.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, kv.Store)
	}{
		{"GetSetDelete", testGetSetDelete},
		{"ReadOwnWrites", testReadOwnWrites},
		{"AbortWritesNothing", testAbort},
		{"ViewIsReadOnly", testReadOnly},
		{"Iterate", testIterate},
		{"IterateLarge", testIterateLarge},
		{"ConflictReadModifyWrite", testConflict},
		{"ConflictInsertRace", testInsertRace},
		{"ConcurrentCounter", testCounter},
		{"Lock", testLock},
		{"WriteBatch", testWriteBatch},
		{"Sequence", testSequence},
		{"Feed", testFeed},
		{"FeedNoSplit", testFeedNoSplit},
		{"FeedConcurrentWriters", testFeedConcurrent},
		{"FeedWait", testFeedWait},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil && !errors.Is(err, kv.ErrClosed) {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func set(t *testing.T, s kv.Store, kvs ...string) uint64 {
	t.Helper()
	pos, err := s.Update(ctx(t), func(tx kv.Txn) error {
		for i := 0; i+1 < len(kvs); i += 2 {
			if err := tx.Set([]byte(kvs[i]), []byte(kvs[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return pos
}

// get returns the value and whether the key exists.
func get(t *testing.T, s kv.Store, key string) (string, bool) {
	t.Helper()
	var (
		v  []byte
		ok bool
	)
	err := s.View(ctx(t), func(tx kv.Txn) error {
		it, err := tx.Get([]byte(key))
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		v, err = it.ValueCopy(nil)
		return err
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return string(v), ok
}

func keys(t *testing.T, s kv.Store, o kv.IteratorOptions, seek []byte) []string {
	t.Helper()
	var out []string
	err := s.View(ctx(t), func(tx kv.Txn) error {
		it := tx.NewIterator(o)
		defer it.Close()
		if seek != nil {
			it.Seek(seek)
		} else {
			it.Rewind()
		}
		for ; it.Valid(); it.Next() {
			out = append(out, string(it.Item().KeyCopy(nil)))
		}
		return it.Err()
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return out
}

func testGetSetDelete(t *testing.T, s kv.Store) {
	if _, ok := get(t, s, "a"); ok {
		t.Fatal("empty store has key a")
	}
	bin := string([]byte{0, 0xff, 0, 1})
	set(t, s, "a", "1", bin, string([]byte{0xff, 0}), "empty", "")
	for _, tc := range []struct{ k, v string }{{"a", "1"}, {bin, string([]byte{0xff, 0})}, {"empty", ""}} {
		if v, ok := get(t, s, tc.k); !ok || v != tc.v {
			t.Errorf("get %q = %q, %v; want %q", tc.k, v, ok, tc.v)
		}
	}
	set(t, s, "a", "2")
	if v, _ := get(t, s, "a"); v != "2" {
		t.Errorf("overwrite: a = %q", v)
	}
	if _, err := s.Update(ctx(t), func(tx kv.Txn) error {
		if err := tx.Delete([]byte("a")); err != nil {
			return err
		}
		return tx.Delete([]byte("never-there"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, ok := get(t, s, "a"); ok {
		t.Error("deleted key still there")
	}
	err := s.View(ctx(t), func(tx kv.Txn) error {
		_, err := tx.Get([]byte("a"))
		return err
	})
	if !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("Get of a deleted key: %v, want ErrNotFound", err)
	}
}

func testReadOwnWrites(t *testing.T, s kv.Store) {
	set(t, s, "p/1", "old", "p/3", "x")
	_, err := s.Update(ctx(t), func(tx kv.Txn) error {
		buf := []byte("new")
		if err := tx.Set([]byte("p/1"), buf); err != nil {
			return err
		}
		copy(buf, "BAD") // the store copied the value
		if err := tx.Set([]byte("p/2"), []byte("y")); err != nil {
			return err
		}
		if err := tx.Delete([]byte("p/3")); err != nil {
			return err
		}
		it, err := tx.Get([]byte("p/1"))
		if err != nil {
			return err
		}
		if v, _ := it.ValueCopy(nil); string(v) != "new" {
			return fmt.Errorf("own write reads %q", v)
		}
		if _, err := tx.Get([]byte("p/3")); !errors.Is(err, kv.ErrNotFound) {
			return fmt.Errorf("own delete: Get = %v", err)
		}
		var ks []string
		iter := tx.NewIterator(kv.IteratorOptions{Prefix: []byte("p/")})
		defer iter.Close()
		for iter.Rewind(); iter.Valid(); iter.Next() {
			ks = append(ks, string(iter.Item().KeyCopy(nil)))
		}
		if !slices.Equal(ks, []string{"p/1", "p/2"}) {
			return fmt.Errorf("iterator in txn sees %q", ks)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := get(t, s, "p/1"); v != "new" {
		t.Errorf("p/1 = %q after commit", v)
	}
}

func testAbort(t *testing.T, s kv.Store) {
	set(t, s, "k", "v0")
	boom := errors.New("boom")
	pos, err := s.Update(ctx(t), func(tx kv.Txn) error {
		if err := tx.Set([]byte("k"), []byte("v1")); err != nil {
			return err
		}
		if err := tx.Set([]byte("k2"), []byte("v")); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) || pos != 0 {
		t.Fatalf("Update = %d, %v; want 0, the function's error", pos, err)
	}
	if v, _ := get(t, s, "k"); v != "v0" {
		t.Errorf("aborted write visible: k = %q", v)
	}
	if _, ok := get(t, s, "k2"); ok {
		t.Error("aborted write visible: k2")
	}
}

func testReadOnly(t *testing.T, s kv.Store) {
	err := s.View(ctx(t), func(tx kv.Txn) error { return tx.Set([]byte("a"), []byte("b")) })
	if !errors.Is(err, kv.ErrReadOnly) {
		t.Errorf("Set in View: %v, want ErrReadOnly", err)
	}
	err = s.View(ctx(t), func(tx kv.Txn) error { return tx.Delete([]byte("a")) })
	if !errors.Is(err, kv.ErrReadOnly) {
		t.Errorf("Delete in View: %v, want ErrReadOnly", err)
	}
}

func testIterate(t *testing.T, s kv.Store) {
	ff := string([]byte{0xff})
	set(t, s, "a", "", "b/2", "", "b/1", "", "b/10", "", "b", "", "b0", "", "c", "",
		ff+"x", "", ff+ff, "", ff+ff+"z", "")
	cases := []struct {
		name   string
		prefix string
		seek   string
		want   []string
	}{
		{"all", "", "", []string{"a", "b", "b/1", "b/10", "b/2", "b0", "c", ff + "x", ff + ff, ff + ff + "z"}},
		{"prefix", "b/", "", []string{"b/1", "b/10", "b/2"}},
		{"prefix-seek", "b/", "b/10", []string{"b/10", "b/2"}},
		{"seek-between", "b/", "b/11", []string{"b/2"}},
		{"seek-before-prefix", "b/", "a", []string{"b/1", "b/10", "b/2"}},
		{"seek-past-prefix", "b/", "c", nil},
		{"seek-no-prefix", "", "b0", []string{"b0", "c", ff + "x", ff + ff, ff + ff + "z"}},
		{"prefix-ff", ff + ff, "", []string{ff + ff, ff + ff + "z"}},
		{"prefix-none", "zz", "", nil},
	}
	for _, tc := range cases {
		var seek []byte
		if tc.seek != "" {
			seek = []byte(tc.seek)
		}
		for _, pv := range []bool{false, true} {
			got := keys(t, s, kv.IteratorOptions{Prefix: []byte(tc.prefix), PrefetchValues: pv}, seek)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s (values %v): %q, want %q", tc.name, pv, got, tc.want)
			}
		}
	}
}

func testIterateLarge(t *testing.T, s kv.Store) {
	const n = 1000 // several pages of any paging implementation
	_, err := s.Update(ctx(t), func(tx kv.Txn) error {
		for i := range n {
			if err := tx.Set(fmt.Appendf(nil, "r/%04d", i), fmt.Appendf(nil, "v%d", i)); err != nil {
				return err
			}
		}
		return tx.Set([]byte("s"), []byte("outside"))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []kv.IteratorOptions{{Prefix: []byte("r/")}, {Prefix: []byte("r/"), PrefetchValues: true, PrefetchSize: 7}} {
		i := 0
		err := s.View(ctx(t), func(tx kv.Txn) error {
			it := tx.NewIterator(o)
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				wantK, wantV := fmt.Sprintf("r/%04d", i), fmt.Sprintf("v%d", i)
				if k := string(it.Item().Key()); k != wantK {
					return fmt.Errorf("key %d = %q, want %q", i, k, wantK)
				}
				if err := it.Item().Value(func(v []byte) error {
					if string(v) != wantV {
						return fmt.Errorf("value %d = %q", i, v)
					}
					return nil
				}); err != nil {
					return err
				}
				i++
			}
			return it.Err()
		})
		if err != nil || i != n {
			t.Errorf("%+v: %d rows, %v; want %d", o, i, err, n)
		}
	}
}

// testConflict: two transactions read the same key and write it; the one that commits
// second must fail with ErrConflict and change nothing.
func testConflict(t *testing.T, s kv.Store) {
	set(t, s, "n", "0")
	aRead, bRead, aDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var errA error
	go func() {
		defer close(aDone)
		first := true
		_, errA = s.Update(ctx(t), func(tx kv.Txn) error {
			if _, err := tx.Get([]byte("n")); err != nil {
				return err
			}
			if first {
				first = false
				close(aRead)
				<-bRead // A commits after B took its snapshot
			}
			return tx.Set([]byte("n"), []byte("A"))
		})
	}()
	<-aRead
	// B reads before A commits and commits after A did.
	_, errB := s.Update(ctx(t), func(tx kv.Txn) error {
		if _, err := tx.Get([]byte("n")); err != nil {
			return err
		}
		close(bRead)
		<-aDone
		return tx.Set([]byte("n"), []byte("B"))
	})
	if errA != nil {
		t.Fatalf("first committer: %v", errA)
	}
	if !errors.Is(errB, kv.ErrConflict) {
		t.Fatalf("second committer: %v, want ErrConflict", errB)
	}
	if v, _ := get(t, s, "n"); v != "A" {
		t.Errorf("n = %q, want A", v)
	}
}

// testInsertRace: both see a key missing and create it; one must lose.
func testInsertRace(t *testing.T, s kv.Store) {
	aRead, bRead, aDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var errA error
	go func() {
		defer close(aDone)
		first := true
		_, errA = s.Update(ctx(t), func(tx kv.Txn) error {
			if _, err := tx.Get([]byte("nik")); !errors.Is(err, kv.ErrNotFound) {
				return fmt.Errorf("want missing, got %v", err)
			}
			if first {
				first = false
				close(aRead)
				<-bRead
			}
			return tx.Set([]byte("nik"), []byte("A"))
		})
	}()
	<-aRead
	_, errB := s.Update(ctx(t), func(tx kv.Txn) error {
		if _, err := tx.Get([]byte("nik")); !errors.Is(err, kv.ErrNotFound) {
			return fmt.Errorf("want missing, got %v", err)
		}
		close(bRead)
		<-aDone
		return tx.Set([]byte("nik"), []byte("B"))
	})
	if errA != nil || !errors.Is(errB, kv.ErrConflict) {
		t.Fatalf("A: %v, B: %v; want nil, ErrConflict", errA, errB)
	}
	if v, _ := get(t, s, "nik"); v != "A" {
		t.Errorf("nik = %q, want A", v)
	}
}

// testCounter: concurrent read-increment-write with retries loses no increment.
func testCounter(t *testing.T, s kv.Store) {
	const workers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				_, err := kv.Retry(ctx(t), s, 1000, func(tx kv.Txn) error {
					n := 0
					it, err := tx.Get([]byte("ctr"))
					if err == nil {
						if err := it.Value(func(v []byte) error { _, err := fmt.Sscan(string(v), &n); return err }); err != nil {
							return err
						}
					} else if !errors.Is(err, kv.ErrNotFound) {
						return err
					}
					return tx.Set([]byte("ctr"), fmt.Append(nil, n+1))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if v, _ := get(t, s, "ctr"); v != fmt.Sprint(workers*each) {
		t.Errorf("counter = %s, want %d", v, workers*each)
	}
}

func testWriteBatch(t *testing.T, s kv.Store) {
	set(t, s, "w/old", "x")
	wb := s.NewWriteBatch()
	for i := range 50 {
		if err := wb.Set(fmt.Appendf(nil, "w/%02d", i), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Delete([]byte("w/old")); err != nil {
		t.Fatal(err)
	}
	if err := wb.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, s, kv.IteratorOptions{Prefix: []byte("w/")}, nil); len(got) != 50 || got[0] != "w/00" {
		t.Errorf("after Flush: %d keys, first %q", len(got), got)
	}
	wb = s.NewWriteBatch()
	if err := wb.Set([]byte("w/cancelled"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	wb.Cancel()
	if _, ok := get(t, s, "w/cancelled"); ok {
		t.Error("cancelled batch written")
	}
}

func testSequence(t *testing.T, s kv.Store) {
	seen := map[uint64]bool{}
	last := -1
	take := func(q kv.Sequence, n int) {
		t.Helper()
		for range n {
			id, err := q.Next()
			if err != nil {
				t.Fatal(err)
			}
			if seen[id] || int(id) <= last {
				t.Fatalf("id %d repeated or not increasing (last %d)", id, last)
			}
			seen[id], last = true, int(id)
		}
	}
	q, err := s.GetSequence([]byte("seq/x"), 4)
	if err != nil {
		t.Fatal(err)
	}
	take(q, 10) // crosses two lease boundaries
	if err := q.Release(); err != nil {
		t.Fatal(err)
	}
	q2, err := s.GetSequence([]byte("seq/x"), 4)
	if err != nil {
		t.Fatal(err)
	}
	take(q2, 10) // a new sequence on the same key never reuses an id
	other, err := s.GetSequence([]byte("seq/y"), 4)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := other.Next(); err != nil || id != 0 {
		t.Errorf("fresh sequence starts at %d, %v; want 0", id, err)
	}
	_ = q2.Release()
	_ = other.Release()
}

// feedAll reads the feed from after until it has caught up to at least upTo.
func feedAll(t *testing.T, s kv.Store, after, upTo uint64, limit int) ([]kv.Change, uint64) {
	t.Helper()
	var out []kv.Change
	for {
		ch, next, err := s.Changes(ctx(t), after, limit)
		if err != nil {
			t.Fatalf("Changes(%d): %v", after, err)
		}
		if next < after {
			t.Fatalf("Changes moved back: %d -> %d", after, next)
		}
		for _, c := range ch {
			if c.Pos <= after || c.Pos > next {
				t.Fatalf("change at %d outside (%d, %d]", c.Pos, after, next)
			}
		}
		out = append(out, ch...)
		after = next
		if after >= upTo {
			return out, after
		}
		if len(ch) == 0 {
			if err := s.Wait(ctx(t), after); err != nil {
				t.Fatalf("Wait: %v", err)
			}
		}
	}
}

func testFeed(t *testing.T, s kv.Store) {
	h0, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	p1 := set(t, s, "f/a", "1", "f/b", "2")
	if p1 <= h0 {
		t.Fatalf("commit position %d not above head %d", p1, h0)
	}
	if h, err := s.Head(ctx(t)); err != nil || h < p1 {
		t.Fatalf("Head after commit = %d, %v; want >= %d (read-your-writes)", h, err, p1)
	}
	p2, err := s.Update(ctx(t), func(tx kv.Txn) error { return tx.Delete([]byte("f/a")) })
	if err != nil || p2 <= p1 {
		t.Fatalf("second commit at %d, %v; want > %d", p2, err, p1)
	}
	if p, err := s.Update(ctx(t), func(tx kv.Txn) error { _, _ = tx.Get([]byte("f/b")); return nil }); err != nil || p != 0 {
		t.Errorf("read-only Update position %d, %v; want 0", p, err)
	}
	wb := s.NewWriteBatch()
	_ = wb.Set([]byte("f/c"), []byte("3"))
	if err := wb.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	got, _ := feedAll(t, s, h0, p2, 100)
	// The batch may or may not be read yet; the two transactions must be.
	type ent struct {
		pos uint64
		key string
		del bool
	}
	var es []ent
	for _, c := range got {
		es = append(es, ent{c.Pos, string(c.Key), c.Deleted})
	}
	slices.SortFunc(es, func(a, b ent) int {
		if a.pos != b.pos {
			return int(a.pos>>1) - int(b.pos>>1) + boolInt(a.pos > b.pos) - boolInt(a.pos < b.pos)
		}
		return bytes.Compare([]byte(a.key), []byte(b.key))
	})
	want := []ent{{p1, "f/a", false}, {p1, "f/b", false}, {p2, "f/a", true}}
	if len(es) < 3 || !slices.Equal(es[:3], want) {
		t.Fatalf("feed = %+v, want prefix %+v", es, want)
	}
	if len(es) == 4 && (es[3].key != "f/c" || es[3].pos <= p2) {
		t.Errorf("batch change %+v", es[3])
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func testFeedNoSplit(t *testing.T, s kv.Store) {
	h0, _ := s.Head(ctx(t))
	p1 := set(t, s, "1", "", "2", "", "3", "", "4", "", "5", "")
	p2 := set(t, s, "6", "")
	ch, next, err := s.Changes(ctx(t), h0, 2)
	for err == nil && len(ch) == 0 && next < p1 { // a store may report progress before the rows
		ch, next, err = s.Changes(ctx(t), next, 2)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 5 || next != p1 {
		t.Fatalf("limit 2 over a 5-key transaction: %d changes up to %d; want all 5 up to %d", len(ch), next, p1)
	}
	rest, _ := feedAll(t, s, next, p2, 2)
	if len(rest) != 1 || string(rest[0].Key) != "6" || rest[0].Pos != p2 {
		t.Fatalf("next call: %+v", rest)
	}
}

// testFeedConcurrent: a reader following the feed while writers commit concurrently
// sees every acknowledged write (a reader that skipped a late commit would miss one).
func testFeedConcurrent(t *testing.T, s kv.Store) {
	h0, _ := s.Head(ctx(t))
	const writers, each = 4, 30
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		maxPos uint64
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p, err := kv.Retry(ctx(t), s, 100, func(tx kv.Txn) error {
					return tx.Set(fmt.Appendf(nil, "c/%d/%d", w, i), nil)
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				maxPos = max(maxPos, p)
				mu.Unlock()
			}
		})
	}
	seen := map[string]bool{}
	after := h0
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		ch, next, err := s.Changes(ctx(t), after, 16)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			seen[string(c.Key)] = true
		}
		after = next
		select {
		case <-done:
			if after >= maxPos && len(seen) == writers*each {
				return
			}
			if after >= maxPos {
				t.Fatalf("caught up to %d (last commit %d) with %d of %d keys", after, maxPos, len(seen), writers*each)
			}
		default:
		}
		if len(ch) == 0 {
			wctx, cancel := context.WithTimeout(ctx(t), 100*time.Millisecond)
			_ = s.Wait(wctx, after)
			cancel()
		}
	}
}

func testFeedWait(t *testing.T, s kv.Store) {
	h, _ := s.Head(ctx(t))
	short, cancel := context.WithTimeout(ctx(t), 50*time.Millisecond)
	err := s.Wait(short, h)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with nothing new: %v, want DeadlineExceeded", err)
	}
	woke := make(chan error, 1)
	go func() { woke <- s.Wait(ctx(t), h) }()
	time.Sleep(20 * time.Millisecond)
	p := set(t, s, "wake", "")
	select {
	case err := <-woke:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after a commit")
	}
	if err := s.Wait(ctx(t), p-1); err != nil {
		t.Errorf("Wait below a committed position: %v", err)
	}
}

func testClosed(t *testing.T, s kv.Store) {
	set(t, s, "a", "b")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx(t), func(kv.Txn) error { return nil }); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
	if _, err := s.Update(ctx(t), func(kv.Txn) error { return nil }); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	if err := s.Wait(ctx(t), 0); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("Wait after Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}
