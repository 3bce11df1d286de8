package pgkv

import (
	"bytes"
	"context"
	"errors"

	"github.com/wajah-id/wajah/internal/kv"
)

// batch buffers blind writes and commits them as one transaction on Flush, retrying
// its own conflicts (blind writes can be retried without changing their meaning).
type batch struct {
	s   *Store
	ops []op
}

func (b *batch) Set(key, value []byte) error {
	b.ops = append(b.ops, op{key: bytes.Clone(key), value: append([]byte{}, value...)})
	return nil
}

func (b *batch) Delete(key []byte) error {
	b.ops = append(b.ops, op{key: bytes.Clone(key), del: true})
	return nil
}

func (b *batch) Flush(ctx context.Context) error {
	ops := b.ops
	b.ops = nil
	var err error
	for range batchConflictTries {
		_, err = b.s.Update(ctx, func(t kv.Txn) error {
			for _, o := range ops {
				var err error
				if o.del {
					err = t.Delete(o.key)
				} else {
					err = t.Set(o.key, o.value)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, kv.ErrConflict) {
			return err
		}
	}
	return err
}

func (b *batch) Cancel() { b.ops = nil }
