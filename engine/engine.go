package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

var _ Service = (*Engine)(nil)

// Engine is the Service over a kv.Store: Badger in Options.Dir by default, or the
// PostgreSQL database named by Options.Store. All methods are safe for concurrent use.
//
// Durability: Badger runs with SyncWrites, so every mutating call returns only after
// its transaction (data and audit row together) is fsynced to the value log. Badger
// groups concurrent commits into one fsync, which is the group commit. PostgreSQL runs
// with synchronous_commit=on: a commit returns after its WAL record is flushed.
//
// Index recovery: the per-gallery vector indexes live in memory; Open restores each
// from a snapshot written by Close when the snapshot provably matches the store, and
// rebuilds it from the face rows otherwise (recover.go, snapshot.go; over a shared
// store the snapshots are kept in the store itself: storesnap.go). Badger is the
// single source of truth, so whatever point a crash hit, the index holds exactly the
// committed faces: nothing acknowledged is missing and nothing deleted comes back.
type Engine struct {
	opts Options
	emb  Embedder
	db   kv.Store
	keys *keyring
	log  *slog.Logger

	seqGallery, seqFace kv.Sequence

	// life is held shared by every call and exclusively by Close, so Close waits for
	// in-flight calls and later calls see closed.
	life struct {
		sync.RWMutex
		closed bool
	}
	// createMu serializes gallery creation and deletion (not the per-gallery work).
	createMu sync.Mutex
	mu       struct {
		sync.RWMutex
		galleries map[galleryName]*gallery
	}
	// tenantMu serializes the duplicate check and commit of enrolments across a tenant's
	// galleries when Options.DuplicateScope is tenant (per gallery g.mu does it).
	tenantMu sync.Map // tenant -> *sync.Mutex
	audit    *auditWriter
	bg       sync.WaitGroup // background index checkpoints and the retention loop
	stopBg   chan struct{}  // closed by Close: ends the retention loop
	recovery Recovery
	// retries counts the conflict retries of write transactions (updateCtx).
	retries atomic.Uint64
	// noGalleryLock turns lockGallery off: only the one-gallery writers test sets it,
	// for its reference run (the behaviour before writers queued).
	noGalleryLock atomic.Bool
	// follower tails a shared store's change feed (follow.go); unused on Badger.
	follower struct {
		cancel   context.CancelFunc
		done     chan struct{}
		mu       sync.Mutex
		pos      uint64        // every change at or below it is applied
		advanced chan struct{} // closed and replaced when pos moves (position.go)
		// hook, set only by tests, is called with the gallery's id at the follower's
		// stages: "read" (about to read a batch of its changes from the store) and
		// "apply" (read, about to take g.mu to apply them).
		hook atomic.Pointer[func(stage string, gid uint64)]
	}
}

// Recovery describes the index rebuild done by Open.
type Recovery struct {
	Galleries int
	Faces     int
	Orphans   int // rows of dropped galleries purged at open (a crash hit a purge)
	Snapshots int // galleries restored from an index snapshot instead of rebuilt
	Replayed  int // change records applied on top of those snapshots
	Duration  time.Duration
}

// Open opens (or creates) the store in opts.Dir and rebuilds the galleries' indexes.
// emb may be nil for operator tools (tokens, statuses); face operations then fail with
// ErrNoEmbedder.
func Open(opts Options, emb Embedder) (*Engine, error) {
	opts = opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	master, err := loadMasterKey(opts.KeyFile, opts.KeyEnv)
	if err != nil {
		return nil, err
	}
	if master == nil {
		opts.Logger.Warn("!!! WAJAH STORE IS NOT ENCRYPTED: biometric templates and NIKs are stored in clear. " +
			"Set a 32-byte key in a key file or in $" + opts.KeyEnv + " before enrolling real people.")
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, indexSubdir), 0o700); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	db, err := openStore(opts)
	if err != nil {
		return nil, err
	}
	e := &Engine{opts: opts, emb: emb, db: db, log: opts.Logger}
	e.mu.galleries = map[galleryName]*gallery{}
	if err := e.start(master); err != nil {
		e.releaseSequences()
		return nil, errors.Join(err, db.Close())
	}
	return e, nil
}

func (e *Engine) start(master []byte) error {
	keys, err := e.loadMeta(master)
	if err != nil {
		return err
	}
	e.keys = keys
	if e.seqGallery, err = e.db.GetSequence(keySeqGallery, 16); err != nil {
		return err
	}
	if e.seqFace, err = e.db.GetSequence(keySeqFace, 256); err != nil {
		return err
	}
	var from uint64
	if e.opts.Store != "" {
		// Taken before the indexes load, so nothing committed meanwhile is missed.
		if from, err = e.db.Head(context.Background()); err != nil {
			return err
		}
	}
	if err := e.rebuild(); err != nil {
		return err
	}
	if e.opts.Store != "" {
		e.startFollowing(from)
	}
	e.audit = newAuditWriter(e.db, e.log)
	e.stopBg = make(chan struct{})
	if e.opts.RetentionDays > 0 {
		e.bg.Add(1)
		go e.retentionLoop(e.stopBg)
	}
	return nil
}

// Recovery reports what Open rebuilt and how long it took.
func (e *Engine) Recovery() Recovery { return e.recovery }

// Options returns the effective options (defaults and persisted values filled in).
func (e *Engine) Options() Options { return e.opts }

// Ready reports whether the engine serves requests.
func (e *Engine) Ready() error {
	e.life.RLock()
	defer e.life.RUnlock()
	if e.life.closed {
		return ErrClosed
	}
	return nil
}

// Close waits for in-flight calls, flushes the audit queue and closes the store.
// Closing twice returns ErrClosed.
func (e *Engine) Close() error {
	e.life.Lock()
	if e.life.closed {
		e.life.Unlock()
		return ErrClosed
	}
	e.life.closed = true
	e.life.Unlock()
	close(e.stopBg)
	e.stopFollowing()
	e.audit.close()
	e.bg.Wait()
	err := errors.Join(e.saveSnapshots(), e.releaseSequences())
	return errors.Join(err, e.db.Close())
}

func (e *Engine) releaseSequences() error {
	var errs []error
	for _, s := range []kv.Sequence{e.seqGallery, e.seqFace} {
		if s != nil {
			errs = append(errs, s.Release())
		}
	}
	return errors.Join(errs...)
}

// enter marks a call in flight; the caller defers e.exit() when it returns nil.
func (e *Engine) enter() error {
	e.life.RLock()
	if e.life.closed {
		e.life.RUnlock()
		return ErrClosed
	}
	return nil
}

func (e *Engine) exit() { e.life.RUnlock() }

// nextFaceID returns a never-reused face id (> 0; 0 is never handed to the index).
func (e *Engine) nextFaceID() (uint64, error) {
	for {
		id, err := e.seqFace.Next()
		if err != nil || id != 0 {
			return id, err
		}
	}
}

func (e *Engine) nextGID() (uint64, error) {
	for {
		id, err := e.seqGallery.Next()
		if err != nil || id != 0 {
			return id, err
		}
	}
}

// update runs fn in a read-write transaction, retrying on conflicts. Background work
// (recovery, the follower) uses it; request paths use updateCtx.
func (e *Engine) update(fn func(txn kv.Txn) error) error {
	return e.updateCtx(context.Background(), fn)
}

// updateCtx is update bounded by ctx (the request's deadline), recording the commit's
// change position for TrackPositions. The store bounds a call without a deadline
// (pgkv: 5 s), so a database outage fails the call instead of hanging it: with
// ErrStoreUnavailable, plus ErrCommitUnknown when the connection broke during COMMIT.
func (e *Engine) updateCtx(ctx context.Context, fn func(txn kv.Txn) error) error {
	attempts := uint64(0)
	pos, err := kv.Retry(ctx, e.db, maxConflictRetries, func(txn kv.Txn) error {
		attempts++
		return fn(txn)
	})
	if attempts > 1 {
		e.retries.Add(attempts - 1) // also counts pgkv's retries after a lost connection
	}
	if err == nil {
		e.notePosition(ctx, pos)
	}
	return err
}

// view runs fn in a read-only transaction (background work; request paths: viewCtx).
func (e *Engine) view(fn func(txn kv.Txn) error) error {
	return e.db.View(context.Background(), fn)
}

// viewCtx is view bounded by ctx.
func (e *Engine) viewCtx(ctx context.Context, fn func(txn kv.Txn) error) error {
	return e.db.View(ctx, fn)
}

// Stats returns gallery counts and sizes (faces in each index).
func (e *Engine) Stats() Stats {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := Stats{Galleries: len(e.mu.galleries), GallerySizes: make(map[string]int, len(e.mu.galleries))}
	for _, g := range e.mu.galleries {
		s.GallerySizes[g.rec.Tenant+"/"+g.rec.Name] = g.index().Len()
	}
	return s
}
