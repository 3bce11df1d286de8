package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// Following other nodes (cluster mode: Options.Store names a database several nodes
// share). Each node keeps its own in-memory index per gallery; the follower tails the
// store's change feed and applies the gallery change records it sees to the index:
//
//   - each gallery's changes are applied in seq order; those already in the index
//     (this node's own commits, or loaded with it: gallery.applied and ahead) are
//     skipped, and a hole in the order (a change seen before an earlier one) reloads
//     the gallery rather than skip anything;
//   - an added face is added only if its row still exists, so a change applied after a
//     later delete does not bring the face back; deletes are idempotent; face ids are
//     never reused;
//   - it reads a batch from the store without the gallery's lock and applies it
//     under g.mu, like enrol and delete, so it never interleaves with a local write
//     to the same gallery, and reads again when one committed in between
//     (applyChanges);
//   - a change record already trimmed (older than the store's snapshot: storesnap.go),
//     or a feed position the store no longer keeps, reloads the affected indexes from
//     the store's snapshot and the changes after it, or from the face rows.
//
// Gallery rows are followed too: a gallery created by another node is loaded from the
// store, one dropped there is dropped here.

const followBatch = 1000

// startFollowing runs the follower from pos (taken before the indexes were loaded, so
// nothing committed in between is missed; changes seen twice are harmless).
func (e *Engine) startFollowing(pos uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	e.follower.cancel = cancel
	e.follower.done = make(chan struct{})
	e.setFollowed(pos) // the indexes were loaded after pos was taken
	go e.follow(ctx, pos)
}

func (e *Engine) stopFollowing() {
	if e.follower.cancel != nil {
		e.follower.cancel()
		<-e.follower.done
	}
}

func (e *Engine) follow(ctx context.Context, after uint64) {
	defer close(e.follower.done)
	backoff := 10 * time.Millisecond
	for ctx.Err() == nil {
		changes, next, err := e.db.Changes(ctx, after, followBatch)
		switch {
		case errors.Is(err, kv.ErrFeedGone):
			e.log.Warn("engine: change feed position gone; rebuilding every index from the store")
			if head, herr := e.db.Head(ctx); herr == nil {
				e.rebuildAll()
				after = head
				e.setFollowed(head)
			}
			continue
		case err != nil:
			if ctx.Err() == nil {
				e.log.Warn("engine: reading the change feed failed", "err", err)
				sleepCtx(ctx, backoff)
				backoff = min(2*backoff, time.Second)
			}
			continue
		}
		// A batch that could not be applied (the store went away mid-batch) is read again
		// from the same position after a backoff: applying is idempotent, and moving on
		// would leave its faces out of the index until the next restart.
		applied := true
		// Gallery rows first: a gallery created elsewhere is loaded before its changes.
		for _, c := range changes {
			if len(c.Key) > 0 && c.Key[0] == tabGallery {
				if err := e.syncGallery(c.Key); err != nil && ctx.Err() == nil {
					e.log.Warn("engine: loading a gallery changed by another node failed", "err", err)
					applied = false
				}
			}
		}
		work := map[uint64][]uint64{} // gid -> change seqs
		for _, c := range changes {
			if len(c.Key) == 17 && c.Key[0] == tabChange && !c.Deleted {
				gid := binary.BigEndian.Uint64(c.Key[1:9])
				work[gid] = append(work[gid], binary.BigEndian.Uint64(c.Key[9:]))
			}
		}
		for gid, seqs := range work {
			slices.Sort(seqs)
			if err := e.applyChanges(gid, seqs); err != nil && ctx.Err() == nil {
				e.log.Warn("engine: applying followed changes failed", "gid", gid, "err", err)
				applied = false
			}
		}
		if !applied {
			sleepCtx(ctx, backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 10 * time.Millisecond
		e.setFollowed(next)
		after = next
		if len(changes) == 0 {
			_ = e.db.Wait(ctx, after)
		}
	}
}

// FollowedPos is the change-feed position this node's indexes have caught up to
// (0 without a shared store).
func (e *Engine) FollowedPos() uint64 {
	e.follower.mu.Lock()
	defer e.follower.mu.Unlock()
	return e.follower.pos
}

// followStage calls the tests' hook, if any.
func (e *Engine) followStage(stage string, gid uint64) {
	if h := e.follower.hook.Load(); h != nil {
		(*h)(stage, gid)
	}
}

func (e *Engine) galleryByGID(gid uint64) *gallery {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, g := range e.mu.galleries {
		if g.rec.GID == gid {
			return g
		}
	}
	return nil
}

// applyChanges applies the gallery's change records seqs to its index. It reads them
// from the store without g.mu and takes g.mu only to apply what it read, so that a
// local write to the gallery never waits behind the read (which, with the database
// gone, lasts until the store gives up: pgkv's 5 s, past the write's own deadline).
//
// What it read may be stale by then. A local delete committed in between has removed
// a face whose row the read still saw: applying that add would bring the face back
// into the index. Every local write (and every reload) leaves g.seq above the gallery
// counter the read saw, so then the read is done again; after followRereads such
// tries it is done under g.mu, as a write stream that never pauses would otherwise
// starve the follower.
func (e *Engine) applyChanges(gid uint64, seqs []uint64) error {
	g := e.galleryByGID(gid)
	if g == nil {
		return nil // dropped, or its row is not followed yet (then loaded with its faces)
	}
	for try := 0; ; try++ {
		locked := try >= followRereads
		g.mu.Lock()
		todo := slices.DeleteFunc(slices.Clone(seqs), g.isApplied)
		if g.deleted || len(todo) == 0 {
			g.mu.Unlock()
			return nil
		}
		if !locked {
			g.mu.Unlock()
		}
		e.followStage("read", gid)
		read, err := e.readChanges(g, todo)
		if !locked {
			e.followStage("apply", gid)
			g.mu.Lock()
		}
		if err == nil && !g.deleted && !locked && g.seq > read.counter {
			g.mu.Unlock()
			continue // written (or reloaded) here since the read: read again
		}
		if err == nil && !g.deleted {
			err = e.applyRead(g, read)
		}
		g.mu.Unlock()
		return err
	}
}

// followRereads bounds applyChanges' reads outside g.mu for one batch.
const followRereads = 3

// readBatch is what readChanges read of a gallery's changes, in one read transaction.
type readBatch struct {
	counter uint64 // the gallery's counter in that transaction
	changes []readChange
}

type readChange struct {
	seq     uint64
	trimmed bool      // its record is gone (older than the store's snapshot)
	adds    []faceVec // the added faces whose rows still existed
	dels    []uint64
}

// readChanges reads the change records seqs (ascending) of g and the templates they
// add. The caller need not hold g.mu.
func (e *Engine) readChanges(g *gallery, seqs []uint64) (readBatch, error) {
	var b readBatch
	err := e.view(func(txn kv.Txn) error {
		b = readBatch{changes: make([]readChange, 0, len(seqs))}
		var err error
		if b.counter, _, err = getCounter(txn, g.rec.GID); err != nil {
			return err
		}
		for _, s := range seqs {
			rc := readChange{seq: s}
			item, err := txn.Get(changeKey(g.rec.GID, s))
			if errors.Is(err, kv.ErrNotFound) {
				rc.trimmed = true
				b.changes = append(b.changes, rc)
				continue
			}
			if err != nil {
				return err
			}
			var c changeRecord
			if err := item.Value(func(v []byte) (err error) { c, err = decodeChange(v); return err }); err != nil {
				return err
			}
			for _, id := range c.Adds {
				vec, err := e.getTemplate(txn, g, id)
				if errors.Is(err, kv.ErrNotFound) {
					continue // deleted since
				}
				if err != nil {
					return err
				}
				rc.adds = append(rc.adds, faceVec{id: id, vec: vec})
			}
			rc.dels = c.Dels
			b.changes = append(b.changes, rc)
		}
		return nil
	})
	return b, err
}

// applyRead applies b to g's index in seq order, skipping changes already applied; a
// hole in the order or a trimmed record reloads the gallery instead. The caller holds
// g.mu.
func (e *Engine) applyRead(g *gallery, b readBatch) error {
	idx := g.index()
	gap := ""
	for _, c := range b.changes {
		if g.isApplied(c.seq) {
			continue // this node's own change, or loaded with the index
		}
		if c.seq != g.applied+1 {
			// The feed lists one gallery's changes in seq order (each commit read the
			// counter the previous one wrote), so a hole means one was missed.
			gap = fmt.Sprintf("change %d follows %d", c.seq, g.applied)
			break
		}
		if c.trimmed {
			gap = fmt.Sprintf("change %d trimmed", c.seq)
			break
		}
		for _, f := range c.adds {
			if err := idx.Add(f.id, f.vec); err != nil {
				return err
			}
		}
		for _, id := range c.dels {
			idx.Delete(id)
		}
		g.seq = max(g.seq, c.seq)
		g.markApplied(c.seq)
	}
	if gap != "" {
		// Rare (a missed or trimmed change): the reload reads the store under g.mu.
		e.log.Info("engine: follower reloads a gallery", "gallery", g.rec.Name, "reason", gap)
		if err := e.reloadGalleryLocked(g); err != nil {
			return err
		}
	}
	if err := e.maybeUpgrade(g); err != nil {
		return err
	}
	// Normally the node whose commit crosses SnapshotEvery writes the snapshot; a
	// follower steps in when none did (its writer died, or lags).
	e.maybeStoreCheckpoint(g, 2*uint64(max(e.opts.SnapshotEvery, 0)))
	return nil
}

func (e *Engine) rebuildAll() {
	e.mu.RLock()
	gals := make([]*gallery, 0, len(e.mu.galleries))
	for _, g := range e.mu.galleries {
		gals = append(gals, g)
	}
	e.mu.RUnlock()
	for _, g := range gals {
		g.mu.Lock()
		if !g.deleted {
			if err := e.reloadGalleryLocked(g); err != nil {
				e.log.Error("engine: rebuilding a followed gallery failed", "gallery", g.rec.Name, "err", err)
			}
		}
		g.mu.Unlock()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (e *Engine) galleryByKey(key []byte) *gallery {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, g := range e.mu.galleries {
		if string(g.key) == string(key) {
			return g
		}
	}
	return nil
}

// syncGallery brings this node's gallery map in line with the store's gallery row
// under key: created or dropped by another node.
func (e *Engine) syncGallery(key []byte) error {
	e.createMu.Lock()
	defer e.createMu.Unlock()
	return e.syncGalleryLocked(key)
}

// syncGalleryLocked is syncGallery with e.createMu held.
func (e *Engine) syncGalleryLocked(key []byte) error {
	var (
		rec *galleryRecord
		seq uint64
	)
	err := e.view(func(txn kv.Txn) error {
		item, err := txn.Get(key)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var r galleryRecord
		if err := item.Value(func(v []byte) (err error) { r, err = decodeGallery(v); return err }); err != nil {
			return err
		}
		rec = &r
		item, err = txn.Get(gallerySeqKey(r.GID))
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) (err error) { seq, err = decodeSeq(v); return err })
	})
	if err != nil {
		return err
	}
	cur := e.galleryByKey(key)
	if cur != nil && (rec == nil || cur.rec.GID != rec.GID) { // dropped (or re-created) elsewhere
		cur.mu.Lock()
		cur.deleted = true
		cur.mu.Unlock()
		e.mu.Lock()
		delete(e.mu.galleries, galleryName{cur.rec.Tenant, cur.rec.Name})
		e.mu.Unlock()
		cur = nil
	}
	if rec == nil || cur != nil {
		return nil
	}
	// Publish the gallery before loading its faces, holding its lock: changes to it
	// seen meanwhile wait for the load and are then applied (idempotently).
	g := &gallery{rec: *rec, key: slices.Clone(key), seq: seq}
	empty, err := e.newIndex(rec.Dim, 0)
	if err != nil {
		return err
	}
	g.idx.Store(empty)
	g.mu.Lock()
	defer g.mu.Unlock()
	e.mu.Lock()
	e.mu.galleries[galleryName{rec.Tenant, rec.Name}] = g
	e.mu.Unlock()
	_, err = e.rebuildGalleryLocked(g)
	return err
}
