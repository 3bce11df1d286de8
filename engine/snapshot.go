package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/wajah-id/wajah/index"
)

// Index snapshots make a clean restart fast without a second source of truth.
//
// Each gallery carries a mutation counter (seq) in Badger, bumped in the same
// transaction as every enrol and delete. Close writes each HNSW gallery's graph with the
// seq it reflects (under the gallery's write lock, so graph and seq agree). Open uses a
// snapshot only when its seq equals the store's counter and its size equals the face
// rows: then no mutation happened since it was written, and it is exactly the store's
// state. Any other case (a crash after later writes, a torn or foreign file, other
// graph parameters) rebuilds that gallery from Badger. No log is needed: Badger is the
// log. After a crash, only galleries written to since their last snapshot are rebuilt.
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

// saveSnapshot writes g's graph if it is HNSW and changed since the last save. The
// caller holds g.mu.
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
	return nil
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
	for _, g := range gals {
		g.mu.Lock()
		if err := e.saveSnapshot(g); err != nil {
			errs = append(errs, fmt.Errorf("snapshot of gallery %q: %w", g.rec.Name, err))
		}
		g.mu.Unlock()
	}
	return errors.Join(errs...)
}

// loadSnapshot returns g's saved graph when it matches the store exactly (seq and n
// faces), or nil and the reason it was not used.
func (e *Engine) loadSnapshot(g *gallery, n int) (*index.HNSW, string) {
	if e.opts.NoIndexSnapshots {
		return nil, "snapshots off"
	}
	sealed, err := os.ReadFile(e.snapshotPath(g.rec.GID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "no snapshot"
	}
	if err != nil {
		return nil, err.Error()
	}
	plain, err := e.keys.open(sealed, snapshotAAD(g.rec.GID))
	if err != nil {
		return nil, err.Error()
	}
	h, seq, err := index.ReadSnapshot(bytes.NewReader(plain), e.hnswOptions(g.rec.Dim))
	switch {
	case err != nil:
		return nil, err.Error()
	case seq != g.seq:
		return nil, fmt.Sprintf("snapshot at mutation %d, store at %d", seq, g.seq)
	case h.Len() != n:
		return nil, fmt.Sprintf("snapshot holds %d faces, store %d", h.Len(), n)
	}
	g.snapSeq, g.snapValid = seq, true
	return h, ""
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
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: gidPrefix(tabFace, gid)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// writeFileSync writes path atomically: temp file, fsync, rename, fsync of the directory.
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
