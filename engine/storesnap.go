package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// Index snapshots kept in the shared store (cluster mode), so a node that starts loads
// a graph and replays the changes after it instead of rebuilding every HNSW index from
// the face rows.
//
// A snapshot claims one gallery seq S: every change record 1..S is in the graph
// (gallery.applied, taken under g.mu). The graph may hold a few later changes too (this
// node's own commits ahead of its follower); replaying S+1.. on top is idempotent, so
// that does no harm. A node's own mutation count would not do: it can run ahead of
// another node's earlier change that its follower has not applied yet.
//
// Layout: the graph (index.WriteSnapshot, CRC-checked) is cut into parts of
// snapPartSize, each sealed with the store key (AES-GCM; additional data: gallery,
// seq, writer nonce, part number and count, so parts cannot be reordered, dropped or
// mixed between snapshots) under 0x1b gid seq nonce part. The head 0x1a gid names the
// current one. Writers write their parts under a fresh random nonce, then commit the
// head in one transaction only if it is newer than the head there (higher seq wins;
// two writers' heads conflict and the loser retries, sees the winner and drops its
// parts). The winner then deletes parts of older seqs and trims the change records up to
// the seq of the head it replaced: change records stay for one snapshot interval after
// the latest snapshot (Options.SnapshotEvery), so a follower a little behind still finds
// them; one further behind finds a record gone and reloads the gallery (follow.go).
//
// A loader reads the head, the parts, the change records after it and the face count
// in one read transaction (PostgreSQL: one REPEATABLE READ snapshot, so a concurrent
// writer's cleanup is invisible to it), and accepts the result only if every part
// opens, the graph's parameters are this engine's, every change up to the counter is
// there and the graph holds exactly the face rows. Anything else rebuilds from rows.
//
// Erasure (ErasePerson) replaces the head with an empty one at the gallery's current
// seq: the erased vectors leave the store, and a snapshot some node took before the
// erasure can no longer win. Deleted faces never reach a snapshot: the graph is
// compacted before it is written.

const (
	snapFormat      = 1
	snapPartSize    = 1 << 20
	snapPartsPerTxn = 8
	// snapTimeout bounds one snapshot write or load (a 100k gallery is ~90 MB).
	snapTimeout = 2 * time.Minute
)

// snapHead names a gallery's current snapshot in the store.
type snapHead struct {
	Format  uint64
	Seq     uint64 // every change up to Seq is in the snapshot
	Nonce   uint64 // the writer's random id: parts live under (Seq, Nonce)
	Parts   uint32 // 0: no snapshot (withdrawn at Seq by an erasure)
	Size    uint64 // plain bytes of the graph
	ModelID string
	Dim     int
	M, EfC  int
	Created int64
}

func (h snapHead) encode() []byte {
	w := newRecord(64 + len(h.ModelID))
	for _, v := range []uint64{h.Format, h.Seq, h.Nonce, uint64(h.Parts), h.Size} {
		w.uvarint(v)
	}
	w.str(h.ModelID)
	for _, v := range []int{h.Dim, h.M, h.EfC} {
		w.uvarint(uint64(v))
	}
	w.varint(h.Created)
	return w.done()
}

func decodeSnapHead(v []byte) (h snapHead, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return h, err
	}
	h.Format, h.Seq, h.Nonce = r.uvarint(), r.uvarint(), r.uvarint()
	parts := r.uvarint()
	h.Size = r.uvarint()
	h.ModelID = r.str()
	h.Dim, h.M, h.EfC = int(r.uvarint()), int(r.uvarint()), int(r.uvarint())
	h.Created = r.varint()
	if err := r.end(); err != nil {
		return h, err
	}
	if h.Format != snapFormat {
		return h, fmt.Errorf("%w: snapshot head format %d", ErrCorrupt, h.Format)
	}
	if parts > 1<<24 {
		return h, fmt.Errorf("%w: snapshot of %d parts", ErrCorrupt, parts)
	}
	h.Parts = uint32(parts)
	return h, nil
}

// base is the seq a new snapshot must pass to replace h: a snapshot holds every change
// up to its seq, so one at the same seq adds nothing; a withdrawn head (erasure at Seq)
// is replaced by any snapshot that holds the erasure, at Seq or later.
func (h snapHead) base() uint64 {
	if h.Parts == 0 && h.Seq > 0 {
		return h.Seq - 1
	}
	return h.Seq
}

func snapPartAAD(gid, seq, nonce uint64, part, parts uint32) []byte {
	b := []byte("wajah store index snapshot v1/")
	for _, v := range []uint64{gid, seq, nonce} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, part), parts)
}

func getSnapHead(txn kv.Txn, gid uint64) (h snapHead, found bool, err error) {
	item, err := txn.Get(snapHeadKey(gid))
	if errors.Is(err, kv.ErrNotFound) {
		return h, false, nil
	}
	if err != nil {
		return h, false, err
	}
	err = item.Value(func(v []byte) (err error) { h, err = decodeSnapHead(v); return err })
	return h, err == nil, err
}

// getCounter reads a gallery's mutation counter (0 when it has none yet).
func getCounter(txn kv.Txn, gid uint64) (uint64, bool, error) {
	item, err := txn.Get(gallerySeqKey(gid))
	if errors.Is(err, kv.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	var n uint64
	err = item.Value(func(v []byte) (err error) { n, err = decodeSeq(v); return err })
	return n, err == nil, err
}

// maybeStoreCheckpoint starts a background store snapshot of g once its index holds
// at least gap changes past the store's snapshot as this node last saw it. The caller
// holds g.mu.
func (e *Engine) maybeStoreCheckpoint(g *gallery, gap uint64) {
	if e.opts.NoIndexSnapshots || e.opts.SnapshotEvery <= 0 || g.idx.Load().exact ||
		g.applied < g.storeSnapSeq+gap || !g.checkpointing.CompareAndSwap(false, true) {
		return
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		defer g.checkpointing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), snapTimeout)
		defer cancel()
		if err := e.storeCheckpoint(ctx, g, gap); err != nil {
			e.log.Error("engine: index snapshot to the store failed", "gallery", g.rec.Name, "err", err)
		}
	}()
}

// storeCheckpoint writes g's HNSW graph to the store when it holds at least gap
// changes past the store's current snapshot. The caller does not hold g.mu.
func (e *Engine) storeCheckpoint(ctx context.Context, g *gallery, gap uint64) error {
	gid := g.rec.GID
	var cur snapHead
	if err := e.db.View(ctx, func(txn kv.Txn) error {
		counter, _, err := getCounter(txn, gid)
		if err != nil {
			return err
		}
		if cur, _, err = getSnapHead(txn, gid); cur.Seq > counter {
			cur = snapHead{} // foreign: the next snapshot replaces it
		}
		return err
	}); err != nil {
		return err
	}
	g.mu.Lock()
	g.storeSnapSeq = max(g.storeSnapSeq, cur.base())
	h, ok := g.index().(*index.HNSW)
	seq := g.applied
	if g.deleted || !ok || seq < g.storeSnapSeq+max(gap, 1) {
		g.mu.Unlock()
		return nil
	}
	if h.Tombstones() > 0 {
		h.Compact() // no deleted (or erased) face's vector goes into the store
	}
	var buf bytes.Buffer
	err := h.WriteSnapshot(&buf, seq)
	g.mu.Unlock()
	if err != nil {
		return err
	}
	return e.putStoreSnapshot(ctx, g, seq, buf.Bytes())
}

// putStoreSnapshot writes plain (a graph holding every change up to seq) as g's
// snapshot, unless the store holds one at seq or later by then.
func (e *Engine) putStoreSnapshot(ctx context.Context, g *gallery, seq uint64, plain []byte) error {
	gid := g.rec.GID
	nonce := binary.BigEndian.Uint64(randomBytes(8))
	parts := uint32((len(plain) + snapPartSize - 1) / snapPartSize)
	for first := uint32(0); first < parts; first += snapPartsPerTxn {
		_, err := kv.Retry(ctx, e.db, maxConflictRetries, func(txn kv.Txn) error {
			for p := first; p < min(parts, first+snapPartsPerTxn); p++ {
				chunk := plain[int(p)*snapPartSize : min(len(plain), int(p+1)*snapPartSize)]
				w := newRecord(len(chunk) + 48)
				w.bytes(e.keys.seal(chunk, snapPartAAD(gid, seq, nonce, p, parts)))
				if err := txn.Set(snapPartKey(gid, seq, nonce, p), w.done()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			_, _ = e.deletePrefix(snapPartPrefix(gid, seq, nonce), nil)
			return err
		}
	}
	head := snapHead{Format: snapFormat, Seq: seq, Nonce: nonce, Parts: parts, Size: uint64(len(plain)),
		ModelID: g.rec.ModelID, Dim: g.rec.Dim, M: e.opts.IndexM, EfC: e.opts.IndexEfConstruction, Created: time.Now().UnixNano()}
	var (
		old      snapHead
		hadOld   bool
		won      bool
		sameHead bool
	)
	_, err := kv.Retry(ctx, e.db, maxConflictRetries, func(txn kv.Txn) error {
		won, sameHead = false, false
		if err := e.lockGallery(txn, g); err != nil { // it reads the counter enrolments bump
			return err
		}
		counter, ok, err := getCounter(txn, gid)
		if err != nil {
			return err
		}
		if !ok || counter < seq {
			return nil // the gallery was dropped (or this is not its store)
		}
		if old, hadOld, err = getSnapHead(txn, gid); err != nil {
			return err
		}
		if hadOld && old.base() >= seq && old.Seq <= counter { // one above the counter is foreign: replace it
			sameHead = true
			return nil
		}
		won = true
		return txn.Set(snapHeadKey(gid), head.encode())
	})
	if err != nil || !won {
		_, derr := e.deletePrefix(snapPartPrefix(gid, seq, nonce), nil)
		if err == nil && sameHead {
			g.mu.Lock()
			g.storeSnapSeq = max(g.storeSnapSeq, old.base())
			g.mu.Unlock()
		}
		return errors.Join(err, derr)
	}
	g.mu.Lock()
	g.storeSnapSeq = max(g.storeSnapSeq, seq)
	g.mu.Unlock()
	e.log.Info("engine: index snapshot written to the store", "gallery", g.rec.Name, "seq", seq, "bytes", len(plain), "parts", parts)
	// Parts of older snapshots (replaced, or of writers that lost or died) go; a loader
	// reading one of them works on its own read snapshot of the store.
	err = e.dropSnapParts(ctx, gid, func(s, n uint64) bool { return s < seq || s == seq && n != nonce })
	if err == nil && hadOld {
		err = e.trimChanges(gid, min(old.Seq, seq))
	}
	return err
}

// withdrawStoreSnapshot replaces g's store snapshot by an empty head at g.seq (after an
// erasure): its vectors leave the store, and no snapshot taken before it can win. The
// caller holds g.mu.
func (e *Engine) withdrawStoreSnapshot(ctx context.Context, g *gallery) error {
	gid, seq := g.rec.GID, g.seq
	head := snapHead{Format: snapFormat, Seq: seq, ModelID: g.rec.ModelID, Dim: g.rec.Dim,
		M: e.opts.IndexM, EfC: e.opts.IndexEfConstruction, Created: time.Now().UnixNano()}
	_, err := kv.Retry(ctx, e.db, maxConflictRetries, func(txn kv.Txn) error {
		head.Seq = seq
		if err := e.lockGallery(txn, g); err != nil {
			return err
		}
		counter, _, err := getCounter(txn, gid)
		if err != nil {
			return err
		}
		old, found, err := getSnapHead(txn, gid)
		if err != nil {
			return err
		}
		if found && old.Seq > seq && old.Seq <= counter {
			head.Seq = old.Seq // taken after the erasure: withdrawn all the same
		}
		return txn.Set(snapHeadKey(gid), head.encode())
	})
	if err != nil {
		return err
	}
	g.storeSnapSeq = max(g.storeSnapSeq, head.base())
	return e.dropSnapParts(ctx, gid, func(s, _ uint64) bool { return s <= head.Seq })
}

// dropSnapParts deletes the snapshot parts of gid whose (seq, nonce) drop says.
func (e *Engine) dropSnapParts(ctx context.Context, gid uint64, drop func(seq, nonce uint64) bool) error {
	var keys [][]byte
	err := e.db.View(ctx, func(txn kv.Txn) error {
		keys = keys[:0]
		it := txn.NewIterator(kv.IteratorOptions{Prefix: gidPrefix(tabSnapPart, gid)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) == 29 && drop(binary.BigEndian.Uint64(k[9:]), binary.BigEndian.Uint64(k[17:])) {
				keys = append(keys, it.Item().KeyCopy(nil))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.deleteKeys(keys)
}
