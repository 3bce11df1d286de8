package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// RecordCheckin appends a check-in or check-out to the local ledger (durable on return).
// The NIK is sealed; the row key is time-ordered.
func (e *Engine) RecordCheckin(ctx context.Context, r CheckinRecord) error {
	if err := normIDs(&r.Tenant, &r.NIK); err != nil {
		return err
	}
	if err := validOptional(r.Gallery, r.Venue, r.TrxID); err != nil {
		return err
	}
	if r.Direction != "checkin" && r.Direction != "checkout" {
		return fmt.Errorf("%w: direction %q", ErrInvalid, r.Direction)
	}
	if r.UserStatus != "" && !validStatus(r.UserStatus) {
		return fmt.Errorf("%w: user status %q", ErrInvalid, r.UserStatus)
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	k := timeKey(tabLedger, r.At.UnixNano())
	rec := ledgerRecord{
		Tenant: r.Tenant, Gallery: r.Gallery, SealedNIK: e.keys.seal([]byte(r.NIK), k), Venue: r.Venue,
		Direction: r.Direction, Latitude: r.Latitude, Longitude: r.Longitude, At: r.At.UnixNano(),
		UserStatus: r.UserStatus, TrxID: r.TrxID,
	}
	return e.updateCtx(ctx, func(txn kv.Txn) error { return txn.Set(k, rec.encode()) })
}

// Checkins returns up to limit ledger rows, oldest first, NIKs decrypted (operator
// tools and tests).
func (e *Engine) Checkins(ctx context.Context, limit int) ([]CheckinRecord, error) {
	if err := e.enter(); err != nil {
		return nil, err
	}
	defer e.exit()
	var out []CheckinRecord
	err := e.viewCtx(ctx, func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: []byte{tabLedger}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			k := it.Item().KeyCopy(nil)
			var l ledgerRecord
			if err := it.Item().Value(func(v []byte) (err error) { l, err = decodeLedger(v); return err }); err != nil {
				return err
			}
			nik, err := e.keys.open(l.SealedNIK, k)
			if err != nil {
				return err
			}
			out = append(out, CheckinRecord{Tenant: l.Tenant, Gallery: l.Gallery, NIK: string(nik), Venue: l.Venue,
				Direction: l.Direction, Latitude: l.Latitude, Longitude: l.Longitude, At: time.Unix(0, l.At),
				UserStatus: l.UserStatus, TrxID: l.TrxID})
		}
		return nil
	})
	return out, err
}

// SetUserStatus sets the colour the local check-in provider reports for a NIK.
func (e *Engine) SetUserStatus(ctx context.Context, nik, status string) error {
	if err := normIDs(&nik); err != nil {
		return err
	}
	if !validStatus(status) {
		return fmt.Errorf("%w: status %q (green, yellow, red or black)", ErrInvalid, status)
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	return e.updateCtx(ctx, func(txn kv.Txn) error {
		if err := txn.Set(e.keys.statusKey(nik), statusRecord{Status: status, Updated: time.Now().UnixNano()}.encode()); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "set-status", Outcome: status, Subject: e.keys.hash("nik", nik)})
	})
}

// UserStatus returns the NIK's colour, or Options.DefaultUserStatus when none was set.
func (e *Engine) UserStatus(ctx context.Context, nik string) (string, error) {
	if err := normIDs(&nik); err != nil {
		return "", err
	}
	if err := e.enter(); err != nil {
		return "", err
	}
	defer e.exit()
	status := e.opts.DefaultUserStatus
	err := e.viewCtx(ctx, func(txn kv.Txn) error {
		item, err := txn.Get(e.keys.statusKey(nik))
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			s, err := decodeStatus(v)
			if err == nil {
				status = s.Status
			}
			return err
		})
	})
	return status, err
}
