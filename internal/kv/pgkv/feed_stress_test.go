package pgkv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/pgtest"
)

// TestFeedStress: concurrent SERIALIZABLE writers and a follower reading pages of 16, 30
// rounds on fresh databases; every committed key must come out of Changes. It found the
// feed's text ordering of transaction ids (TestFeedAcrossDigitBoundary pins it); it takes
// ~30 s, so it runs when asked: WAJAH_FEED_STRESS=1 go test ./internal/kv/pgkv -run FeedStress -v.
func TestFeedStress(t *testing.T) {
	if os.Getenv("WAJAH_FEED_STRESS") == "" {
		t.Skip("a 30 s stress run: set WAJAH_FEED_STRESS=1")
	}
	srv := pgtest.Start(t)
	for round := range 30 {
		s := openDSN(t, srv.CreateDB(t))
		ctx := context.Background()
		h0, _ := s.Head(ctx)
		const writers, each = 16, 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		pos := map[string]uint64{}
		var maxPos uint64
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					k := fmt.Sprintf("c/%d/%d", w, i)
					p, err := kv.Retry(ctx, s, 100, func(tx kv.Txn) error { return tx.Set([]byte(k), nil) })
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					pos[k] = p
					maxPos = max(maxPos, p)
					mu.Unlock()
				}
			})
		}
		seen := map[string]uint64{}
		var log []string
		after := h0
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
	loop:
		for {
			ch, next, err := s.Changes(ctx, after, 16)
			if err != nil {
				t.Fatal(err)
			}
			var ps []uint64
			for _, c := range ch {
				ps = append(ps, c.Pos)
			}
			log = append(log, fmt.Sprintf("after %d -> next %d, %d rows %v", after, next, len(ch), ps))
			for _, c := range ch {
				seen[string(c.Key)] = c.Pos
			}
			after = next
			select {
			case <-done:
				if after >= maxPos {
					break loop
				}
			default:
			}
			if len(ch) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		if len(seen) != writers*each {
			for k, p := range pos {
				if _, ok := seen[k]; !ok {
					t.Logf("round %d: missing %s pos %d", round, k, p)
				}
			}
			for _, l := range log {
				var a, n uint64
				fmt.Sscanf(l, "after %d -> next %d", &a, &n)
				for k, p := range pos {
					if _, ok := seen[k]; !ok && a < p+3 && p < n+3 {
						t.Log(l)
					}
				}
			}
			t.Fatalf("round %d: %d of %d keys, after %d max %d", round, len(seen), writers*each, after, maxPos)
		}
		s.Close()
	}
}
