package plsim_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/pedulilindungi/plsim"
)

func provider(t *testing.T, url string, headers map[string]string, timeout time.Duration) *pedulilindungi.HTTP {
	t.Helper()
	p, err := pedulilindungi.NewHTTP(pedulilindungi.HTTPConfig{BaseURL: url, Token: "tok", Headers: headers,
		Timeout: timeout, Retries: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	budi  = plsim.Seed()[0]
	agus  = plsim.Seed()[2]
	visit = pedulilindungi.Checkin{NIK: budi.NIK, Venue: "VENUE-001", Direction: pedulilindungi.DirectionIn, TrxID: "t1"}
)

// Every simulator fault produces its code, on register and on check-in.
func TestFaultsGiveTheirCodes(t *testing.T) {
	sim := plsim.New(plsim.Config{Token: "tok", Delay: 3 * time.Second, Logger: quiet})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	tests := []struct {
		fault         plsim.Fault
		register, chk error // nil: success
	}{
		{plsim.FaultDelay, pedulilindungi.ErrTimeout, pedulilindungi.ErrTimeout},
		{plsim.Fault500, pedulilindungi.ErrUnknown, pedulilindungi.ErrUnknown},
		{plsim.Fault5xx, pedulilindungi.ErrNoResponse, pedulilindungi.ErrNoResponse},
		{plsim.FaultHangup, pedulilindungi.ErrNoResponse, pedulilindungi.ErrNoResponse},
		{plsim.FaultMalformed, pedulilindungi.ErrMalformed, pedulilindungi.ErrMalformed},
		{plsim.FaultIncomplete, pedulilindungi.ErrIncomplete, pedulilindungi.ErrIncomplete},
		{plsim.Fault404, pedulilindungi.ErrNotFound, pedulilindungi.ErrNotFound},
		{plsim.FaultExpired, pedulilindungi.ErrTokenExpired, pedulilindungi.ErrTokenExpired},
		{plsim.FaultUnknownNIK, pedulilindungi.ErrNotEnrolled, pedulilindungi.ErrNotEnrolled},
		{plsim.FaultReject, pedulilindungi.ErrRejected, nil},
	}
	if len(tests) != len(plsim.Faults) {
		t.Fatalf("table covers %d faults, simulator has %d", len(tests), len(plsim.Faults))
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			p := provider(t, ts.URL, map[string]string{"X-Plsim-Fault": string(tt.fault)}, time.Second) // generous: CI machines are loaded
			before := len(sim.Checkins())
			_, err := p.Register(context.Background(), pedulilindungi.Registration{NIK: budi.NIK, Name: budi.Name})
			if !errors.Is(err, tt.register) || (err == nil) != (tt.register == nil) {
				t.Errorf("register: %v, want %v", err, tt.register)
			}
			_, err = p.Checkin(context.Background(), visit)
			if !errors.Is(err, tt.chk) || (err == nil) != (tt.chk == nil) {
				t.Errorf("checkin: %v, want %v", err, tt.chk)
			}
			if tt.chk != nil && tt.fault != plsim.FaultDelay && len(sim.Checkins()) != before {
				t.Errorf("failed check-in was recorded")
			}
		})
	}
}

func TestHappyPathAndNaturalErrors(t *testing.T) {
	sim := plsim.New(plsim.Config{Token: "tok", Logger: quiet})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	p := provider(t, ts.URL, nil, time.Second)
	ctx := context.Background()

	r, err := p.Register(ctx, pedulilindungi.Registration{NIK: agus.NIK, Name: agus.Name})
	if err != nil || !r.Success || r.UserStatus != pedulilindungi.Red || len(r.Raw) == 0 {
		t.Fatalf("register seeded: %+v %v", r, err)
	}
	if _, err := p.Register(ctx, pedulilindungi.Registration{NIK: agus.NIK, Name: "Someone Else"}); !errors.Is(err, pedulilindungi.ErrRejected) {
		t.Errorf("name mismatch: %v, want 603", err)
	}
	r, err = p.Checkin(ctx, pedulilindungi.Checkin{NIK: agus.NIK, Venue: "VENUE-002", Direction: pedulilindungi.DirectionOut})
	if err != nil || r.UserStatus != pedulilindungi.Red {
		t.Fatalf("checkout: %+v %v", r, err)
	}
	if c := sim.Checkins(); len(c) != 1 || c[0].Direction != "checkout" || c[0].NIK != agus.NIK {
		t.Errorf("recorded %+v", c)
	}
	if _, err := p.Checkin(ctx, pedulilindungi.Checkin{NIK: "9999999999999999", Venue: "VENUE-001", Direction: "checkin"}); !errors.Is(err, pedulilindungi.ErrNotEnrolled) {
		t.Errorf("unknown nik: %v, want 606", err)
	}
	// A newly registered NIK is green and can check in.
	if _, err := p.Register(ctx, pedulilindungi.Registration{NIK: "1111222233334444", Name: "Baru"}); err != nil {
		t.Fatal(err)
	}
	sim.SetStatus("1111222233334444", pedulilindungi.Yellow)
	r, err = p.Checkin(ctx, pedulilindungi.Checkin{NIK: "1111222233334444", Venue: "VENUE-001", Direction: "checkin"})
	if err != nil || r.UserStatus != pedulilindungi.Yellow {
		t.Errorf("new person: %+v %v", r, err)
	}
	// Wrong token: 611.
	bad, _ := pedulilindungi.NewHTTP(pedulilindungi.HTTPConfig{BaseURL: ts.URL, Token: "old", Logger: quiet})
	if _, err := bad.Checkin(ctx, visit); !errors.Is(err, pedulilindungi.ErrTokenExpired) {
		t.Errorf("wrong token: %v, want 611", err)
	}
	// Queued fault: next request only.
	sim.SetFault(plsim.Fault500, 1)
	if _, err := p.Checkin(ctx, visit); !errors.Is(err, pedulilindungi.ErrUnknown) {
		t.Errorf("queued fault: %v, want 600", err)
	}
	if _, err := p.Checkin(ctx, visit); err != nil {
		t.Errorf("after queued fault: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p, _ := pedulilindungi.NewHTTP(pedulilindungi.HTTPConfig{BaseURL: "http://" + addr, Retries: 2, Backoff: time.Millisecond, Logger: quiet})
	_, err = p.Checkin(context.Background(), visit)
	if !errors.Is(err, pedulilindungi.ErrUnreachable) {
		t.Errorf("closed port: %v, want 607", err)
	}
}

// Register is retried after a gateway failure; a check-in is not (it may have been seen).
func TestRetryOnlyWhereSafe(t *testing.T) {
	sim := plsim.New(plsim.Config{Logger: quiet})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	p, _ := pedulilindungi.NewHTTP(pedulilindungi.HTTPConfig{BaseURL: ts.URL, Retries: 2, Backoff: time.Millisecond, Logger: quiet})
	ctx := context.Background()
	sim.SetFault(plsim.Fault5xx, 2)
	if _, err := p.Register(ctx, pedulilindungi.Registration{NIK: budi.NIK, Name: budi.Name}); err != nil {
		t.Errorf("register after two 503s with 2 retries: %v", err)
	}
	sim.SetFault(plsim.Fault5xx, 1)
	if _, err := p.Checkin(ctx, visit); !errors.Is(err, pedulilindungi.ErrNoResponse) {
		t.Errorf("checkin after 503: %v, want 605 (no retry)", err)
	}
	if n := len(sim.Checkins()); n != 0 {
		t.Errorf("%d check-ins recorded, want 0", n)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
