package engine

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// Audit rows record every operation: trx_id, operation, outcome and timings, with the
// person only as a keyed hash. Mutations write their row in their own transaction (the
// row is as durable as the change). Reads (verify, identify, compare) queue their row
// to a background writer that commits batches, so a verify does not wait for an fsync;
// a crash may lose the last few read rows, never a mutation's.

// auditTxn adds the row for a mutation to its transaction.
func (e *Engine) auditTxn(txn kv.Txn, a auditRecord) error {
	if a.At == 0 {
		a.At = time.Now().UnixNano()
	}
	return txn.Set(timeKey(tabAudit, a.At), a.encode())
}

// auditAsync queues the row of a read.
func (e *Engine) auditAsync(a auditRecord) {
	if a.At == 0 {
		a.At = time.Now().UnixNano()
	}
	e.audit.send(a)
}

// outcome is the audit text of an error.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

const auditLinger = 20 * time.Millisecond

type auditWriter struct {
	db      kv.Store
	log     *slog.Logger
	ch      chan auditRecord
	done    chan struct{}
	dropped atomic.Int64
}

func newAuditWriter(db kv.Store, log *slog.Logger) *auditWriter {
	w := &auditWriter{db: db, log: log, ch: make(chan auditRecord, auditQueueCapacity), done: make(chan struct{})}
	go w.run()
	return w
}

// send never blocks a request: when the queue is full the row is dropped and counted.
func (w *auditWriter) send(a auditRecord) {
	select {
	case w.ch <- a:
	default:
		if w.dropped.Add(1)%1000 == 1 {
			w.log.Warn("audit queue full, rows dropped", "dropped", w.dropped.Load())
		}
	}
}

// run commits batches: the first row of a batch waits at most auditLinger for others,
// so a busy server pays one fsync per batch rather than one per verify.
func (w *auditWriter) run() {
	defer close(w.done)
	batch := make([]auditRecord, 0, 256)
	for a := range w.ch {
		batch = append(batch[:0], a)
		linger := time.NewTimer(auditLinger)
	drain:
		for len(batch) < cap(batch) {
			select {
			case a, ok := <-w.ch:
				if !ok {
					break drain
				}
				batch = append(batch, a)
			case <-linger.C:
				break drain
			}
		}
		linger.Stop()
		if err := w.write(batch); err != nil {
			w.log.Error("audit write failed", "rows", len(batch), "err", err)
		}
	}
}

func (w *auditWriter) write(batch []auditRecord) error {
	wb := w.db.NewWriteBatch()
	for _, a := range batch {
		if err := wb.Set(timeKey(tabAudit, a.At), a.encode()); err != nil {
			wb.Cancel()
			return err
		}
	}
	return wb.Flush(context.Background())
}

// close flushes the queue; no send may follow (Close guarantees no call is in flight).
func (w *auditWriter) close() {
	if w == nil {
		return
	}
	close(w.ch)
	<-w.done
}

// AuditEntry is one audit row as read back by Audit.
type AuditEntry struct {
	At                    time.Time
	TrxID, Op, Outcome    string
	Tenant, Gallery       string
	Subject               []byte        // keyed hash of the person id, or nil
	Actor                 string        // who asked for a privileged change (replace), or ""
	Total, Extract, Store time.Duration // Store: commit for writes, index search for identify
}

// Audit returns up to limit audit rows, oldest first (operator tools and tests).
func (e *Engine) Audit(limit int) ([]AuditEntry, error) {
	if err := e.enter(); err != nil {
		return nil, err
	}
	defer e.exit()
	var out []AuditEntry
	err := e.view(func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: []byte{tabAudit}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			err := it.Item().Value(func(v []byte) error {
				a, err := decodeAudit(v)
				if err != nil {
					return err
				}
				out = append(out, AuditEntry{
					At: time.Unix(0, a.At), TrxID: a.TrxID, Op: a.Op, Outcome: a.Outcome,
					Tenant: a.Tenant, Gallery: a.Gallery, Subject: a.Subject,
					Total: a.Total, Extract: a.Extract, Store: a.Store, Actor: a.Actor,
				})
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
