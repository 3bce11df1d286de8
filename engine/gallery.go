package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// galleryName identifies a gallery in memory; in the store its key is hashed.
type galleryName struct{ tenant, name string }

// gallery is the in-memory side of one gallery: its record and its vector index.
type gallery struct {
	rec galleryRecord
	key []byte
	// mu serializes the gallery's writes: a write commits to Badger and applies the
	// change to the index before the next write starts, so the index never lags behind
	// a write that a later one depends on, and the exact->HNSW switch sees a quiet store.
	mu      sync.Mutex
	seq     uint64 // mutations committed (persisted with each one), under mu
	deleted bool   // under mu
	// snapSeq is the seq of the snapshot file on disk, valid when snapValid (under mu).
	snapSeq       uint64
	snapValid     bool
	checkpointing atomic.Bool // a background snapshot is queued or running
	idx           atomic.Pointer[idxBox]
	// Over a shared store (under mu): every change of the gallery up to applied is in the
	// index, and so are the changes in ahead (this node's own commits, made before its
	// follower applied another node's earlier change). A snapshot written to the store
	// claims applied only (storesnap.go); the follower expects applied+1 next.
	applied uint64
	ahead   map[uint64]bool
	// storeSnapSeq is the seq of the store's snapshot of this gallery as last seen.
	storeSnapSeq uint64
}

// markApplied records that change s is in the index. The caller holds g.mu.
func (g *gallery) markApplied(s uint64) {
	switch {
	case s <= g.applied || g.ahead[s]:
		return
	case s != g.applied+1:
		if g.ahead == nil {
			g.ahead = map[uint64]bool{}
		}
		g.ahead[s] = true
		return
	}
	g.applied = s
	for g.ahead[g.applied+1] {
		delete(g.ahead, g.applied+1)
		g.applied++
	}
}

// resetApplied records that the index was loaded from the store at counter c: it
// holds exactly changes 1..c. The caller holds g.mu (no write of this node is in
// flight, so none of its own changes is above c).
func (g *gallery) resetApplied(c uint64) {
	g.seq = max(g.seq, c)
	g.applied = c
	for s := range g.ahead {
		if s <= c {
			delete(g.ahead, s)
		}
	}
	for g.ahead[g.applied+1] {
		delete(g.ahead, g.applied+1)
		g.applied++
	}
}

// isApplied: change s is already in the index. The caller holds g.mu.
func (g *gallery) isApplied(s uint64) bool { return s <= g.applied || g.ahead[s] }

type idxBox struct {
	index.Index
	exact bool
}

func (g *gallery) index() index.Index { return g.idx.Load().Index }

// newIndex returns the index for a gallery about to hold n faces.
func (e *Engine) newIndex(dim, n int) (*idxBox, error) {
	if e.wantExact(n) {
		return &idxBox{Index: index.NewFlat(dim), exact: true}, nil
	}
	h, err := index.NewHNSW(e.hnswOptions(dim))
	if err != nil {
		return nil, err
	}
	return &idxBox{Index: h}, nil
}

func (e *Engine) hnswOptions(dim int) index.Options {
	return index.Options{Dim: dim, M: e.opts.IndexM, EfConstruction: e.opts.IndexEfConstruction, EfSearch: e.opts.IndexEfSearch}
}

// wantExact tells whether a gallery of n faces is searched exactly.
func (e *Engine) wantExact(n int) bool { return e.opts.ExactBelow > 0 && n < e.opts.ExactBelow }

// lookup finds a tenant's gallery; ErrGalleryNotFound when absent (also when it is
// another tenant's: keys include the tenant, so the gallery simply is not there).
func (e *Engine) lookup(tenant, name string) (*gallery, error) {
	e.mu.RLock()
	g := e.mu.galleries[galleryName{tenant, name}]
	e.mu.RUnlock()
	if g == nil {
		return nil, ErrGalleryNotFound
	}
	return g, nil
}

// searchable is lookup for the read paths (verify, identify): the gallery must exist and
// hold embeddings of the loaded model.
func (e *Engine) searchable(tenant, name string) (*gallery, error) {
	g, err := e.lookup(tenant, name)
	if err != nil {
		return nil, err
	}
	if err := e.checkModel(g); err != nil {
		return nil, err
	}
	return g, nil
}

// checkModel refuses to mix embeddings of another model or dimension into a gallery.
func (e *Engine) checkModel(g *gallery) error {
	if e.emb == nil {
		return ErrNoEmbedder
	}
	if g.rec.ModelID != e.emb.ModelID() || g.rec.Dim != e.emb.Dim() {
		return fmt.Errorf("%w: gallery %q holds %s/%d, the embedder is %s/%d",
			ErrModelMismatch, g.rec.Name, g.rec.ModelID, g.rec.Dim, e.emb.ModelID(), e.emb.Dim())
	}
	return nil
}

// CreateGallery creates an empty gallery bound to the embedder's model and dimension.
func (e *Engine) CreateGallery(ctx context.Context, tenant, name string) error {
	if err := normIDs(&tenant, &name); err != nil {
		return err
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	_, err := e.createGallery(ctx, tenant, name, false)
	return err
}

// createGallery creates the gallery, or returns the existing one when existingOK.
func (e *Engine) createGallery(ctx context.Context, tenant, name string, existingOK bool) (*gallery, error) {
	if e.emb == nil {
		return nil, ErrNoEmbedder
	}
	e.createMu.Lock()
	defer e.createMu.Unlock()
	if g, err := e.lookup(tenant, name); err == nil {
		if existingOK {
			return g, nil
		}
		return nil, ErrGalleryExists
	}
	gid, err := e.nextGID()
	if err != nil {
		return nil, err
	}
	rec := galleryRecord{Tenant: tenant, Name: name, GID: gid, ModelID: e.emb.ModelID(), Dim: e.emb.Dim(), Created: time.Now().UnixNano()}
	g := &gallery{rec: rec, key: e.keys.galleryKey(tenant, name)}
	box, err := e.newIndex(rec.Dim, 0)
	if err != nil {
		return nil, err
	}
	g.idx.Store(box)
	err = e.updateCtx(ctx, func(txn kv.Txn) error {
		// Another node sharing the store may have created it since this one loaded its
		// galleries: never overwrite it (its faces would be orphaned under the old gid).
		if _, err := txn.Get(g.key); err == nil {
			return ErrGalleryExists
		} else if !errors.Is(err, kv.ErrNotFound) {
			return err
		}
		if err := txn.Set(g.key, rec.encode()); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "create-gallery", Outcome: "ok", Tenant: tenant, Gallery: name})
	})
	if errors.Is(err, ErrGalleryExists) {
		// Created by another node sharing the store: load it here.
		if serr := e.syncGalleryLocked(g.key); serr != nil {
			return nil, serr
		}
		if existingOK {
			return e.lookup(tenant, name)
		}
	}
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.mu.galleries[galleryName{tenant, name}] = g
	e.mu.Unlock()
	return g, nil
}

// DeleteGallery drops the gallery record (atomically: from then on the gallery is gone)
// and then purges its people and faces. A crash during the purge leaves rows under a
// gid no gallery owns; Open purges those (gids are never reused).
func (e *Engine) DeleteGallery(ctx context.Context, tenant, name string) error {
	if err := normIDs(&tenant, &name); err != nil {
		return err
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	e.createMu.Lock()
	g, err := e.lookup(tenant, name)
	if err != nil {
		e.createMu.Unlock()
		return err
	}
	g.mu.Lock()
	err = e.updateCtx(ctx, func(txn kv.Txn) error {
		if err := txn.Delete(g.key); err != nil {
			return err
		}
		if err := txn.Delete(gallerySeqKey(g.rec.GID)); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "delete-gallery", Outcome: "ok", Tenant: tenant, Gallery: name})
	})
	if err == nil {
		g.deleted = true
		e.mu.Lock()
		delete(e.mu.galleries, galleryName{tenant, name})
		e.mu.Unlock()
	}
	g.mu.Unlock()
	e.createMu.Unlock()
	if err != nil {
		return err
	}
	_ = os.Remove(e.snapshotPath(g.rec.GID))
	_, err = e.purgeGID(g.rec.GID)
	return err
}

// gidTables hold rows keyed by gid first.
var gidTables = []byte{tabPerson, tabFace, tabChange, tabGSeq, tabSnap, tabSnapPart}

// purgeGID deletes every row of a dropped gallery (in batches: deletePrefix) and
// returns how many.
func (e *Engine) purgeGID(gid uint64) (int, error) {
	n := 0
	for _, tab := range gidTables {
		k, err := e.deletePrefix(gidPrefix(tab, gid), nil)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Galleries lists the tenant's gallery names, sorted.
func (e *Engine) Galleries(ctx context.Context, tenant string) ([]string, error) {
	if err := validIDs(tenant); err != nil {
		return nil, err
	}
	if err := e.enter(); err != nil {
		return nil, err
	}
	defer e.exit()
	var names []string
	err := e.viewCtx(ctx, func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: e.keys.galleryPrefix(tenant), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			err := it.Item().Value(func(v []byte) error {
				g, err := decodeGallery(v)
				if err != nil {
					return err
				}
				if g.Tenant != tenant {
					return fmt.Errorf("%w: gallery row of tenant %q under %q", ErrCorrupt, g.Tenant, tenant)
				}
				names = append(names, g.Name)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	slices.Sort(names)
	return names, err
}

// lockGallery makes txn wait for other nodes' writes to g and hold them off until it
// ends (kv.Txn.Lock on the gallery's counter, which each of them reads and bumps), so
// that writers of one gallery on several nodes commit one after another instead of
// conflicting on the counter and retrying: under a steady stream into one gallery the
// retries could run out (ErrConflict). On this node g.mu already orders them. It must
// be the transaction's first call.
func (e *Engine) lockGallery(txn kv.Txn, g *gallery) error {
	if e.noGalleryLock.Load() {
		return nil
	}
	return txn.Lock(gallerySeqKey(g.rec.GID))
}

// bumpSeq records one more committed mutation of g in txn (caller holds g.mu): the
// counter, which tells a saved index snapshot whether it is current, and the change
// record that brings an older snapshot up to date.
//
// The next number comes from the stored counter, not from g.seq alone: another node
// sharing the store may have moved it, and continuing from a stale g.seq would
// overwrite that node's change record. Reading the counter also makes two nodes'
// concurrent writes to one gallery conflict (one retries) rather than both commit.
func bumpSeq(txn kv.Txn, g *gallery, c changeRecord) (uint64, error) {
	stored := uint64(0)
	item, err := txn.Get(gallerySeqKey(g.rec.GID))
	switch {
	case err == nil:
		if err := item.Value(func(v []byte) (err error) { stored, err = decodeSeq(v); return err }); err != nil {
			return 0, err
		}
	case !errors.Is(err, kv.ErrNotFound):
		return 0, err
	}
	next := max(stored, g.seq) + 1
	if err := txn.Set(changeKey(g.rec.GID, next), c.encode()); err != nil {
		return 0, err
	}
	return next, txn.Set(gallerySeqKey(g.rec.GID), seqValue(next))
}
