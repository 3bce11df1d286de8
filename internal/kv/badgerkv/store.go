// Package badgerkv is the embedded kv.Store: one Badger directory, configured exactly
// as the engine has always opened it (SyncWrites, one version per key, values up to
// 4 KiB in the LSM tree, no compression), so a store written before keeps working.
package badgerkv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/wajah-id/wajah/internal/kv"
)

// Defaults of Options.
const (
	DefaultMemTableSize = 64 << 20
	DefaultVLogFileSize = 256 << 20
	DefaultFeedKeep     = 1 << 16
	// valueThreshold keeps templates in the LSM tree: one read, fast rebuild scans.
	valueThreshold = 4 << 10
)

// Options configure Open.
type Options struct {
	Dir string // Badger's directory
	// NoSyncWrites acknowledges writes before fsync. Only for tests and benchmarks.
	NoSyncWrites bool
	// MemTableSize and VLogFileSize tune Badger; defaults 64 MiB and 256 MiB.
	MemTableSize, VLogFileSize int64
	// FeedKeep is how many changes the in-memory change feed keeps (default 65536).
	// Badger is one process, so its feed lives only as long as the Store: a reader
	// further behind, or holding a position from an earlier process, gets ErrFeedGone.
	FeedKeep int
	Logger   *slog.Logger // nil: slog.Default()
}

// Store is a kv.Store over Badger.
type Store struct {
	db   *badger.DB
	feed *feed
	mu   struct {
		sync.RWMutex
		closed bool
	}
}

var _ kv.Store = (*Store)(nil)

// Open opens (or creates) the Badger store in o.Dir.
func Open(o Options) (*Store, error) {
	if o.Dir == "" {
		return nil, errors.New("badgerkv: empty Dir")
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = DefaultMemTableSize
	}
	if o.VLogFileSize == 0 {
		o.VLogFileSize = DefaultVLogFileSize
	}
	if o.FeedKeep <= 0 {
		o.FeedKeep = DefaultFeedKeep
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := removeEmptyLogs(o.Dir, o.Logger); err != nil {
		return nil, fmt.Errorf("badgerkv: %w", err)
	}
	bo := badger.DefaultOptions(o.Dir).
		WithSyncWrites(!o.NoSyncWrites).
		WithLogger(logger{o.Logger}).
		WithMemTableSize(o.MemTableSize).
		WithValueLogFileSize(o.VLogFileSize).
		WithNumVersionsToKeep(1).
		WithValueThreshold(valueThreshold).
		WithCompression(options.None) // sealed values do not compress
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("badgerkv: open badger: %w", err)
	}
	return &Store{db: db, feed: newFeed(o.FeedKeep)}, nil
}

// DB exposes the Badger handle for tools that need Badger itself (backup, flatten).
func (s *Store) DB() *badger.DB { return s.db }

func (s *Store) enter(ctx context.Context) error {
	s.mu.RLock()
	if s.mu.closed {
		s.mu.RUnlock()
		return kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		s.mu.RUnlock()
		return err
	}
	return nil
}

func (s *Store) exit() { s.mu.RUnlock() }

// View implements kv.Store.
func (s *Store) View(ctx context.Context, fn func(kv.Txn) error) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.exit()
	return mapErr(s.db.View(func(t *badger.Txn) error { return fn(&txn{t: t, ro: true}) }))
}

// Update implements kv.Store. Badger reports conflicts at commit, as ErrConflict.
func (s *Store) Update(ctx context.Context, fn func(kv.Txn) error) (uint64, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	defer s.exit()
	var w *txn
	err := s.db.Update(func(t *badger.Txn) error {
		w = &txn{t: t, writes: map[string]bool{}}
		return fn(w)
	})
	if err != nil {
		return 0, mapErr(err)
	}
	return s.feed.append(w.writes), nil
}

// NewWriteBatch implements kv.Store.
func (s *Store) NewWriteBatch() kv.WriteBatch {
	return &batch{s: s, wb: s.db.NewWriteBatch(), writes: map[string]bool{}}
}

// GetSequence implements kv.Store with Badger's own leasing sequence.
func (s *Store) GetSequence(key []byte, bandwidth uint64) (kv.Sequence, error) {
	if err := s.enter(context.Background()); err != nil {
		return nil, err
	}
	defer s.exit()
	seq, err := s.db.GetSequence(key, bandwidth)
	if err != nil {
		return nil, mapErr(err)
	}
	return seq, nil
}

// Changes implements kv.Store from the in-memory feed.
func (s *Store) Changes(ctx context.Context, after uint64, limit int) ([]kv.Change, uint64, error) {
	if err := s.enter(ctx); err != nil {
		return nil, after, err
	}
	defer s.exit()
	return s.feed.read(after, limit)
}

// Wait implements kv.Store. It does not hold the store open while it waits, so Close
// does not wait for waiters; they return ErrClosed.
func (s *Store) Wait(ctx context.Context, after uint64) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	s.exit()
	return s.feed.wait(ctx, after)
}

// Head implements kv.Store.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	defer s.exit()
	return s.feed.head(), nil
}

// PruneChanges implements kv.Store; the feed is a bounded ring, so it is a no-op.
func (s *Store) PruneChanges(context.Context, uint64) error { return nil }

// Close implements kv.Store. Callers release their sequences first.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return kv.ErrClosed
	}
	s.mu.closed = true
	s.feed.close()
	return s.db.Close()
}

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, badger.ErrKeyNotFound):
		return fmt.Errorf("%w: %w", kv.ErrNotFound, err)
	case errors.Is(err, badger.ErrConflict):
		return fmt.Errorf("%w: %w", kv.ErrConflict, err)
	case errors.Is(err, badger.ErrTxnTooBig):
		return fmt.Errorf("%w: %w", kv.ErrTxnTooBig, err)
	case errors.Is(err, badger.ErrDBClosed):
		return fmt.Errorf("%w: %w", kv.ErrClosed, err)
	}
	return err
}

// logger sends Badger's warnings and errors to slog; its info chatter is dropped.
type logger struct{ l *slog.Logger }

func (b logger) Errorf(f string, a ...any)   { b.l.Error("badger: " + fmt.Sprintf(f, a...)) }
func (b logger) Warningf(f string, a ...any) { b.l.Warn("badger: " + fmt.Sprintf(f, a...)) }
func (b logger) Infof(string, ...any)        {}
func (b logger) Debugf(string, ...any)       {}
