package pedulilindungi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wajah-id/wajah/engine"
)

// Ledger is the part of engine.Service the local provider uses.
type Ledger interface {
	RecordCheckin(ctx context.Context, r engine.CheckinRecord) error
	SetUserStatus(ctx context.Context, nik, status string) error
	UserStatus(ctx context.Context, nik string) (string, error)
}

// Local is the Provider for venues without the external service: registration always
// succeeds, statuses are set by an operator (`wajah status set`) and check-ins are recorded
// in wajah's own store. A NIK without a status gets DefaultStatus.
type Local struct {
	Ledger        Ledger
	DefaultStatus string // default green
	Now           func() time.Time
}

var _ Provider = (*Local)(nil)

// Name implements Provider.
func (l *Local) Name() string { return "local" }

func (l *Local) status(ctx context.Context, nik string) (string, error) {
	s, err := l.Ledger.UserStatus(ctx, nik)
	if errors.Is(err, engine.ErrPersonNotFound) || (err == nil && s == "") {
		if l.DefaultStatus != "" {
			return l.DefaultStatus, nil
		}
		return Green, nil
	}
	return s, err
}

// Register implements Provider; it writes nothing. The reply carries no colour: a NIK's
// health status is personal data for a check-in that a face has verified, not for anyone
// who merely names the NIK (and a NIK nobody set would otherwise read as green).
func (l *Local) Register(ctx context.Context, r Registration) (Reply, error) {
	return newReply("registered", map[string]string{"nik": r.NIK, "name": r.Name}), nil
}

// Checkin implements Provider: one ledger record with the person's current status.
func (l *Local) Checkin(ctx context.Context, c Checkin) (Reply, error) {
	if c.Direction != DirectionIn && c.Direction != DirectionOut {
		return Reply{}, fmt.Errorf("%w: direction %q", ErrInvalid, c.Direction)
	}
	s, err := l.status(ctx, c.NIK)
	if err != nil {
		return Reply{}, err
	}
	at := c.At
	if at.IsZero() {
		at = time.Now()
		if l.Now != nil {
			at = l.Now()
		}
	}
	rec := engine.CheckinRecord{Tenant: c.Tenant, Gallery: c.Gallery, NIK: c.NIK, Venue: c.Venue,
		Direction: c.Direction, Latitude: c.Latitude, Longitude: c.Longitude, At: at, UserStatus: s, TrxID: c.TrxID}
	if err := l.Ledger.RecordCheckin(ctx, rec); err != nil {
		return Reply{}, err
	}
	r := newReply(c.Direction+" recorded", map[string]string{"nik": c.NIK, "venue_id": c.Venue,
		"direction": c.Direction, "user_status": s, "timestamp": at.UTC().Format(time.RFC3339)})
	r.UserStatus = s
	return r, nil
}
