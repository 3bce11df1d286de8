package badgerkv

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// feed is Badger's change feed: an in-memory ring of the keys each commit wrote.
// Badger has no change log of its own that survives compaction (one version per key),
// and one Badger directory has one process, so the feed lives as long as the Store.
//
// Positions start at the wall clock in nanoseconds at open, so a position held from an
// earlier process is always below the new one's and reads as ErrFeedGone rather than
// as a wrong place in the new feed. A transaction is appended after Badger commits it,
// so a reader that sees a position and then reads the store sees the write; two
// concurrent commits may be fed in either order, which is harmless because the feed
// holds keys, not values.
type feed struct {
	mu      sync.Mutex
	keep    int
	next    uint64 // position of the next transaction
	oldest  uint64 // position of the oldest transaction still fully held
	entries []kv.Change
	wake    chan struct{} // closed and replaced on every append
	closed  bool
}

func newFeed(keep int) *feed {
	base := uint64(time.Now().UnixNano())
	return &feed{keep: keep, next: base, oldest: base, wake: make(chan struct{})}
}

func (f *feed) append(writes map[string]bool) uint64 {
	if len(writes) == 0 {
		return 0
	}
	keys := make([]string, 0, len(writes))
	for k := range writes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	f.mu.Lock()
	defer f.mu.Unlock()
	pos := f.next
	f.next++
	for _, k := range keys {
		f.entries = append(f.entries, kv.Change{Pos: pos, Key: []byte(k), Deleted: writes[k]})
	}
	if n := len(f.entries) - f.keep; n > 0 {
		// Drop whole transactions only, so a reader never sees half of one.
		cut := f.entries[n-1].Pos
		i := sort.Search(len(f.entries), func(i int) bool { return f.entries[i].Pos > cut })
		f.entries = f.entries[i:]
		f.oldest = cut + 1
	}
	close(f.wake)
	f.wake = make(chan struct{})
	return pos
}

func (f *feed) head() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next - 1
}

func (f *feed) read(after uint64, limit int) ([]kv.Change, uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if after+1 < f.oldest {
		return nil, after, kv.ErrFeedGone
	}
	limit = max(limit, 1)
	i := sort.Search(len(f.entries), func(i int) bool { return f.entries[i].Pos > after })
	j := min(i+limit, len(f.entries))
	if j == len(f.entries) {
		return cloneChanges(f.entries[i:j]), f.next - 1, nil
	}
	last := f.entries[j-1].Pos
	for j < len(f.entries) && f.entries[j].Pos == last {
		j++
	}
	return cloneChanges(f.entries[i:j]), last, nil
}

func cloneChanges(c []kv.Change) []kv.Change {
	out := make([]kv.Change, len(c))
	for i, ch := range c {
		out[i] = kv.Change{Pos: ch.Pos, Key: slices.Clone(ch.Key), Deleted: ch.Deleted}
	}
	return out
}

func (f *feed) wait(ctx context.Context, after uint64) error {
	for {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return kv.ErrClosed
		}
		if f.next-1 > after {
			f.mu.Unlock()
			return nil
		}
		ch := f.wake
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (f *feed) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	close(f.wake)
	f.wake = make(chan struct{})
}
