package pedulilindungi

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wajah-id/wajah/engine"
)

// ledger is an in-memory Ledger that can fail.
type ledger struct {
	statuses map[string]string
	records  []engine.CheckinRecord
	fail     error
}

func (l *ledger) RecordCheckin(_ context.Context, r engine.CheckinRecord) error {
	if l.fail != nil {
		return l.fail
	}
	l.records = append(l.records, r)
	return nil
}
func (l *ledger) SetUserStatus(_ context.Context, nik, s string) error {
	l.statuses[nik] = s
	return nil
}
func (l *ledger) UserStatus(_ context.Context, nik string) (string, error) {
	s, ok := l.statuses[nik]
	if !ok {
		return "", engine.ErrPersonNotFound
	}
	return s, nil
}

func TestLocal(t *testing.T) {
	l := &ledger{statuses: map[string]string{"1": Black}}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &Local{Ledger: l, Now: func() time.Time { return at }}
	ctx := context.Background()
	r, err := p.Checkin(ctx, Checkin{Tenant: "t", Gallery: "g", NIK: "1", Venue: "V", Direction: DirectionOut, TrxID: "x"})
	if err != nil || r.UserStatus != Black || !r.Success || len(r.Raw) == 0 {
		t.Fatalf("%+v %v", r, err)
	}
	want := engine.CheckinRecord{Tenant: "t", Gallery: "g", NIK: "1", Venue: "V", Direction: DirectionOut, At: at, UserStatus: Black, TrxID: "x"}
	if len(l.records) != 1 || l.records[0] != want {
		t.Errorf("records %+v", l.records)
	}
	if r, _ := p.Checkin(ctx, Checkin{NIK: "2", Venue: "V", Direction: DirectionIn}); r.UserStatus != Green {
		t.Errorf("default status %q", r.UserStatus)
	}
	if _, err := p.Checkin(ctx, Checkin{NIK: "2", Venue: "V", Direction: "sideways"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad direction: %v", err)
	}
	l.fail = errors.New("disk full")
	if _, err := p.Checkin(ctx, Checkin{NIK: "1", Venue: "V", Direction: DirectionIn}); err == nil || len(l.records) != 2 {
		t.Errorf("ledger failure: %v, %d records", err, len(l.records))
	}
}

func TestParseQR(t *testing.T) {
	for in, want := range map[string][2]string{
		"checkin:VENUE-1": {"checkin", "VENUE-1"}, "CHECKOUT:a:b": {"checkout", "a:b"}, " checkin:x ": {"checkin", "x"},
		"checkin:": {}, "enter:x": {}, "": {}, "checkin": {},
	} {
		d, v, err := ParseQR(in)
		if (err != nil) != (want[0] == "") || d != want[0] || v != want[1] {
			t.Errorf("%q: %q %q %v", in, d, v, err)
		}
	}
}
