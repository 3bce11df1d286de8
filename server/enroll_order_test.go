package server

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/wajah-id/wajah/pedulilindungi"
)

// countingProvider counts registrations on top of the local provider.
type countingProvider struct {
	pedulilindungi.Provider
	registers atomic.Int32
}

func (c *countingProvider) Register(ctx context.Context, r pedulilindungi.Registration) (pedulilindungi.Reply, error) {
	c.registers.Add(1)
	return c.Provider.Register(ctx, r)
}

// An image refused by the quality gate never reaches the check-in service: the NIK is
// registered only for a face that will be stored.
func TestEnrollRegistersOnlyGatedFaces(t *testing.T) {
	var prov *countingProvider
	h := newHarness(t, func(f *fakeEngine) pedulilindungi.Provider {
		prov = &countingProvider{Provider: &pedulilindungi.Local{Ledger: f}}
		return prov
	}, Options{})
	for _, tc := range []struct{ image, code string }{
		{"noface", "412"}, {"small", "413"}, {"multi", "414"}, {"corrupt", "493"},
	} {
		body := with(enrollBody("g1", nikA, "alice"), "image", img(tc.image))
		if r := h.do("POST", plEnroll, "tok-a", body); r.status() != tc.code {
			t.Fatalf("%s: status %q, want %q: %s", tc.image, r.status(), tc.code, r.raw)
		}
	}
	if n := prov.registers.Load(); n != 0 {
		t.Fatalf("%d registrations for refused images, want 0", n)
	}
	if r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", nikA, "alice")); r.status() != "200" {
		t.Fatalf("good enroll: %s", r.raw)
	}
	if n := prov.registers.Load(); n != 1 {
		t.Fatalf("%d registrations after one good enrolment, want 1", n)
	}
}
