package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/atomicfile"
	"github.com/wajah-id/wajah/internal/kv"
)

// Index snapshots plus a change log kept in Badger make restarts fast without a second
// source of truth.
//
// Each gallery carries a mutation counter (seq) in Badger. Every enrol and delete bumps
// it and writes a change record (face ids added and removed) under the new seq, in the
// same transaction as the rows themselves, so the log can never disagree with the data.
// A snapshot is the HNSW graph with the seq it reflects, written under the gallery's
// write lock (graph and seq agree) by Close and, in the background, every
// Options.SnapshotEvery mutations; once it is durable the change records up to its seq
// are trimmed. Open loads the snapshot, replays the change records after its seq (adds
// read the face row, deletes tombstone), and accepts the result only when every seq up
// to the store's counter was replayed and the size equals the face rows. Any other case
// (a gap, a torn or foreign file, other graph parameters) rebuilds the gallery from its
// face rows.
//
// Snapshot files hold embeddings, so they are sealed with the store key like every
// template (AES-GCM over the whole file, additional data naming the gallery).

const snapshotSuffix = ".hnsw"

func (e *Engine) snapshotPath(gid uint64) string {
	return filepath.Join(e.opts.Dir, indexSubdir, fmt.Sprintf("%016x%s", gid, snapshotSuffix))
}

func snapshotAAD(gid uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("wajah index snapshot v1/"), gid)
}

// saveSnapshot writes g's graph if it is HNSW and changed since the last save, then
// trims the change records it covers. The caller holds g.mu.
func (e *Engine) saveSnapshot(g *gallery) error {
	h, ok := g.index().(*index.HNSW)
	if !ok || g.snapSeq == g.seq && g.snapValid {
		return nil
	}
	var buf bytes.Buffer
	if err := h.WriteSnapshot(&buf, g.seq); err != nil {
		return err
	}
	sealed := e.keys.seal(buf.Bytes(), snapshotAAD(g.rec.GID))
	if err := writeFileSync(e.snapshotPath(g.rec.GID), sealed); err != nil {
		return err
	}
	g.snapSeq, g.snapValid = g.seq, true
	return e.trimChanges(g.rec.GID, g.seq)
}

// maybeCheckpoint starts a background snapshot of an HNSW gallery that has taken
// Options.SnapshotEvery mutations since its last one, bounding what Open replays after
// a crash. The caller holds g.mu; the snapshot waits for it.
func (e *Engine) maybeCheckpoint(g *gallery) {
	if e.opts.Store != "" {
		e.maybeStoreCheckpoint(g, uint64(max(e.opts.SnapshotEvery, 0))) // storesnap.go
		return
	}
	if e.opts.NoIndexSnapshots || e.opts.SnapshotEvery <= 0 || g.idx.Load().exact ||
		g.seq-g.snapSeq < uint64(e.opts.SnapshotEvery) || !g.checkpointing.CompareAndSwap(false, true) {
		return
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		defer g.checkpointing.Store(false)
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.deleted {
			return
		}
		if err := e.saveSnapshot(g); err != nil {
			e.log.Error("engine: index checkpoint failed", "gallery", g.rec.Name, "err", err)
		}
	}()
}

// saveSnapshots is called by Close once no call is in flight.
func (e *Engine) saveSnapshots() error {
	if e.opts.NoIndexSnapshots {
		return nil
	}
	e.mu.RLock()
	gals := make([]*gallery, 0, len(e.mu.galleries))
	for _, g := range e.mu.galleries {
		gals = append(gals, g)
	}
	e.mu.RUnlock()
	var errs []error
	if e.opts.Store != "" {
		// Cluster mode: to the store, when this node has changes past its snapshot.
		ctx, cancel := context.WithTimeout(context.Background(), snapTimeout)
		defer cancel()
		for _, g := range gals {
			if err := e.storeCheckpoint(ctx, g, 1); err != nil {
				errs = append(errs, fmt.Errorf("snapshot of gallery %q: %w", g.rec.Name, err))
			}
		}
		return errors.Join(errs...)
	}
	for _, g := range gals {
		g.mu.Lock()
		if err := e.saveSnapshot(g); err != nil {
			errs = append(errs, fmt.Errorf("snapshot of gallery %q: %w", g.rec.Name, err))
		}
		g.mu.Unlock()
	}
	return errors.Join(errs...)
}

// loadSnapshot returns g's saved graph brought up to the store's seq by its change
// records, when the result provably matches the store (no gap, n faces), and how many
// records it replayed; or nil and the reason it was not used.
func (e *Engine) loadSnapshot(g *gallery, n int) (*index.HNSW, int, string) {
	if e.opts.NoIndexSnapshots || e.opts.Store != "" {
		return nil, 0, "snapshots off"
	}
	sealed, err := os.ReadFile(e.snapshotPath(g.rec.GID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, "no snapshot"
	}
	if err != nil {
		return nil, 0, err.Error()
	}
	plain, err := e.keys.open(sealed, snapshotAAD(g.rec.GID))
	if err != nil {
		return nil, 0, err.Error()
	}
	h, seq, err := index.ReadSnapshot(bytes.NewReader(plain), e.hnswOptions(g.rec.Dim))
	switch {
	case err != nil:
		return nil, 0, err.Error()
	case seq > g.seq:
		return nil, 0, fmt.Sprintf("snapshot at mutation %d, store only at %d", seq, g.seq)
	}
	replayed := 0
	if seq < g.seq {
		if replayed, err = e.replayChanges(g, h, seq); err != nil {
			return nil, 0, err.Error()
		}
	}
	if h.Len() != n {
		return nil, 0, fmt.Sprintf("snapshot and changes hold %d faces, store %d", h.Len(), n)
	}
	g.snapSeq, g.snapValid = seq, true
	return h, replayed, ""
}

// replayChanges applies g's change records after seq to h and returns how many; every
// seq up to g.seq must be there.
func (e *Engine) replayChanges(g *gallery, h *index.HNSW, after uint64) (int, error) {
	var n int
	err := e.view(func(txn kv.Txn) (err error) { n, err = e.replayTxn(txn, g, h, after, g.seq); return err })
	return n, err
}

// errChangeGap: a change record a replay needs is not in the store (trimmed, or never
// written by this store).
var errChangeGap = errors.New("change log gap")

// replayTxn applies g's change records after..upto to h in txn and returns how many.
// Face ids are never reused and a face is added only if its row is still there, so the
// outcome does not depend on the order: every deleted id goes, then every added face
// whose row exists is inserted (in parallel, like a rebuild). The added faces are read
// by one pass over the face rows from the lowest added id (ids grow, so that is about
// the rows added since the snapshot) instead of one read each.
func (e *Engine) replayTxn(txn kv.Txn, g *gallery, h *index.HNSW, after, upto uint64) (int, error) {
	if after >= upto {
		return 0, nil
	}
	gid := g.rec.GID
	next := after + 1
	adds := map[uint64]bool{}
	minAdd := ^uint64(0)
	prefix := gidPrefix(tabChange, gid)
	it := txn.NewIterator(kv.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Seek(changeKey(gid, next)); it.Valid() && next <= upto; it.Next() {
		k := it.Item().Key()
		if len(k) != len(prefix)+8 || binary.BigEndian.Uint64(k[len(prefix):]) != next {
			return 0, fmt.Errorf("%w at mutation %d", errChangeGap, next)
		}
		var c changeRecord
		if err := it.Item().Value(func(v []byte) (err error) { c, err = decodeChange(v); return err }); err != nil {
			return 0, err
		}
		for _, id := range c.Adds {
			adds[id] = true
			minAdd = min(minAdd, id)
		}
		for _, id := range c.Dels {
			h.Delete(id)
			delete(adds, id)
		}
		next++
	}
	if err := it.Err(); err != nil {
		return 0, err
	}
	if next != upto+1 {
		return 0, fmt.Errorf("%w: change log ends at mutation %d, store at %d", errChangeGap, next-1, upto)
	}
	var vecs []faceVec
	if len(adds) > 0 {
		fp := gidPrefix(tabFace, gid)
		fit := txn.NewIterator(kv.IteratorOptions{Prefix: fp, PrefetchValues: true})
		defer fit.Close()
		for fit.Seek(faceKey(gid, minAdd)); fit.Valid() && len(vecs) < len(adds); fit.Next() {
			k := fit.Item().Key()
			if len(k) != len(fp)+8 || !adds[binary.BigEndian.Uint64(k[len(fp):])] {
				continue
			}
			vec, err := e.openTemplate(fit.Item(), g.rec.Dim)
			if err != nil {
				return 0, err
			}
			vecs = append(vecs, faceVec{id: binary.BigEndian.Uint64(k[len(fp):]), vec: vec})
		}
		if err := fit.Err(); err != nil {
			return 0, err
		}
	}
	return int(upto - after), addAll(h, vecs, false)
}

// openTemplate decodes and decrypts the template of a face row.
func (e *Engine) openTemplate(item kv.Item, dim int) ([]float32, error) {
	var fr faceRecord
	if err := item.Value(func(v []byte) (err error) { fr, err = decodeFace(v); return err }); err != nil {
		return nil, err
	}
	vec, err := e.openEmbedding(fr, item.Key())
	if err == nil && len(vec) != dim {
		err = fmt.Errorf("%w: template of %d dims, gallery has %d", ErrCorrupt, len(vec), dim)
	}
	return vec, err
}

// trimChanges deletes g's change records up to and including seq.
func (e *Engine) trimChanges(gid, upto uint64) error {
	prefix := gidPrefix(tabChange, gid)
	_, err := e.deletePrefix(prefix, func(k []byte) bool {
		return len(k) != len(prefix)+8 || binary.BigEndian.Uint64(k[len(prefix):]) > upto
	})
	return err
}

// removeStaleSnapshots deletes snapshot files of galleries that no longer exist.
func (e *Engine) removeStaleSnapshots(live map[uint64]*gallery) {
	ents, _ := os.ReadDir(filepath.Join(e.opts.Dir, indexSubdir))
	for _, d := range ents {
		name, ok := strings.CutSuffix(d.Name(), snapshotSuffix)
		gid, err := strconv.ParseUint(name, 16, 64)
		if ok && err == nil && live[gid] == nil {
			_ = os.Remove(filepath.Join(e.opts.Dir, indexSubdir, d.Name()))
		}
		if strings.HasSuffix(d.Name(), ".tmp") {
			_ = os.Remove(filepath.Join(e.opts.Dir, indexSubdir, d.Name()))
		}
	}
}

// countFaces counts a gallery's face rows (keys only).
func (e *Engine) countFaces(gid uint64) (int, error) {
	n := 0
	err := e.view(func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: gidPrefix(tabFace, gid)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// writeFileSync writes path atomically (atomicfile.Write).
func writeFileSync(path string, data []byte) error {
	return atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}
