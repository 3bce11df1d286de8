package engine

import (
	"context"

	"github.com/wajah-id/wajah/internal/kv"
)

// deletePrefix deletes the keys under prefix, in key order, until stop (nil: never)
// reports a key to keep; it returns how many it deleted. It works in batches of
// purgeBatchSize so that dropping a large gallery or trimming a long change log stays
// within Badger's transaction limits and memory.
func (e *Engine) deletePrefix(prefix []byte, stop func(key []byte) bool) (int, error) {
	n := 0
	for {
		var keys [][]byte
		err := e.view(func(txn kv.Txn) error {
			it := txn.NewIterator(kv.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(keys) < purgeBatchSize; it.Next() {
				k := it.Item().Key()
				if stop != nil && stop(k) {
					break
				}
				keys = append(keys, it.Item().KeyCopy(nil))
			}
			return nil
		})
		if err != nil || len(keys) == 0 {
			return n, err
		}
		wb := e.db.NewWriteBatch()
		for _, k := range keys {
			if err := wb.Delete(k); err != nil {
				wb.Cancel()
				return n, err
			}
		}
		if err := wb.Flush(context.Background()); err != nil {
			return n, err
		}
		n += len(keys)
		if len(keys) < purgeBatchSize {
			return n, nil // stopped early or the prefix is exhausted
		}
	}
}
