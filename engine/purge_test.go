package engine

import (
	"encoding/binary"
	"testing"

	"github.com/wajah-id/wajah/internal/kv"
)

// TestDeletePrefix: trimChanges deletes exactly the change records up to its seq, and
// purgeGID every row of the gallery, across several batches; nothing of another gallery
// is touched.
func TestDeletePrefix(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	const n = 2*purgeBatchSize + 17
	err := e.update(func(txn kv.Txn) error {
		for _, gid := range []uint64{7, 8} {
			for s := uint64(1); s <= n; s++ {
				if err := txn.Set(changeKey(gid, s), []byte{1}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func(gid uint64) (first, total uint64) {
		t.Helper()
		p := gidPrefix(tabChange, gid)
		e.view(func(txn kv.Txn) error {
			it := txn.NewIterator(kv.IteratorOptions{Prefix: p})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if total == 0 {
					first = binary.BigEndian.Uint64(it.Item().Key()[len(p):])
				}
				total++
			}
			return nil
		})
		return first, total
	}
	for _, upto := range []uint64{0, 5, purgeBatchSize + 3, n + 10} {
		if err := e.trimChanges(7, upto); err != nil {
			t.Fatal(err)
		}
		first, total := count(7)
		want := uint64(0)
		if upto < n {
			want = n - upto
		}
		if total != want || (want > 0 && first != upto+1) {
			t.Fatalf("trim to %d: %d records from %d, want %d from %d", upto, total, first, want, upto+1)
		}
	}
	if _, total := count(8); total != n {
		t.Fatalf("other gallery: %d records, want %d", total, n)
	}
	deleted, err := e.purgeGID(8)
	if err != nil || deleted != n {
		t.Fatalf("purge: %d, %v; want %d", deleted, err, n)
	}
	if _, total := count(8); total != 0 {
		t.Fatalf("after purge: %d records", total)
	}
}
