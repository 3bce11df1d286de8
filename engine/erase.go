package engine

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// EraseReport says what ErasePerson removed.
type EraseReport struct {
	Galleries int  // galleries (of any tenant) the person was enrolled in
	Checkins  int  // ledger rows of the NIK
	Status    bool // a status colour was set
}

// ErasePerson removes a person (NIK or user id) everywhere, as a data subject's erasure
// request under Indonesia's personal data protection law (UU PDP) requires: the person
// and their templates in every gallery of every tenant, their vectors from the in-memory
// indexes (HNSW tombstones are compacted) and from the index snapshots on disk (removed;
// the next checkpoint or Close writes them afresh), their check-in ledger rows and their
// status colour. Audit rows hold only keyed hashes and stay, plus one "erase" row. Badger
// drops the superseded versions of the deleted rows at its next compactions; they were
// sealed with the store key like every template.
func (e *Engine) ErasePerson(ctx context.Context, id string) (EraseReport, error) {
	var rep EraseReport
	if err := normIDs(&id); err != nil {
		return rep, err
	}
	if err := e.enter(); err != nil {
		return rep, err
	}
	e.mu.RLock()
	names := make([]galleryName, 0, len(e.mu.galleries))
	for n := range e.mu.galleries {
		names = append(names, n)
	}
	e.mu.RUnlock()
	e.exit() // DeletePerson enters itself: never hold the lifetime lock twice
	for _, n := range names {
		err := e.DeletePerson(ctx, n.tenant, n.name, id)
		switch {
		case errors.Is(err, ErrPersonNotFound), errors.Is(err, ErrGalleryNotFound):
			continue
		case err != nil:
			return rep, err
		}
		rep.Galleries++
		if err := e.scrubIndex(ctx, n); err != nil {
			return rep, err
		}
	}
	if err := e.enter(); err != nil {
		return rep, err
	}
	defer e.exit()
	var err error
	if rep.Checkins, err = e.eraseLedger(id); err != nil {
		return rep, err
	}
	err = e.updateCtx(ctx, func(txn kv.Txn) error {
		sk := e.keys.statusKey(id)
		_, err := txn.Get(sk)
		switch {
		case errors.Is(err, kv.ErrNotFound):
			rep.Status = false
		case err != nil:
			return err
		default:
			rep.Status = true
			if err := txn.Delete(sk); err != nil {
				return err
			}
		}
		return e.auditTxn(txn, auditRecord{Op: "erase", Outcome: "ok", Subject: e.keys.hash("nik", id)})
	})
	return rep, err
}

// scrubIndex drops an erased person's vectors from a gallery's memory and disk (over a
// shared store: from the store's snapshot).
func (e *Engine) scrubIndex(ctx context.Context, n galleryName) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	g, err := e.lookup(n.tenant, n.name)
	if err != nil {
		return nil // dropped meanwhile: nothing left to scrub
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if h, ok := g.index().(*index.HNSW); ok {
		h.Compact()
	}
	g.snapValid = false
	if e.opts.Store != "" {
		return e.withdrawStoreSnapshot(ctx, g) // storesnap.go
	}
	if err := os.Remove(e.snapshotPath(g.rec.GID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// eraseLedger deletes the ledger rows of a NIK (sealed, so every row is opened).
func (e *Engine) eraseLedger(nik string) (int, error) {
	var keys [][]byte
	err := e.view(func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: []byte{tabLedger}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			var l ledgerRecord
			if err := it.Item().Value(func(v []byte) (err error) { l, err = decodeLedger(v); return err }); err != nil {
				return err
			}
			got, err := e.keys.open(l.SealedNIK, k)
			if err != nil {
				return err
			}
			if string(got) == nik {
				keys = append(keys, k)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(keys), e.deleteKeys(keys)
}

// deleteKeys deletes rows in batches that fit a transaction.
func (e *Engine) deleteKeys(keys [][]byte) error {
	for len(keys) > 0 {
		n := min(len(keys), purgeBatchSize)
		wb := e.db.NewWriteBatch()
		for _, k := range keys[:n] {
			if err := wb.Delete(k); err != nil {
				wb.Cancel()
				return err
			}
		}
		if err := wb.Flush(context.Background()); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// ExpireRows deletes ledger and audit rows older than before (Options.RetentionDays runs
// it at Open and hourly). Both tables are keyed by time, so this reads only the expired
// keys. It returns the rows deleted.
func (e *Engine) ExpireRows(ctx context.Context, before time.Time) (int, error) {
	if err := e.enter(); err != nil {
		return 0, err
	}
	defer e.exit()
	total := 0
	for _, tab := range []byte{tabLedger, tabAudit} {
		stop := timeKey(tab, before.UnixNano())[:9] // table byte + nanos
		var keys [][]byte
		err := e.viewCtx(ctx, func(txn kv.Txn) error {
			it := txn.NewIterator(kv.IteratorOptions{Prefix: []byte{tab}})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				k := it.Item().KeyCopy(nil)
				if string(k[:min(len(k), 9)]) >= string(stop) {
					break
				}
				keys = append(keys, k)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		if err := e.deleteKeys(keys); err != nil {
			return total, err
		}
		total += len(keys)
	}
	return total, nil
}

// retentionLoop expires rows at start and every retentionEvery until stop closes.
func (e *Engine) retentionLoop(stop <-chan struct{}) {
	defer e.bg.Done()
	days := time.Duration(e.opts.RetentionDays) * 24 * time.Hour
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		n, err := e.ExpireRows(context.Background(), time.Now().Add(-days))
		switch {
		case errors.Is(err, ErrClosed):
			return
		case err != nil:
			e.log.Error("expiring ledger and audit rows failed", "err", err)
		case n > 0:
			e.log.Info("expired ledger and audit rows", "rows", n, "retention_days", e.opts.RetentionDays)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
