package pgkv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wajah-id/wajah/internal/kv"
)

const (
	beginRW = `BEGIN ISOLATION LEVEL SERIALIZABLE`
	beginRO = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`

	sqlGet    = `SELECT v FROM wajah_kv WHERE k = $1`
	sqlUpsert = `INSERT INTO wajah_kv (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[])
		ON CONFLICT (k) DO UPDATE SET v = excluded.v`
	sqlDelete = `DELETE FROM wajah_kv WHERE k = ANY($1::bytea[])`
	sqlChange = `INSERT INTO wajah_change (k, deleted) SELECT * FROM unnest($1::bytea[], $2::boolean[])`
	sqlNotify = `SELECT pg_notify('` + notifyChannel + `', '')`
	sqlXID    = `SELECT pg_current_xact_id()::text`
	sqlLock   = `SELECT pg_advisory_lock($1::int4, $2::int4)`
	sqlUnlock = `SELECT pg_advisory_unlock_all()`

	// lockClass is the first key of Txn.Lock's advisory locks (the second is a hash
	// of the locked key): the two-int lock space is apart from the one-bigint space of
	// the schema lock, and the constant keeps other users of the database apart.
	lockClass = 0x77616a68 // "wajh"

	rollbackTimeout = time.Second
)

// txn is one transaction on one connection. Writes are buffered and sent, pipelined
// with BEGIN and the next read or with COMMIT, so an enrolment (one read, four
// writes) costs two round trips. The first failure poisons the transaction: every
// later call returns it, and View or Update returns it even when fn swallowed it.
type txn struct {
	ctx     context.Context
	conn    *pgx.Conn
	ro      bool
	used    bool // a call was made (Lock must come first)
	locked  bool // Lock's advisory lock is (or may be) held by the session
	begun   bool
	pending []op            // writes not yet sent, in order
	writes  map[string]bool // every key written, for the feed (true: deleted)
	err     error           // *attemptError
}

type op struct {
	key, value []byte
	del        bool
}

func newTxn(ctx context.Context, conn *pgx.Conn, ro bool) *txn {
	return &txn{ctx: ctx, conn: conn, ro: ro, writes: map[string]bool{}}
}

func (t *txn) fail(err error) error {
	mapped, transient := classify(err, t.conn.IsClosed())
	t.err = &attemptError{err: mapped, transient: transient}
	return t.err
}

// queue adds BEGIN (first time) and the buffered writes to b; reap reads their
// results back in the same order.
func (t *txn) queue(b *pgx.Batch) (n int) {
	if !t.begun {
		if t.ro {
			b.Queue(beginRO)
		} else {
			b.Queue(beginRW)
		}
		n++
	}
	if len(t.pending) == 0 {
		return n
	}
	// Keep the last write of each key: one INSERT ... ON CONFLICT may not touch a
	// row twice. Sets and deletes of distinct keys commute.
	last := make(map[string]int, len(t.pending))
	for i, o := range t.pending {
		last[string(o.key)] = i
	}
	var sk, sv, dk [][]byte
	for i, o := range t.pending {
		if last[string(o.key)] != i {
			continue
		}
		if o.del {
			dk = append(dk, o.key)
		} else {
			sk, sv = append(sk, o.key), append(sv, o.value)
		}
	}
	if len(sk) > 0 {
		b.Queue(sqlUpsert, sk, sv)
		n++
	}
	if len(dk) > 0 {
		b.Queue(sqlDelete, dk)
		n++
	}
	return n
}

func reap(br pgx.BatchResults, n int) error {
	for range n {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

// send runs b (BEGIN and pending writes first) and lets read consume the results of
// what the caller queued after them.
func (t *txn) send(extra func(*pgx.Batch), read func(pgx.BatchResults) error) error {
	if t.err != nil {
		return t.err
	}
	b := &pgx.Batch{}
	n := t.queue(b)
	extra(b)
	br := t.conn.SendBatch(t.ctx, b)
	err := reap(br, n)
	if err == nil {
		t.begun, t.pending = true, t.pending[:0]
		err = read(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// Lock implements kv.Txn with a session-level advisory lock taken before BEGIN, in
// a round trip of its own. Taken inside the transaction (pg_advisory_xact_lock) it
// would not help: a SERIALIZABLE transaction's snapshot is taken at its first
// statement, before that statement waits for the lock, so the waiter would read what
// the holder overwrote and conflict anyway. The lock is released in COMMIT's round
// trip, or by attempt (unlock) when the transaction ends otherwise.
func (t *txn) Lock(key []byte) error {
	if t.ro {
		return kv.ErrReadOnly
	}
	if t.err != nil {
		return t.err
	}
	if t.used {
		return kv.ErrLockNotFirst
	}
	t.used, t.locked = true, true // a failed call may still have taken it: unlock will check
	h := fnv.New32a()
	h.Write(key)
	if _, err := t.conn.Exec(t.ctx, sqlLock, int32(lockClass), int32(h.Sum32())); err != nil {
		return t.fail(err)
	}
	return nil
}

// unlock releases Lock's lock if COMMIT's round trip did not. A connection that
// cannot be unlocked is closed: the server frees a closed session's locks, and the
// pool drops a closed connection rather than reuse it with the lock held.
func (t *txn) unlock() {
	if !t.locked || t.conn.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), rollbackTimeout)
	defer cancel()
	if t.conn.PgConn().TxStatus() == 'I' {
		if _, err := t.conn.Exec(ctx, sqlUnlock); err == nil {
			t.locked = false
			return
		}
	}
	_ = t.conn.Close(ctx)
}

// Get implements kv.Txn.
func (t *txn) Get(key []byte) (kv.Item, error) {
	t.used = true
	var v []byte
	err := t.send(func(b *pgx.Batch) { b.Queue(sqlGet, key) },
		func(br pgx.BatchResults) error { return br.QueryRow().Scan(&v) })
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, kv.ErrNotFound
	case err != nil:
		if t.err == nil {
			return nil, t.fail(err)
		}
		return nil, t.err
	}
	return &item{k: bytes.Clone(key), v: v}, nil
}

// Set implements kv.Txn.
func (t *txn) Set(key, value []byte) error {
	if t.ro {
		return kv.ErrReadOnly
	}
	if t.err != nil {
		return t.err
	}
	t.used = true
	t.pending = append(t.pending, op{key: bytes.Clone(key), value: append([]byte{}, value...)}) // nil is empty, not NULL
	t.writes[string(key)] = false
	return nil
}

// Delete implements kv.Txn.
func (t *txn) Delete(key []byte) error {
	if t.ro {
		return kv.ErrReadOnly
	}
	if t.err != nil {
		return t.err
	}
	t.used = true
	t.pending = append(t.pending, op{key: bytes.Clone(key), del: true})
	t.writes[string(key)] = true
	return nil
}

// commit sends the pending writes, the feed rows, the notification and COMMIT in
// one round trip and returns the transaction id as the feed position.
func (t *txn) commit() (uint64, error) {
	if !t.begun && len(t.writes) == 0 {
		return 0, nil // nothing was read or written: nothing to commit
	}
	var xid string
	b := &pgx.Batch{}
	n := t.queue(b)
	if len(t.writes) > 0 {
		keys := make([][]byte, 0, len(t.writes))
		dels := make([]bool, 0, len(t.writes))
		for k, d := range t.writes {
			keys, dels = append(keys, []byte(k)), append(dels, d)
		}
		b.Queue(sqlChange, keys, dels)
		b.Queue(sqlNotify)
		b.Queue(sqlXID)
		n += 2
	}
	b.Queue(`COMMIT`)
	if t.locked {
		b.Queue(sqlUnlock) // skipped by the server if anything before it failed
	}
	br := t.conn.SendBatch(t.ctx, b)
	err := reap(br, n)
	if err == nil && len(t.writes) > 0 {
		err = br.QueryRow().Scan(&xid)
	}
	if err == nil {
		_, err = br.Exec()
	}
	if err == nil && t.locked {
		if _, uerr := br.Exec(); uerr == nil {
			t.locked = false // else attempt's unlock tries again, or drops the connection
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		mapped, transient := classify(err, t.conn.IsClosed())
		if transient && !pgconn.SafeToRetry(err) && len(t.writes) > 0 {
			// COMMIT may have reached the server: retrying could apply it twice.
			return 0, &attemptError{err: fmt.Errorf("%w: %w", kv.ErrCommitUnknown, mapped)}
		}
		if t.conn.PgConn().TxStatus() != 'I' {
			t.rollback()
		}
		return 0, &attemptError{err: mapped, transient: transient}
	}
	if xid == "" {
		return 0, nil
	}
	pos, err := strconv.ParseUint(xid, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pgkv: bad transaction id %q: %w", xid, err)
	}
	return pos, nil
}

// rollback ends a transaction that will not commit. Failing to reach the server is
// fine: the pool destroys a connection left inside a transaction.
func (t *txn) rollback() {
	if t.begun && !t.conn.IsClosed() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), rollbackTimeout)
		defer cancel()
		_, _ = t.conn.Exec(ctx, `ROLLBACK`)
	}
}

// item is one row; a key-only row (iterator without PrefetchValues) reads its value
// on demand.
type item struct {
	k, v []byte
	lazy *txn
}

func (i *item) Key() []byte               { return i.k }
func (i *item) KeyCopy(dst []byte) []byte { return append(dst[:0], i.k...) }

func (i *item) Value(fn func([]byte) error) error {
	if i.lazy != nil {
		it, err := i.lazy.Get(i.k)
		if err != nil {
			return err
		}
		i.v, i.lazy = it.(*item).v, nil
	}
	return fn(i.v)
}

func (i *item) ValueCopy(dst []byte) ([]byte, error) {
	var out []byte
	err := i.Value(func(v []byte) error { out = append(dst[:0], v...); return nil })
	return out, err
}
