package pgkv

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/pgtest"
)

// A page of the feed that crosses a power of ten in transaction ids (999 -> 1000) lists
// them in numeric order. Changes once sorted by the text of the id, so such a page began
// at 1000 and the reader passed 995..999 unread.
func TestFeedAcrossDigitBoundary(t *testing.T) {
	srv := pgtest.Start(t)
	s := openDSN(t, srv.CreateDB(t))
	defer s.Close()
	ctx := context.Background()
	var x string
	if err := s.pool.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&x); err != nil {
		t.Fatal(err)
	}
	cur, _ := strconv.ParseUint(x, 10, 64)
	boundary := uint64(10)
	for boundary <= cur+8 {
		boundary *= 10
	}
	for cur < boundary-6 { // each autocommit statement takes one transaction id
		if err := s.pool.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&x); err != nil {
			t.Fatal(err)
		}
		cur, _ = strconv.ParseUint(x, 10, 64)
	}
	h0, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20 // one key per transaction: ids from below the boundary to above it
	var first, last uint64
	for i := range n {
		p, err := s.Update(ctx, func(tx kv.Txn) error { return tx.Set(fmt.Appendf(nil, "k/%d", i), nil) })
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = p
		}
		last = p
	}
	if first >= boundary || last < boundary {
		t.Fatalf("transaction ids %d..%d do not cross %d", first, last, boundary)
	}
	seen := map[string]bool{}
	for after := h0; after < last; {
		ch, next, err := s.Changes(ctx, after, 16)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range ch {
			if i > 0 && c.Pos < ch[i-1].Pos {
				t.Fatalf("page out of order: %d after %d", c.Pos, ch[i-1].Pos)
			}
			seen[string(c.Key)] = true
		}
		if next <= after {
			t.Fatalf("no progress past %d (last commit %d)", after, last)
		}
		after = next
	}
	if len(seen) != n {
		t.Fatalf("%d of %d keys read across ids %d..%d (boundary %d)", len(seen), n, first, last, boundary)
	}
}
