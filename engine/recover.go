package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// Recovery strategy: Badger is the only durable copy of the faces. On Open each HNSW
// gallery is restored from its snapshot when the snapshot provably equals the store
// (snapshot.go), and every other gallery is rebuilt from its face rows. There is no
// second log that could disagree with Badger after a crash. Times are measured by
// BenchmarkRebuild and reported by Engine.Recovery: exact galleries load at scan
// speed, HNSW rebuilds are dominated by graph insertion (parallel over all CPUs).

type faceVec struct {
	id  uint64
	vec []float32
}

// rebuild loads the galleries, purges rows of dropped galleries, and builds each
// gallery's index from its face rows.
func (e *Engine) rebuild() error {
	start := time.Now()
	gals := map[uint64]*gallery{}
	err := e.view(func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: []byte{tabGallery}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rec galleryRecord
			if err := it.Item().Value(func(v []byte) (err error) { rec, err = decodeGallery(v); return err }); err != nil {
				return err
			}
			g := &gallery{rec: rec, key: it.Item().KeyCopy(nil)}
			gals[rec.GID] = g
			item, err := txn.Get(gallerySeqKey(rec.GID))
			if errors.Is(err, kv.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := item.Value(func(v []byte) (err error) { g.seq, err = decodeSeq(v); return err }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Galleries load side by side (each HNSW build also uses every CPU, but reading
	// and opening rows or snapshot parts, and reading a graph, are one goroutine's
	// work); the first error stops the rest and fails the start.
	var (
		mu                     sync.Mutex
		faces, snaps, replayed int
		eg, gctx               = errgroup.WithContext(context.Background())
	)
	eg.SetLimit(e.loadWorkers())
	for _, g := range gals {
		eg.Go(func() error {
			if gctx.Err() != nil {
				return nil // another gallery failed: the start fails anyway
			}
			l, err := e.loadGallery(g)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			faces += l.faces
			replayed += l.replayed
			if l.snapshot {
				snaps++
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	e.recovery.Replayed = replayed
	e.removeStaleSnapshots(gals)
	purged, err := e.purgeOrphans(gals)
	if err != nil {
		return err
	}
	e.mu.Lock()
	for _, g := range gals {
		e.mu.galleries[galleryName{g.rec.Tenant, g.rec.Name}] = g
	}
	e.mu.Unlock()
	e.recovery.Galleries, e.recovery.Faces, e.recovery.Orphans, e.recovery.Snapshots = len(gals), faces, purged, snaps
	e.recovery.Duration = time.Since(start)
	e.log.Info("engine: indexes ready", "galleries", len(gals), "faces", faces, "from_snapshots", snaps,
		"changes_replayed", e.recovery.Replayed, "orphan_rows_purged", purged, "duration", e.recovery.Duration)
	return nil
}

// loadWorkers is how many galleries rebuild loads at once.
func (e *Engine) loadWorkers() int {
	if e.opts.loadWorkers > 0 {
		return e.opts.loadWorkers
	}
	return runtime.GOMAXPROCS(0)
}

// galleryLoad is what loadGallery did.
type galleryLoad struct {
	faces    int
	snapshot bool // from a snapshot (file or store) instead of the face rows
	replayed int  // change records applied on top of it
}

// loadGallery builds g's index at Open: from its snapshot and the change records
// after it when that provably matches the store, else from its face rows. g is not
// published yet, so nothing else touches it.
func (e *Engine) loadGallery(g *gallery) (galleryLoad, error) {
	n, err := e.countFaces(g.rec.GID)
	if err != nil {
		return galleryLoad{}, err
	}
	if !e.wantExact(n) && e.opts.Store != "" {
		r, ok, why := e.restoreFromStore(g) // storesnap.go
		if ok {
			return galleryLoad{faces: r.h.Len(), snapshot: true, replayed: r.replayed}, nil
		}
		e.log.Info("engine: rebuilding gallery index from the store", "gallery", g.rec.Name, "faces", n, "reason", why)
	}
	if !e.wantExact(n) && e.opts.Store == "" {
		h, replayed, why := e.loadSnapshot(g, n)
		if h != nil {
			g.idx.Store(&idxBox{Index: h})
			g.resetApplied(g.seq)
			return galleryLoad{faces: n, snapshot: true, replayed: replayed}, nil
		}
		e.log.Info("engine: rebuilding gallery index from the store", "gallery", g.rec.Name, "faces", n, "reason", why)
		_ = os.Remove(e.snapshotPath(g.rec.GID)) // stale: its change records go below
	}
	// Change records only serve snapshots; a rebuilt index needs none of them. Over a
	// shared store they also serve other nodes' followers: keep them.
	if e.opts.Store == "" {
		if err := e.trimChanges(g.rec.GID, g.seq); err != nil {
			return galleryLoad{}, err
		}
	}
	k, err := e.rebuildGalleryLocked(g)
	return galleryLoad{faces: k}, err
}

// purgeOrphans deletes rows whose gid no gallery owns: leftovers of an interrupted
// DeleteGallery. known is the gallery set loaded earlier; before purging, the gallery
// rows are read again, because over a shared store another node may have created a
// gallery (row first, then its people) since known was loaded, and its rows are not
// orphans.
func (e *Engine) purgeOrphans(known map[uint64]*gallery) (int, error) {
	orphans := map[uint64]bool{}
	for _, tab := range gidTables {
		if err := e.scanGIDs(tab, func(gid uint64) {
			if known[gid] == nil {
				orphans[gid] = true
			}
		}); err != nil {
			return 0, err
		}
	}
	if len(orphans) == 0 {
		return 0, nil
	}
	err := e.view(func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: []byte{tabGallery}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rec galleryRecord
			if err := it.Item().Value(func(v []byte) (err error) { rec, err = decodeGallery(v); return err }); err != nil {
				return err
			}
			delete(orphans, rec.GID)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	purged := 0
	for gid := range orphans {
		n, err := e.purgeGID(gid)
		if err != nil {
			return purged, err
		}
		purged += n
	}
	return purged, nil
}

// scanGIDs calls fn with each distinct gid present under table tab (keys only, seeking
// past each gid's rows).
func (e *Engine) scanGIDs(tab byte, fn func(gid uint64)) error {
	return e.view(func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: []byte{tab}})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			if len(k) < 9 {
				it.Next()
				continue
			}
			gid := binary.BigEndian.Uint64(k[1:9])
			fn(gid)
			if gid == ^uint64(0) {
				break
			}
			it.Seek(gidPrefix(tab, gid+1))
		}
		return nil
	})
}

// loadFaces reads and decrypts a gallery's templates, and the gallery's mutation
// counter in the same read transaction (the rows hold exactly changes 1..counter). A
// face row whose person row is missing cannot exist (they are written and deleted in
// one transaction); it is counted as corruption rather than silently indexed.
func (e *Engine) loadFaces(gid uint64, dim int) ([]faceVec, uint64, error) {
	var (
		out     []faceVec
		counter uint64
	)
	prefix := gidPrefix(tabFace, gid)
	ctx, cancel := context.WithTimeout(context.Background(), snapTimeout)
	defer cancel()
	err := e.db.View(ctx, func(txn kv.Txn) (err error) {
		out = out[:0]
		if counter, _, err = getCounter(txn, gid); err != nil {
			return err
		}
		it := txn.NewIterator(kv.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.KeyCopy(nil)
			if len(k) != len(prefix)+8 || !bytes.HasPrefix(k, prefix) {
				return ErrCorrupt
			}
			var fr faceRecord
			if err := item.Value(func(v []byte) (err error) { fr, err = decodeFace(v); return err }); err != nil {
				return err
			}
			vec, err := e.openEmbedding(fr, k)
			if err != nil {
				return err
			}
			if len(vec) != dim {
				return ErrCorrupt
			}
			out = append(out, faceVec{id: binary.BigEndian.Uint64(k[len(prefix):]), vec: vec})
		}
		return nil
	})
	return out, counter, err
}

// buildIndex builds an index over vecs, an HNSW graph from all CPUs (concurrent inserts
// find what sequential ones find: index/doc.go).
func (e *Engine) buildIndex(dim int, vecs []faceVec) (*idxBox, error) {
	box, err := e.newIndex(dim, len(vecs))
	if err != nil {
		return nil, err
	}
	return box, addAll(box, vecs, box.exact)
}

// addAll inserts vecs into ix, an HNSW graph from all CPUs (concurrent inserts find
// what sequential ones find: index/doc.go), an exact index from one.
func addAll(ix index.Index, vecs []faceVec, exact bool) error {
	workers := 1
	if !exact {
		workers = min(runtime.GOMAXPROCS(0), max(1, len(vecs)/1000))
	}
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(vecs); i += workers {
				if err := ix.Add(vecs[i].id, vecs[i].vec); err != nil {
					errMu.Lock()
					firstErr = errors.Join(firstErr, err)
					errMu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// maybeUpgrade switches an exact gallery that reached ExactBelow faces to HNSW, built
// from the store. The caller holds g.mu, so no write to the gallery is in flight and
// the store holds exactly what the exact index holds.
func (e *Engine) maybeUpgrade(g *gallery) error {
	box := g.idx.Load()
	if !box.exact || e.opts.ExactBelow <= 0 || box.Len() < e.opts.ExactBelow {
		return nil
	}
	vecs, counter, err := e.loadFaces(g.rec.GID, g.rec.Dim)
	if err != nil {
		return err
	}
	nb, err := e.buildIndex(g.rec.Dim, vecs)
	if err != nil {
		return err
	}
	if nb.exact {
		return nil
	}
	g.idx.Store(nb)
	g.resetApplied(counter)
	e.log.Info("engine: gallery switched to HNSW", "gallery", g.rec.Name, "faces", len(vecs))
	return nil
}

// rebuildGalleryLocked rebuilds g's index from its face rows and returns how many it
// indexed; the caller holds g.mu (or, at Open, has g to itself).
func (e *Engine) rebuildGalleryLocked(g *gallery) (int, error) {
	vecs, counter, err := e.loadFaces(g.rec.GID, g.rec.Dim)
	if err != nil {
		return 0, err
	}
	box, err := e.buildIndex(g.rec.Dim, vecs)
	if err != nil {
		return 0, err
	}
	g.idx.Store(box)
	g.resetApplied(counter)
	return len(vecs), nil
}

// reloadGalleryLocked brings g's index back in line with the store after its follower
// found a change it cannot apply (trimmed, or missing): from the store's snapshot and
// the changes after it when that works, else from the face rows. The caller holds g.mu.
func (e *Engine) reloadGalleryLocked(g *gallery) error {
	if e.opts.Store != "" && !g.idx.Load().exact {
		_, ok, why := e.restoreFromStore(g)
		if ok {
			return nil
		}
		e.log.Info("engine: reloading gallery from its face rows", "gallery", g.rec.Name, "reason", why)
	}
	_, err := e.rebuildGalleryLocked(g)
	return err
}
