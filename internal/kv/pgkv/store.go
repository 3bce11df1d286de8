// Package pgkv is the kv.Store over PostgreSQL, for several wajah nodes sharing one
// database. Records are stored as bytea, unchanged (sealed and checksummed by the
// engine), in one table; the schema is versioned and migrated forward at Open, which
// refuses a schema newer than it knows (kv.ErrSchemaTooNew).
//
// Isolation: Update runs SERIALIZABLE, so two transactions that read or write the
// same keys concurrently cannot both commit; PostgreSQL's serialization failure
// (40001) comes back as kv.ErrConflict, which is Badger's optimistic conflict and is
// retried the same way. View runs REPEATABLE READ READ ONLY: one consistent snapshot,
// as a Badger View.
//
// Durability: every session runs with synchronous_commit=on, so Update returns only
// after its commit record is flushed to the WAL (and to synchronous standbys, if the
// operator configured them).
//
// Faults: a call that finds the server down or restarting retries on fresh
// connections, with backoff, until its context's deadline (Options.Timeout when the
// context has none), then fails with kv.ErrUnavailable; nothing hangs past the
// deadline. A connection lost after COMMIT was sent fails with kv.ErrUnavailable and
// kv.ErrCommitUnknown (the commit may have happened).
package pgkv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wajah-id/wajah/internal/kv"
)

// Defaults of Options.
const (
	DefaultTimeout      = 5 * time.Second
	DefaultPollInterval = time.Second
	DefaultFeedKeep     = 24 * time.Hour
	notifyChannel       = "wajah_kv"
	maxBackoff          = 250 * time.Millisecond
	batchConflictTries  = 16
)

// Options configure Open.
type Options struct {
	// DSN is a PostgreSQL connection string (postgres://user@host/db?... or key=value).
	DSN string
	// Timeout bounds a call whose context has no deadline (default 5 s).
	Timeout time.Duration
	// PollInterval is how often Wait re-reads the feed when no notification comes
	// (default 1 s): a lost notification delays a reader by at most this.
	PollInterval time.Duration
	// FeedKeep is how long change-feed rows are kept (default 24 h; negative: forever).
	// A node that was away longer reloads from the store (kv.ErrFeedGone). Each Store
	// prunes what it has itself seen become that old, so nodes need no clock agreement.
	FeedKeep time.Duration
	// MaxConns caps the pool (0: pgxpool's default, max(4, CPUs)).
	MaxConns int32
	Logger   *slog.Logger // nil: slog.Default()
}

// Store is a kv.Store over PostgreSQL.
type Store struct {
	opts   Options
	pool   *pgxpool.Pool
	wake   *broadcast
	cancel context.CancelFunc // stops the listener and the pruner
	bg     sync.WaitGroup
	mu     struct {
		sync.RWMutex
		closed bool
	}
}

var _ kv.Store = (*Store)(nil)

// Open connects, migrates the schema and starts the change-feed listener. It waits
// for the server up to ctx's deadline (Options.Timeout when none).
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.FeedKeep == 0 {
		o.FeedKeep = DefaultFeedKeep
	}
	cfg, err := pgxpool.ParseConfig(o.DSN)
	if err != nil {
		return nil, fmt.Errorf("pgkv: %w", err)
	}
	// An acknowledged write must be durable: never let a server or role default of
	// synchronous_commit=off through.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "wajah"
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.PingTimeout = time.Second
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("pgkv: %w", err)
	}
	s := &Store{opts: o, pool: pool, wake: newBroadcast()}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	err = s.retry(ctx, func(ctx context.Context) error {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer c.Release()
		from, err := migrate(ctx, c.Conn())
		if err == nil && from != SchemaVersion {
			o.Logger.Info("pgkv: schema migrated", "from", from, "to", SchemaVersion)
		}
		return err
	})
	if err != nil {
		pool.Close()
		if errors.Is(err, kv.ErrSchemaTooNew) {
			return nil, err
		}
		return nil, fmt.Errorf("pgkv: open: %w", err)
	}
	lctx, lcancel := context.WithCancel(context.Background())
	s.cancel = lcancel
	s.bg.Add(2)
	go s.listen(lctx, cfg.ConnConfig)
	go s.pruneLoop(lctx)
	return s, nil
}

// bound gives ctx the store's default deadline when it has none.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.opts.Timeout)
}

// retry runs op until it succeeds, fails for a reason other than a lost or refused
// connection, or ctx ends. op's errors are raw pgx errors or already classified ones.
func (s *Store) retry(ctx context.Context, op func(context.Context) error) error {
	backoff := 10 * time.Millisecond
	for {
		err := op(ctx)
		mapped, transient := classifyOnce(err)
		if !transient {
			return mapped
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: gave up at the deadline: %w", kv.ErrUnavailable, errors.Join(ctx.Err(), err))
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// classifyOnce classifies raw errors and passes through ones an attempt already
// classified (attemptError).
func classifyOnce(err error) (error, bool) {
	var ae *attemptError
	if errors.As(err, &ae) {
		return ae.err, ae.transient
	}
	return classify(err, false)
}

// attemptError carries an error classified where it happened (inside a transaction,
// where the caller's function may have wrapped it).
type attemptError struct {
	err       error
	transient bool
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

func (s *Store) enter() error {
	s.mu.RLock()
	if s.mu.closed {
		s.mu.RUnlock()
		return kv.ErrClosed
	}
	return nil
}

func (s *Store) exit() { s.mu.RUnlock() }

// View implements kv.Store.
func (s *Store) View(ctx context.Context, fn func(kv.Txn) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.retry(ctx, func(ctx context.Context) error {
		_, err := s.attempt(ctx, true, fn)
		return err
	})
}

// Update implements kv.Store. fn may run more than once (after a lost connection, as
// after a conflict in the caller's retry loop), so it must not keep effects outside
// the transaction.
func (s *Store) Update(ctx context.Context, fn func(kv.Txn) error) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.exit()
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var pos uint64
	err := s.retry(ctx, func(ctx context.Context) error {
		var err error
		pos, err = s.attempt(ctx, false, fn)
		return err
	})
	return pos, err
}

// attempt runs one transaction on one connection.
func (s *Store) attempt(ctx context.Context, ro bool, fn func(kv.Txn) error) (uint64, error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Release() // a connection left inside a transaction is destroyed by the pool
	t := newTxn(ctx, c.Conn(), ro)
	defer t.unlock() // before Release: the session must not go back to the pool locked
	ferr := fn(t)
	if t.err != nil {
		t.rollback()
		return 0, t.err
	}
	if ferr != nil {
		t.rollback()
		return 0, &attemptError{err: ferr} // the caller's own error: returned as is, never retried
	}
	return t.commit()
}

// NewWriteBatch implements kv.Store: the batch commits as one transaction on Flush.
func (s *Store) NewWriteBatch() kv.WriteBatch { return &batch{s: s} }

// GetSequence implements kv.Store: each lease is one atomic increment of a row of
// wajah_sequence, so nodes sharing the database never hand out the same id.
func (s *Store) GetSequence(key []byte, bandwidth uint64) (kv.Sequence, error) {
	if bandwidth == 0 {
		return nil, errors.New("pgkv: zero sequence bandwidth")
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.exit()
	return &sequence{s: s, key: string(key), bw: bandwidth}, nil
}

// Head implements kv.Store: the position below the oldest transaction still running,
// so every transaction at or below it has ended.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.exit()
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var h uint64
	err := s.retry(ctx, func(ctx context.Context) error {
		var err error
		h, err = s.head(ctx, s.pool)
		return err
	})
	return h, err
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (s *Store) head(ctx context.Context, q querier) (uint64, error) {
	var x string
	if err := q.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&x); err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(x, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pgkv: bad xmin %q: %w", x, err)
	}
	return v - 1, nil
}

// Close implements kv.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return kv.ErrClosed
	}
	s.mu.closed = true
	s.mu.Unlock()
	s.cancel()
	s.bg.Wait()
	s.wake.close()
	s.pool.Close()
	return nil
}
