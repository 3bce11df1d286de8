package badgerkv

import (
	"bytes"
	"context"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/wajah-id/wajah/internal/kv"
)

// txn adapts *badger.Txn. writes records the keys an Update wrote, for the feed
// (true: deleted); used, whether any call was made (Lock must come first).
type txn struct {
	t      *badger.Txn
	ro     bool
	used   bool
	writes map[string]bool
}

// Lock implements kv.Txn and locks nothing: a Badger directory has one writer
// process, whose own locks (the engine's per-gallery mutex) already order the writers
// of a hot key, and Badger's conflict detection stays as it is.
func (t *txn) Lock([]byte) error {
	if t.ro {
		return kv.ErrReadOnly
	}
	if t.used {
		return kv.ErrLockNotFirst
	}
	t.used = true
	return nil
}

func (t *txn) Get(key []byte) (kv.Item, error) {
	t.used = true
	it, err := t.t.Get(key)
	if err != nil {
		return nil, mapErr(err)
	}
	return item{it}, nil
}

// Set copies key and value: Badger keeps the slices until commit and callers may
// reuse theirs.
func (t *txn) Set(key, value []byte) error {
	if t.ro {
		return kv.ErrReadOnly
	}
	t.used = true
	if err := t.t.Set(bytes.Clone(key), bytes.Clone(value)); err != nil {
		return mapErr(err)
	}
	t.writes[string(key)] = false
	return nil
}

func (t *txn) Delete(key []byte) error {
	if t.ro {
		return kv.ErrReadOnly
	}
	t.used = true
	if err := t.t.Delete(bytes.Clone(key)); err != nil {
		return mapErr(err)
	}
	t.writes[string(key)] = true
	return nil
}

func (t *txn) NewIterator(o kv.IteratorOptions) kv.Iterator {
	t.used = true
	bo := badger.DefaultIteratorOptions
	bo.Prefix = o.Prefix
	bo.PrefetchValues = o.PrefetchValues
	if o.PrefetchSize > 0 {
		bo.PrefetchSize = o.PrefetchSize
	}
	return iterator{Iterator: t.t.NewIterator(bo), prefix: o.Prefix}
}

// iterator adapts *badger.Iterator; Badger iterators do not fail mid-way.
type iterator struct {
	*badger.Iterator
	prefix []byte
}

// Seek clamps a key below the prefix to the prefix: Badger would land on a key
// outside the prefix and report the iteration over.
func (it iterator) Seek(key []byte) {
	if bytes.Compare(key, it.prefix) < 0 {
		key = it.prefix
	}
	it.Iterator.Seek(key)
}

func (it iterator) Item() kv.Item { return item{it.Iterator.Item()} }
func (it iterator) Err() error    { return nil }

type item struct{ *badger.Item }

// batch adapts *badger.WriteBatch and feeds its keys on Flush.
type batch struct {
	s      *Store
	wb     *badger.WriteBatch
	writes map[string]bool
}

func (b *batch) Set(key, value []byte) error {
	if err := b.wb.Set(bytes.Clone(key), bytes.Clone(value)); err != nil {
		return mapErr(err)
	}
	b.writes[string(key)] = false
	return nil
}

func (b *batch) Delete(key []byte) error {
	if err := b.wb.Delete(bytes.Clone(key)); err != nil {
		return mapErr(err)
	}
	b.writes[string(key)] = true
	return nil
}

func (b *batch) Flush(ctx context.Context) error {
	if err := b.s.enter(ctx); err != nil {
		b.wb.Cancel()
		return err
	}
	defer b.s.exit()
	if err := b.wb.Flush(); err != nil {
		return mapErr(err)
	}
	b.s.feed.append(b.writes)
	return nil
}

func (b *batch) Cancel() { b.wb.Cancel() }
