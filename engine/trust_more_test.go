package engine

import (
	"errors"
	"math"
	"os"
	"testing"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/internal/kv"
)

func TestIdentifiersNormalised(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	enroll(t, e, "acme", "g", "１２３４", "p1/a") // fullwidth digits, as some keyboards type them
	if r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "1234", Image: img("p1/b")}); err != nil || !r.Verified || r.Person.ID != "1234" {
		t.Fatalf("ASCII NIK after fullwidth enrolment: %+v %v", r.Person, err)
	}
	if err := e.SetUserStatus(ctx, "５６", "red"); err != nil {
		t.Fatal(err)
	}
	if s, err := e.UserStatus(ctx, "56"); err != nil || s != "red" {
		t.Fatalf("status of the ASCII NIK: %q %v", s, err)
	}
	for _, id := range []string{"12\n34", "12\x0034", "12\u008534", "12\t3"} {
		if _, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: id, Image: img("p2/a")}); !errors.Is(err, ErrInvalid) {
			t.Errorf("id %q: %v, want ErrInvalid", id, err)
		}
		if _, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: "9", Name: id, Image: img("p2/a")}); !errors.Is(err, ErrInvalid) {
			t.Errorf("name %q: %v, want ErrInvalid", id, err)
		}
	}
}

func TestPerComparisonFAR(t *testing.T) {
	for _, tc := range []struct {
		far  float64
		n    int
		want float64
	}{{1e-3, 1, 1e-3}, {1e-3, 1000, 1.0005e-6}, {0.5, 2, 1 - math.Sqrt(0.5)}} {
		if got := PerComparisonFAR(tc.far, tc.n); math.Abs(got-tc.want) > 1e-4*tc.want {
			t.Errorf("f(%g, %d) = %g, want %g", tc.far, tc.n, got, tc.want)
		}
		// The definition: 1-(1-f)^N is the FAR per search.
		if got := 1 - math.Pow(1-PerComparisonFAR(tc.far, tc.n), float64(tc.n)); math.Abs(got-tc.far) > 1e-9 {
			t.Errorf("search FAR %g, want %g", got, tc.far)
		}
	}
}

func TestCalibrationTable(t *testing.T) {
	tab, ok := calibTables[embed.BaseModelID]
	if !ok || tab.Pairs < 1_000_000 {
		t.Fatalf("no table for %s (or %d pairs)", embed.BaseModelID, tab.Pairs)
	}
	prev := float32(-2)
	for lf := 0.0; lf >= -12; lf -= 0.1 {
		c, ok := CalibratedCosine(embed.BaseModelID, math.Pow(10, lf))
		if !ok || c < prev {
			t.Fatalf("cosine at FAR 1e%.1f = %v after %v: the curve must rise as FAR falls", lf, c, prev)
		}
		prev = c
	}
	if _, ok := CalibratedCosine("other-model", 1e-3); ok {
		t.Fatal("a model without a table must not be calibrated")
	}
	// The table's own definition at a row.
	if c, _ := CalibratedCosine(embed.BaseModelID, 1e-5); math.Abs(float64(c)-tab.Points[20].Cos) > 1e-6 || tab.Points[20].LogFAR != -5 {
		t.Fatalf("cosine at 1e-5 %v, row %+v", c, tab.Points[20])
	}
}

// The identify threshold rises with the gallery: a stranger who matches in a gallery of
// one at a permissive request threshold does not in a gallery of thousands.
func TestIdentifyThresholdGrowsWithGallery(t *testing.T) {
	e := openReal(t, nil)
	if _, err := e.Enroll(ctx, enrollReq("1", obamaA, t)); err != nil {
		t.Fatal(err)
	}
	g := e.mustLookup(t, "venue", "g")
	t1 := e.identifyThreshold(g, e.opts.Threshold)
	for i := range 2000 { // pad the index with random unit vectors (never returned: no rows)
		v := gauss(string(rune(i)), g.rec.Dim)
		if err := g.index().Add(uint64(1_000_000+i), unit(v)); err != nil {
			t.Fatal(err)
		}
	}
	t2k := e.identifyThreshold(g, e.opts.Threshold)
	cos1, _ := CalibratedCosine(embed.BaseModelID, PerComparisonFAR(DefaultIdentifyFAR, 1))
	cos2k, _ := CalibratedCosine(embed.BaseModelID, PerComparisonFAR(DefaultIdentifyFAR, 2001))
	if t1 != max(e.opts.Threshold, embed.Similarity(cos1)) || t2k != embed.Similarity(cos2k) || !(t2k > t1) {
		t.Fatalf("threshold at N=1 %.4f, at N=2001 %.4f", t1, t2k)
	}
	// The same person still identifies in the large gallery (similarity ~0.9+).
	r, err := e.Identify(ctx, IdentifyRequest{Tenant: "venue", Gallery: "g", Image: photo(t, obamaB)})
	if err != nil || r.Matches[0].Person.ID != "1" || r.Matches[0].Similarity < t2k {
		t.Fatalf("identify: %+v %v", r.Matches, err)
	}
}

func TestErasePerson(t *testing.T) {
	o := testOptions(t, t.TempDir())
	o.ExactBelow = -1 // HNSW, so snapshots exist
	e := openTest(t, o, newFake())
	enroll(t, e, "acme", "g1", "3201", "alice/1")
	enroll(t, e, "acme", "g2", "3201", "alice/2")
	enroll(t, e, "beta", "g1", "3201", "alice/3")
	enroll(t, e, "acme", "g1", "3202", "bob/1")
	for _, nik := range []string{"3201", "3202"} {
		if err := e.RecordCheckin(ctx, CheckinRecord{Tenant: "acme", NIK: nik, Venue: "V", Direction: "checkin"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.SetUserStatus(ctx, "3201", "red"); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil { // writes the snapshots
		t.Fatal(err)
	}
	e = openTest(t, o, newFake())
	defer e.Close()
	rep, err := e.ErasePerson(ctx, "３２０１")
	if err != nil || rep.Galleries != 3 || rep.Checkins != 1 || !rep.Status {
		t.Fatalf("erase: %+v %v", rep, err)
	}
	for _, g := range []struct{ tenant, gallery string }{{"acme", "g1"}, {"acme", "g2"}, {"beta", "g1"}} {
		if _, err := e.Verify(ctx, VerifyRequest{Tenant: g.tenant, Gallery: g.gallery, PersonID: "3201", Image: img("alice/9")}); !errors.Is(err, ErrPersonNotFound) {
			t.Fatalf("%v: verify after erase: %v", g, err)
		}
		if r, err := e.Identify(ctx, IdentifyRequest{Tenant: g.tenant, Gallery: g.gallery, Image: img("alice/9")}); !errors.Is(err, ErrNotVerified) {
			t.Fatalf("%v: identify after erase: %+v %v", g, r.Matches, err)
		}
		gg := e.mustLookup(t, g.tenant, g.gallery)
		if _, err := os.Stat(e.snapshotPath(gg.rec.GID)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%v: snapshot with the erased vectors still on disk: %v", g, err)
		}
	}
	if s, _ := e.UserStatus(ctx, "3201"); s != e.opts.DefaultUserStatus {
		t.Fatalf("status after erase %q", s)
	}
	rows, _ := e.Checkins(ctx, 100)
	if len(rows) != 1 || rows[0].NIK != "3202" {
		t.Fatalf("ledger after erase: %+v", rows)
	}
	if _, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g1", PersonID: "3202", Image: img("bob/2")}); err != nil {
		t.Fatalf("another person: %v", err)
	}
	checkInvariants(t, e)
}

func TestExpireRows(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	old, recent := time.Now().Add(-40*24*time.Hour), time.Now().Add(-time.Hour)
	for _, at := range []time.Time{old, old, recent} {
		if err := e.RecordCheckin(ctx, CheckinRecord{Tenant: "acme", NIK: "1", Venue: "V", Direction: "checkin", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.update(func(txn kv.Txn) error {
		return e.auditTxn(txn, auditRecord{Op: "old", Outcome: "ok", At: old.UnixNano()})
	}); err != nil {
		t.Fatal(err)
	}
	n, err := e.ExpireRows(ctx, time.Now().Add(-30*24*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("expired %d, %v; want 2 ledger + 1 audit", n, err)
	}
	rows, _ := e.Checkins(ctx, 100)
	if len(rows) != 1 || !rows[0].At.Equal(time.Unix(0, recent.UnixNano())) {
		t.Fatalf("ledger left: %+v", rows)
	}
	a, _ := e.Audit(1000)
	for _, r := range a {
		if r.Op == "old" {
			t.Fatal("old audit row kept")
		}
	}
}
