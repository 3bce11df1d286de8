// Package kv is the transactional key-value contract the engine stores its records
// in, so that one engine runs over an embedded Badger directory (package badgerkv, the
// default) or over a PostgreSQL database shared by several nodes (package pgkv).
//
// The contract is the subset of Badger the engine uses, shaped like Badger so that the
// engine's code moves over by type substitution:
//
//   - View runs a read-only transaction on a consistent snapshot.
//   - Update runs a read-write transaction. It either commits all its writes durably
//     (fsynced, or WAL-flushed with synchronous_commit) before returning nil, or none.
//     Two transactions that touch the same key concurrently cannot both commit: one
//     fails with ErrConflict, and the caller retries it from the start (Retry does).
//     Writers of one hot key can instead queue for it (Txn.Lock).
//   - WriteBatch writes blind sets and deletes outside a transaction (audit rows,
//     purges): durable when Flush returns nil; not atomic across a failure.
//   - Sequence leases blocks of never-reused ids; ids leased and not used are skipped.
//   - The change feed (Changes, Wait) lists every committed write by key in commit
//     order, so other nodes over the same store can follow it. Positions are opaque,
//     increasing uint64s: Update returns the position of its own commit, and a reader
//     that has read the feed up to position p has seen every change at or below p.
//
// Keys and values are opaque bytes: the engine's records go in sealed and checksummed,
// as they are in Badger. Slices handed to Set, Delete and the WriteBatch are not kept
// past the call (implementations copy); slices returned by Item are valid only until
// the iterator moves or the transaction ends, as in Badger.
package kv

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Store is one key-value store. All methods are safe for concurrent use.
type Store interface {
	// View runs fn in a read-only transaction. ctx bounds the whole call: a store that
	// cannot answer before ctx's deadline returns an error wrapping ErrUnavailable (or
	// ctx.Err()), never hangs.
	View(ctx context.Context, fn func(Txn) error) error
	// Update runs fn in a read-write transaction and commits it. It returns the
	// commit's change-feed position (0 when fn wrote nothing). An error from fn aborts
	// the transaction and is returned unchanged. A commit that fails with
	// ErrConflict changed nothing; one that fails with ErrUnavailable may or may not
	// have committed (the connection broke during COMMIT): callers make their writes
	// idempotent or check.
	Update(ctx context.Context, fn func(Txn) error) (uint64, error)
	// NewWriteBatch starts a batch of blind writes.
	NewWriteBatch() WriteBatch
	// GetSequence returns a leasing id generator stored under key; each lease reserves
	// bandwidth ids. Release returns unused ids where the store can (Badger) and is a
	// no-op otherwise.
	GetSequence(key []byte, bandwidth uint64) (Sequence, error)
	// Changes returns up to limit changes with a position above after, in commit
	// order, and the position the reader has now caught up to (>= after). Changes of
	// one transaction are never split across calls, so a call may return more than
	// limit when one transaction wrote more. ErrFeedGone: after is older than what the
	// store still keeps (a restarted Badger store, or pruned rows); the reader must
	// reload from a View instead.
	Changes(ctx context.Context, after uint64, limit int) ([]Change, uint64, error)
	// Wait returns once the feed may hold a change above after, or when ctx ends
	// (ctx.Err()). It may return early (a lost notification is covered by polling, a
	// reconnect by returning): callers always re-read with Changes.
	Wait(ctx context.Context, after uint64) error
	// Head returns the feed position a new reader starts from: every change at or below
	// it is already visible to a View started after Head returns. A reader loads its
	// state with a View after Head and then follows Changes(Head) (changes it already
	// saw may come again; the feed holds keys, not values, so re-reading is harmless).
	Head(ctx context.Context) (uint64, error)
	// PruneChanges drops feed entries at or below pos (readers behind it get
	// ErrFeedGone). Stores that bound the feed themselves treat it as a no-op.
	PruneChanges(ctx context.Context, pos uint64) error
	// Close releases the store. Calls after Close fail with ErrClosed.
	Close() error
}

// Txn is one transaction. It must not be used after the function it was handed to
// returns, nor from several goroutines.
type Txn interface {
	// Get returns the item under key, or ErrNotFound.
	Get(key []byte) (Item, error)
	// Set writes value under key (both copied). ErrReadOnly in a View.
	Set(key, value []byte) error
	// Delete removes key; deleting a missing key is not an error. ErrReadOnly in a View.
	Delete(key []byte) error
	// NewIterator iterates keys in byte order. A failure while iterating (a lost
	// connection) ends the iteration and makes View or Update return the error, so a
	// short read is never mistaken for the end of the data.
	NewIterator(opts IteratorOptions) Iterator
	// Lock makes the transaction wait until no other transaction holds key locked, and
	// holds it until this one commits or aborts. Writers that all lock a hot key first
	// (every enrolment bumps its gallery's counter) then run one after another instead
	// of conflicting on it and retrying, which under a steady stream from several nodes
	// can exhaust the retries. It is a hint on top of conflict detection, which stays:
	// transactions that do not lock still conflict as usual. It must be the first call
	// of the transaction (ErrLockNotFirst otherwise: a lock taken after a read would
	// come after the read's snapshot) and at most one per transaction; keys are locked
	// by a hash, so two keys may share a lock (they queue together, nothing more). The
	// wait is bounded by the Update's context. ErrReadOnly in a View. Stores with a
	// single writer process (Badger, where the caller's own locks already order its
	// writers) take no lock.
	Lock(key []byte) error
}

// IteratorOptions choose what an iterator visits.
type IteratorOptions struct {
	// Prefix limits the iteration to keys starting with it (nil: every key).
	Prefix []byte
	// PrefetchValues and PrefetchSize are hints (Badger reads values ahead; PostgreSQL
	// fetches rows in pages of PrefetchSize, default 256).
	PrefetchValues bool
	PrefetchSize   int
}

// Iterator walks keys in order, Badger style: for it.Rewind(); it.Valid(); it.Next().
type Iterator interface {
	Rewind()
	// Seek moves to the first key >= key (within the prefix).
	Seek(key []byte)
	Valid() bool
	Next()
	Item() Item
	// Err reports why iteration stopped early; the enclosing View or Update returns it
	// too.
	Err() error
	Close()
}

// Item is one key and its value.
type Item interface {
	Key() []byte
	KeyCopy(dst []byte) []byte
	// Value calls fn with the value; the slice is valid only inside fn.
	Value(fn func([]byte) error) error
	ValueCopy(dst []byte) ([]byte, error)
}

// WriteBatch collects blind writes; Flush commits them, Cancel drops them.
type WriteBatch interface {
	Set(key, value []byte) error
	Delete(key []byte) error
	Flush(ctx context.Context) error
	Cancel()
}

// Sequence hands out increasing ids.
type Sequence interface {
	Next() (uint64, error)
	Release() error
}

// Change is one committed write seen in the feed.
type Change struct {
	Pos     uint64 // position of the transaction that wrote it; equal within one transaction
	Key     []byte
	Deleted bool
}

// Errors of the contract. Implementations wrap them, so test with errors.Is.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("kv: key not found")
	// ErrConflict: a concurrent transaction changed what this one read or wrote; nothing
	// was written and the transaction may be retried from the start.
	ErrConflict = errors.New("kv: transaction conflict, retry")
	// ErrUnavailable: the store could not be reached before the caller's deadline (the
	// database is down or restarting). The store reconnects by itself; the call may be
	// retried later.
	ErrUnavailable = errors.New("kv: store unavailable")
	// ErrCommitUnknown: the connection broke after COMMIT was sent, so the transaction
	// may or may not have committed. It comes wrapped together with ErrUnavailable.
	// Callers whose writes are not idempotent check the store before retrying.
	ErrCommitUnknown = errors.New("kv: connection lost during commit, outcome unknown")
	// ErrTxnTooBig: one transaction holds more writes than the store accepts.
	ErrTxnTooBig = errors.New("kv: transaction too big")
	// ErrReadOnly: a write in a View.
	ErrReadOnly = errors.New("kv: write in a read-only transaction")
	// ErrLockNotFirst: Txn.Lock called after another call of the transaction, or twice.
	ErrLockNotFirst = errors.New("kv: lock must be the transaction's first and only lock")
	// ErrFeedGone: the requested feed position is older than what the store keeps.
	ErrFeedGone = errors.New("kv: change feed position no longer available")
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("kv: store closed")
	// ErrSchemaTooNew: the database was written by a newer wajah with a schema this one
	// does not know; it refuses to touch it.
	ErrSchemaTooNew = errors.New("kv: store schema is newer than this binary")
)

// Retry runs Update until it does not fail with ErrConflict, at most attempts times.
// Between attempts it sleeps a random time below a bound that doubles from 1 ms up
// to 50 ms, so that transactions which keep colliding on a hot key (two nodes bumping
// one gallery's counter) fall out of step instead of conflicting again in lockstep.
func Retry(ctx context.Context, s Store, attempts int, fn func(Txn) error) (uint64, error) {
	var (
		pos uint64
		err error
	)
	bound := time.Millisecond
	for i := range max(attempts, 1) {
		if i > 0 {
			t := time.NewTimer(rand.N(bound))
			select {
			case <-ctx.Done():
				t.Stop()
				return pos, err
			case <-t.C:
			}
			bound = min(2*bound, maxRetryBackoff)
		}
		pos, err = s.Update(ctx, fn)
		if !errors.Is(err, ErrConflict) || ctx.Err() != nil {
			return pos, err
		}
	}
	return pos, err
}

const maxRetryBackoff = 50 * time.Millisecond
