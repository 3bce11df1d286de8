package pedulilindungi_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/pedulilindungi/plsim"
)

var quiet = slog.New(slog.DiscardHandler)

func checkin(nik string) pedulilindungi.Checkin {
	return pedulilindungi.Checkin{NIK: nik, Venue: "VENUE-001", Direction: pedulilindungi.DirectionIn, Latitude: -6.2, Longitude: 106.8}
}

// timed runs one check-in and returns its contract code (200 for success) and duration.
func timed(p pedulilindungi.Provider) (int, time.Duration) {
	t0 := time.Now()
	_, err := p.Checkin(context.Background(), checkin("3174010101900001"))
	d := time.Since(t0)
	if err == nil {
		return 200, d
	}
	for _, r := range []struct {
		err  error
		code int
	}{{pedulilindungi.ErrTimeout, 604}, {pedulilindungi.ErrNoResponse, 605}, {pedulilindungi.ErrUnreachable, 607}, {pedulilindungi.ErrUnknown, 600}, {pedulilindungi.ErrNotEnrolled, 606}} {
		if errors.Is(err, r.err) {
			return r.code, d
		}
	}
	return 500, d
}

// A hung simulator (every answer delayed past the client timeout) costs a timeout per call
// until the breaker opens; then calls fail at once with 607, one probe after the cool-down
// finds it still hung and reopens, and once it answers again the probe closes the circuit.
// Finally the simulator is shut down (connection refused): the breaker opens again.
func TestBreakerDeadSimulator(t *testing.T) {
	sim := plsim.New(plsim.Config{Token: "sim", Delay: 2 * time.Second, Logger: quiet})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	httpP, err := pedulilindungi.NewHTTP(pedulilindungi.HTTPConfig{BaseURL: ts.URL, Token: "sim", Timeout: 150 * time.Millisecond,
		Retries: 1, Backoff: 20 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	const cooldown = 400 * time.Millisecond
	b := pedulilindungi.NewBreaker(httpP, pedulilindungi.BreakerConfig{Failures: 3, Cooldown: cooldown})
	if c, _ := timed(b); c != 200 || b.State() != "closed" {
		t.Fatalf("healthy: %d %s", c, b.State())
	}

	sim.SetFault(plsim.FaultDelay, 0)
	var closedCost time.Duration
	for i := range 3 {
		c, d := timed(b)
		if c != 604 || d < 150*time.Millisecond {
			t.Fatalf("hung call %d: code %d in %v, want 604 after the timeout", i, c, d)
		}
		closedCost = max(closedCost, d)
	}
	if b.State() != "open" {
		t.Fatalf("after 3 timeouts: %s", b.State())
	}
	var openCost time.Duration
	for range 20 {
		c, d := timed(b)
		if c != 607 {
			t.Fatalf("open breaker: code %d", c)
		}
		openCost = max(openCost, d)
	}
	if openCost > 20*time.Millisecond {
		t.Errorf("open breaker took %v per call, want well under a millisecond", openCost)
	}
	t.Logf("failure latency: closed (hung simulator) up to %v per call, open up to %v per call", closedCost, openCost)

	time.Sleep(cooldown + 50*time.Millisecond) // half-open: one probe, still hung
	if c, d := timed(b); c != 604 || d < 150*time.Millisecond {
		t.Fatalf("probe: %d in %v", c, d)
	}
	if c, _ := timed(b); c != 607 {
		t.Fatalf("after a failed probe the breaker must be open again: %d", c)
	}
	sim.SetFault(plsim.FaultNone, 0)
	time.Sleep(cooldown + 50*time.Millisecond)
	if c, _ := timed(b); c != 200 || b.State() != "closed" {
		t.Fatalf("probe to a healthy service: %d %s", c, b.State())
	}
	// Answers that prove the service up never open the circuit.
	for range 5 {
		sim.SetFault(plsim.FaultUnknownNIK, 1)
		if c, _ := timed(b); c != 606 {
			t.Fatalf("unknown nik: %d", c)
		}
	}
	if b.State() != "closed" {
		t.Fatalf("business errors opened the breaker: %s", b.State())
	}

	ts.Close() // dead: connection refused
	for range 3 {
		if c, _ := timed(b); c != 607 {
			t.Fatalf("dead simulator: %d", c)
		}
	}
	if b.State() != "open" {
		t.Fatalf("after 3 refused connections: %s", b.State())
	}
	if c, d := timed(b); c != 607 || d > 20*time.Millisecond {
		t.Fatalf("open on a dead simulator: %d in %v", c, d)
	}
}
