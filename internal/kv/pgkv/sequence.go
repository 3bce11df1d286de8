package pgkv

import (
	"context"
	"strconv"
	"sync"
)

// sequence leases blocks of ids with one atomic increment of its row; ids of a lease
// not handed out before the process ends are skipped, never reused (as in Badger).
type sequence struct {
	s       *Store
	key     string
	bw      uint64
	mu      sync.Mutex
	cur, to uint64 // next id to hand out; end of the lease (exclusive)
}

func (q *sequence) Next() (uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cur >= q.to {
		if err := q.lease(); err != nil {
			return 0, err
		}
	}
	id := q.cur
	q.cur++
	return id, nil
}

func (q *sequence) lease() error {
	if err := q.s.enter(); err != nil {
		return err
	}
	defer q.s.exit()
	ctx, cancel := q.s.bound(context.Background())
	defer cancel()
	bw := strconv.FormatUint(q.bw, 10)
	var end int64
	err := q.s.retry(ctx, func(ctx context.Context) error {
		return q.s.pool.QueryRow(ctx, `INSERT INTO wajah_seq (k, next) VALUES ($1, $2::bigint)
			ON CONFLICT (k) DO UPDATE SET next = wajah_seq.next + $2::bigint RETURNING next`,
			[]byte(q.key), bw).Scan(&end)
	})
	if err != nil {
		return err
	}
	q.to = uint64(end)
	q.cur = q.to - q.bw
	return nil
}

// Release is a no-op: returning the unused part of a lease would race with other
// nodes leasing from the same row.
func (q *sequence) Release() error { return nil }
