package pgkv

import (
	"bytes"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/wajah-id/wajah/internal/kv"
)

const defaultPageSize = 256

// iterator pages through a key range with keyset queries (k > last ORDER BY k LIMIT
// n) inside the transaction, so it sees the transaction's snapshot and its own
// writes, and never holds a server-side cursor across the caller's work.
type iterator struct {
	t        *txn
	prefix   []byte
	end      []byte // exclusive upper bound of the prefix; nil: none
	values   bool
	pageSize int

	page []*item
	i    int
	from []byte // next page starts at keys >= from (incl) or > from (!incl)
	incl bool
	more bool // the last page was full, so there may be more rows
	err  error
}

// NewIterator implements kv.Txn.
func (t *txn) NewIterator(o kv.IteratorOptions) kv.Iterator {
	t.used = true
	it := &iterator{t: t, prefix: bytes.Clone(o.Prefix), end: prefixEnd(o.Prefix), values: o.PrefetchValues, pageSize: o.PrefetchSize}
	if it.pageSize <= 0 {
		it.pageSize = defaultPageSize
	}
	return it
}

// prefixEnd is the smallest key above every key with prefix p, or nil when there is
// none (p empty or all 0xff).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (it *iterator) Rewind() { it.Seek(nil) }

func (it *iterator) Seek(key []byte) {
	if bytes.Compare(key, it.prefix) < 0 {
		key = it.prefix
	}
	it.from, it.incl = append([]byte{}, key...), true // never nil: NULL matches nothing
	it.fetch()
}

func (it *iterator) Valid() bool { return it.err == nil && it.i < len(it.page) }

func (it *iterator) Next() {
	if !it.Valid() {
		return
	}
	it.i++
	if it.i == len(it.page) && it.more {
		it.from, it.incl = it.page[len(it.page)-1].k, false
		it.fetch()
	}
}

func (it *iterator) Item() kv.Item { return it.page[it.i] }
func (it *iterator) Err() error    { return it.err }
func (it *iterator) Close()        {}

func (it *iterator) fetch() {
	it.page, it.i, it.more = it.page[:0], 0, false
	if it.err != nil {
		return
	}
	if it.t.err != nil {
		it.err = it.t.err
		return
	}
	cols := "k"
	if it.values {
		cols = "k, v"
	}
	op := ">"
	if it.incl {
		op = ">="
	}
	sql := "SELECT " + cols + " FROM wajah_kv WHERE k " + op + " $1"
	args := []any{it.from}
	if it.end != nil {
		sql += " AND k < $2"
		args = append(args, it.end)
	}
	sql += " ORDER BY k LIMIT " + strconv.Itoa(it.pageSize)
	var page []*item
	err := it.t.send(func(b *pgx.Batch) { b.Queue(sql, args...) }, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r := &item{}
			if it.values {
				err = rows.Scan(&r.k, &r.v)
			} else {
				err = rows.Scan(&r.k)
				r.lazy = it.t
			}
			if err != nil {
				return err
			}
			page = append(page, r)
		}
		return rows.Err()
	})
	if err != nil {
		if it.t.err == nil {
			it.t.fail(err)
		}
		it.err = it.t.err
		return
	}
	it.page, it.more = page, len(page) == it.pageSize
}
