package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// Loading a gallery's index from the store's snapshot (format and rules: storesnap.go).

// storeRestore is what loadStoreSnapshot found: a graph and the counter it matches.
type storeRestore struct {
	h        *index.HNSW
	counter  uint64 // every change up to it is in h
	snapSeq  uint64
	replayed int
}

// loadStoreSnapshot loads g's snapshot from the store and replays the change records
// after it, all in one read transaction; ok false says why it was not usable.
func (e *Engine) loadStoreSnapshot(g *gallery) (r storeRestore, why string) {
	ctx, cancel := context.WithTimeout(context.Background(), snapTimeout)
	defer cancel()
	gid := g.rec.GID
	err := e.db.View(ctx, func(txn kv.Txn) error {
		r, why = storeRestore{}, ""
		counter, _, err := getCounter(txn, gid)
		if err != nil {
			return err
		}
		head, found, err := getSnapHead(txn, gid)
		switch {
		case err != nil:
			why = err.Error()
			return nil
		case !found:
			why = "no snapshot in the store"
			return nil
		case head.Parts == 0:
			why = "snapshot withdrawn (erasure)"
			return nil
		case head.ModelID != g.rec.ModelID || head.Dim != g.rec.Dim:
			why = fmt.Sprintf("snapshot of model %s/%d, gallery %s/%d", head.ModelID, head.Dim, g.rec.ModelID, g.rec.Dim)
			return nil
		case head.M != e.opts.IndexM || head.EfC != e.opts.IndexEfConstruction:
			why = fmt.Sprintf("snapshot M %d efC %d, engine %d %d", head.M, head.EfC, e.opts.IndexM, e.opts.IndexEfConstruction)
			return nil
		case head.Seq > counter:
			why = fmt.Sprintf("snapshot at mutation %d, store only at %d", head.Seq, counter)
			return nil
		}
		it := txn.NewIterator(kv.IteratorOptions{Prefix: snapPartPrefix(gid, head.Seq, head.Nonce), PrefetchValues: true, PrefetchSize: 2})
		defer it.Close()
		pr := &partReader{it: it, keys: e.keys, gid: gid, head: head}
		h, seq, err := index.ReadSnapshot(pr, e.hnswOptions(g.rec.Dim))
		if err == nil {
			err = pr.finish()
		}
		if err == nil && seq != head.Seq {
			err = fmt.Errorf("%w: graph at mutation %d, head says %d", ErrCorrupt, seq, head.Seq)
		}
		if err != nil {
			if ierr := it.Err(); ierr != nil {
				return ierr // the store, not the snapshot
			}
			why = err.Error()
			return nil
		}
		n, err := e.replayTxn(txn, g, h, head.Seq, counter)
		if err != nil {
			if !errors.Is(err, errChangeGap) && !errors.Is(err, ErrCorrupt) {
				return err // the store, not the snapshot
			}
			why = err.Error()
			return nil
		}
		faces := 0
		fit := txn.NewIterator(kv.IteratorOptions{Prefix: gidPrefix(tabFace, gid)})
		defer fit.Close()
		for fit.Rewind(); fit.Valid(); fit.Next() {
			faces++
		}
		if h.Len() != faces {
			why = fmt.Sprintf("snapshot and changes hold %d faces, store %d", h.Len(), faces)
			return nil
		}
		r = storeRestore{h: h, counter: counter, snapSeq: head.Seq, replayed: n}
		return nil
	})
	if err != nil {
		return storeRestore{}, err.Error()
	}
	return r, why
}

// restoreFromStore puts g's index together from the store's snapshot and the changes
// after it; false (and why) when that is not possible. The caller holds g.mu (or, at
// Open, has g to itself).
func (e *Engine) restoreFromStore(g *gallery) (storeRestore, bool, string) {
	if e.opts.NoIndexSnapshots {
		return storeRestore{}, false, "snapshots off"
	}
	r, why := e.loadStoreSnapshot(g)
	if r.h == nil {
		return r, false, why
	}
	g.idx.Store(&idxBox{Index: r.h})
	g.resetApplied(r.counter)
	g.storeSnapSeq = max(g.storeSnapSeq, r.snapSeq)
	return r, true, ""
}

// partReader streams a snapshot's parts, in order, opened.
type partReader struct {
	it      kv.Iterator
	keys    *keyring
	gid     uint64
	head    snapHead
	next    uint32
	started bool
	cur     []byte
	size    uint64
}

func (r *partReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.next == r.head.Parts {
			return 0, io.EOF
		}
		if err := r.advance(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func (r *partReader) advance() error {
	if r.started {
		r.it.Next()
	} else {
		r.it.Rewind()
		r.started = true
	}
	if !r.it.Valid() {
		if err := r.it.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%w: snapshot part %d of %d missing", ErrCorrupt, r.next, r.head.Parts)
	}
	key := snapPartKey(r.gid, r.head.Seq, r.head.Nonce, r.next)
	if !bytes.Equal(r.it.Item().Key(), key) {
		return fmt.Errorf("%w: snapshot part %d of %d missing", ErrCorrupt, r.next, r.head.Parts)
	}
	var plain []byte
	err := r.it.Item().Value(func(v []byte) error {
		rd, err := decodeRecord(v)
		if err != nil {
			return err
		}
		sealed := rd.bytes()
		if err := rd.end(); err != nil {
			return err
		}
		plain, err = r.keys.open(sealed, snapPartAAD(r.gid, r.head.Seq, r.head.Nonce, r.next, r.head.Parts))
		return err
	})
	if err != nil {
		return err
	}
	r.cur, r.size = plain, r.size+uint64(len(plain))
	r.next++
	return nil
}

// finish checks that the graph used every byte of every part, and nothing more.
func (r *partReader) finish() error {
	if len(r.cur) > 0 || r.next != r.head.Parts || r.size != r.head.Size {
		return fmt.Errorf("%w: snapshot of %d bytes in %d parts, read %d in %d", ErrCorrupt, r.head.Size, r.head.Parts, r.size, r.next)
	}
	if r.started {
		r.it.Next()
		if r.it.Valid() {
			return fmt.Errorf("%w: snapshot has parts beyond %d", ErrCorrupt, r.head.Parts)
		}
	}
	return r.it.Err()
}
