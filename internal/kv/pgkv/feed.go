package pgkv

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wajah-id/wajah/internal/kv"
)

// Changes implements kv.Store.
//
// Why positions are transaction ids read only below the snapshot's xmin: a counter
// drawn inside a transaction (a sequence) is not in commit order, so a reader that
// saw change 11 committed could advance past change 10, still uncommitted, and never
// see it. A transaction's id is assigned before it writes, and every transaction
// below xmin has ended, so the rows below xmin are final: nothing can later appear
// below a position a reader has passed. The cost: a long-running writing
// transaction on the server holds the feed back (delays, never loses) until it ends.
func (s *Store) Changes(ctx context.Context, after uint64, limit int) ([]kv.Change, uint64, error) {
	if err := s.enter(); err != nil {
		return nil, after, err
	}
	defer s.exit()
	ctx, cancel := s.bound(ctx)
	defer cancel()
	limit = max(limit, 1)
	var (
		out  []kv.Change
		next uint64
	)
	err := s.retry(ctx, func(ctx context.Context) error {
		var err error
		out, next, err = s.changes(ctx, after, limit)
		return err
	})
	return out, next, err
}

// changes reads in one REPEATABLE READ snapshot, so the pruned mark, the head and the rows
// agree: read statement by statement, another node's PruneChanges committing between the
// mark and the rows would delete rows this reader is about to pass without ErrFeedGone.
func (s *Store) changes(ctx context.Context, after uint64, limit int) ([]kv.Change, uint64, error) {
	c, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, after, err
	}
	defer func() { _ = c.Rollback(context.WithoutCancel(ctx)) }() // read-only: nothing to commit
	var pruned int64
	if err := c.QueryRow(ctx, `SELECT pruned FROM wajah_feed`).Scan(&pruned); err != nil {
		return nil, after, err
	}
	if after < uint64(pruned) {
		return nil, after, kv.ErrFeedGone
	}
	head, err := s.head(ctx, c)
	if err != nil {
		return nil, after, err
	}
	if head <= after {
		return nil, after, nil
	}
	upTo := strconv.FormatUint(head, 10)
	// ORDER BY names the table's column: a bare "xid" would mean the output column
	// xid::text and sort as text, so a page across 999 -> 1000 listed 1000.. first and the
	// reader passed 964..999 unread (found by TestFeedStress).
	rows, err := c.Query(ctx, `SELECT xid::text, ord, k, deleted FROM wajah_change
		WHERE xid > $1::text::xid8 AND xid <= $2::text::xid8 ORDER BY wajah_change.xid, ord LIMIT $3`,
		strconv.FormatUint(after, 10), upTo, limit)
	if err != nil {
		return nil, after, err
	}
	out, lastOrd, err := scanChanges(rows, nil)
	if err != nil {
		return nil, after, err
	}
	if len(out) < limit {
		return out, head, nil
	}
	// Full page: finish the last transaction, so none is split across calls.
	last := out[len(out)-1].Pos
	rows, err = c.Query(ctx, `SELECT xid::text, ord, k, deleted FROM wajah_change
		WHERE xid = $1::text::xid8 AND ord > $2 ORDER BY ord`, strconv.FormatUint(last, 10), lastOrd)
	if err != nil {
		return nil, after, err
	}
	if out, _, err = scanChanges(rows, out); err != nil {
		return nil, after, err
	}
	return out, last, nil
}

func scanChanges(rows pgx.Rows, out []kv.Change) ([]kv.Change, int64, error) {
	defer rows.Close()
	var (
		xid     string
		ord     int64
		lastOrd int64
	)
	for rows.Next() {
		var ch kv.Change
		if err := rows.Scan(&xid, &ord, &ch.Key, &ch.Deleted); err != nil {
			return nil, 0, err
		}
		p, err := strconv.ParseUint(xid, 10, 64)
		if err != nil {
			return nil, 0, err
		}
		ch.Pos, lastOrd = p, ord
		out = append(out, ch)
	}
	return out, lastOrd, rows.Err()
}

// PruneChanges implements kv.Store.
func (s *Store) PruneChanges(ctx context.Context, pos uint64) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	ctx, cancel := s.bound(ctx)
	defer cancel()
	p := strconv.FormatUint(pos, 10)
	return s.retry(ctx, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE wajah_feed SET pruned = greatest(pruned, $1::bigint)`, p); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM wajah_change WHERE xid <= $1::text::xid8`, p)
			return err
		})
	})
}

// Wait implements kv.Store: a notification, the poll interval or a reconnect of the
// listener wakes it, then it re-reads the head.
func (s *Store) Wait(ctx context.Context, after uint64) error {
	for {
		ch := s.wake.chan_()
		if ch == nil {
			return kv.ErrClosed
		}
		h, err := s.Head(ctx)
		switch {
		case err == nil && h > after:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		}
		t := time.NewTimer(s.opts.PollInterval)
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		t.Stop()
	}
}

// listen holds one connection LISTENing on the feed channel and wakes waiters on
// each notification and after each reconnect (notifications sent while it was
// disconnected are lost, so waiters re-read).
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer s.bg.Done()
	backoff := 10 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			if _, err = conn.Exec(ctx, `LISTEN `+notifyChannel); err == nil {
				backoff = 10 * time.Millisecond
				s.wake.signal()
				for err == nil {
					if _, err = conn.WaitForNotification(ctx); err == nil {
						s.wake.signal()
					}
				}
			}
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(cctx)
			cancel()
		}
		if ctx.Err() != nil {
			return
		}
		s.opts.Logger.Debug("pgkv: feed listener reconnecting", "err", err)
		s.wake.signal()
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		backoff = min(2*backoff, maxBackoff)
	}
}

// broadcast wakes every goroutine waiting on the current channel.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{} // nil once closed
}

func newBroadcast() *broadcast { return &broadcast{ch: make(chan struct{})} }

func (b *broadcast) chan_() chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

func (b *broadcast) signal() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = make(chan struct{})
	}
}

func (b *broadcast) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// pruneEvery is how often the pruner samples the head and drops old feed rows.
var pruneEvery = time.Minute

// pruneLoop samples the feed head every pruneEvery and, once a sample is FeedKeep
// old, prunes the feed up to it: rows are dropped by age as this process saw it.
func (s *Store) pruneLoop(ctx context.Context) {
	defer s.bg.Done()
	if s.opts.FeedKeep < 0 {
		return
	}
	type mark struct {
		at  time.Time
		pos uint64
	}
	var marks []mark
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if h, err := s.Head(ctx); err == nil {
				marks = append(marks, mark{now, h})
			}
			upTo := uint64(0)
			for len(marks) > 0 && now.Sub(marks[0].at) >= s.opts.FeedKeep {
				upTo, marks = marks[0].pos, marks[1:]
			}
			if upTo > 0 {
				if err := s.PruneChanges(ctx, upTo); err != nil && ctx.Err() == nil {
					s.opts.Logger.Warn("pgkv: pruning the change feed failed", "err", err)
				}
			}
		}
	}
}
