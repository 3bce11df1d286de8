package engine

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/models"
)

// The attacks of issue 9 against the real pipeline (MTCNN + MobileFaceNet) on
// faces-small photos and a real Badger store. Each test fails on the engine before the
// guards: there, re-enrolling another face succeeded, a request could lower the
// threshold, and one face enrolled under any number of NIKs.

const facesSmall = "../../shared/data/faces-small"

var (
	realOnce sync.Once
	realPipe *embed.Pipeline
	realErr  error
)

func realEmbedder(t testing.TB) *embed.Pipeline {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real face pipeline; skipped in -short")
	}
	if _, err := os.Stat(facesSmall); err != nil {
		t.Skipf("test data %s not present: %v", facesSmall, err)
	}
	realOnce.Do(func() { realPipe, realErr = embed.New(embed.Options{}) })
	if errors.Is(realErr, models.ErrMissing) {
		t.Skipf("models missing: %v", realErr)
	}
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realPipe
}

func photo(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(facesSmall, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	obamaA = "face_recognition/examples/obama.jpg"
	obamaB = "face_recognition/examples/obama-480p.jpg"
	obamaC = "face_recognition/examples/obama2.jpg"
	biden  = "face_recognition/examples/biden.jpg"
	kit    = "face_recognition/examples/knn_examples/train/kit_harington/john2.jpeg"
)

func openReal(t testing.TB, mod func(*Options)) *Engine {
	t.Helper()
	pipe := realEmbedder(t)
	o := testOptions(t, t.TempDir())
	o.NoSyncWrites = true
	if mod != nil {
		mod(&o)
	}
	e := openTest(t, o, pipe)
	t.Cleanup(func() { e.Close() })
	return e
}

func enrollReq(id, image string, t testing.TB) EnrollRequest {
	return EnrollRequest{Tenant: "venue", Gallery: "g", PersonID: id, Name: "n", Image: photo(t, image), CreateGallery: true, TrxID: "trx-" + id}
}

func auditOps(t *testing.T, e *Engine) []AuditEntry {
	t.Helper()
	time.Sleep(3 * auditLinger) // reads' rows are written in the background
	a, err := e.Audit(1000)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReenrolOtherFaceRefused(t *testing.T) {
	e := openReal(t, nil)
	const nik = "3174010101900001"
	if _, err := e.Enroll(ctx, enrollReq(nik, obamaA, t)); err != nil {
		t.Fatal(err)
	}
	// The attack: the holder's NIK, the attacker's face. Refused, nothing stored.
	_, err := e.Enroll(ctx, enrollReq(nik, biden, t))
	if !errors.Is(err, ErrNotVerified) {
		t.Fatalf("re-enrolment with another face: %v, want ErrNotVerified", err)
	}
	v, err := e.Verify(ctx, VerifyRequest{Tenant: "venue", Gallery: "g", PersonID: nik, Image: photo(t, biden)})
	if err != nil || v.Verified || v.Person.Templates != 1 {
		t.Fatalf("after the refused takeover: verified %v templates %d sim %.3f err %v", v.Verified, v.Person.Templates, v.Similarity, err)
	}
	// The holder re-enrolling with another photo of themselves adds a template.
	if r, err := e.Enroll(ctx, enrollReq(nik, obamaB, t)); err != nil || r.Person.Templates != 2 {
		t.Fatalf("genuine re-enrolment: %+v %v", r.Person, err)
	}
	// replace: the operator's deliberate change, audited with who did it.
	rq := enrollReq(nik, biden, t)
	rq.Replace, rq.Actor = true, "client=venue token=ab12"
	if r, err := e.Enroll(ctx, rq); err != nil || r.Person.Templates != 1 {
		t.Fatalf("replace: %+v %v", r.Person, err)
	}
	if v, err := e.Verify(ctx, VerifyRequest{Tenant: "venue", Gallery: "g", PersonID: nik, Image: photo(t, obamaC)}); err != nil || v.Verified {
		t.Fatalf("old face after replace: verified %v %v", v.Verified, err)
	}
	var refused, replaced bool
	for _, a := range auditOps(t, e) {
		if a.Op == "enroll" && a.TrxID == "trx-"+nik && len(a.Outcome) > 8 && a.Outcome[:8] == "refused:" {
			refused = true
		}
		if a.Op == "enroll-replace" && a.Actor == "client=venue token=ab12" {
			replaced = true
		}
	}
	if !refused || !replaced {
		t.Fatalf("audit: refusal %v, replace with actor %v", refused, replaced)
	}
	checkInvariants(t, e)
}

func TestThresholdBelowFloorIgnored(t *testing.T) {
	e0 := openReal(t, nil)
	if _, err := e0.Enroll(ctx, enrollReq("1", obamaA, t)); err != nil {
		t.Fatal(err)
	}
	// A stranger whose similarity to obama is above 0 (most are at 0: cosine <= 0).
	var stranger string
	var s float64 // a request threshold just below it lets the stranger through
	for _, p := range []string{biden, kit, "faceapi/examples/images/sheldon/sheldon1.png", "faceapi/examples/images/raj/raj1.png",
		"faceapi/examples/images/howard/howard1.png", "faceapi/examples/images/leonard/leonard1.png", "faceapi/examples/images/stuart/stuart1.png",
		"face_recognition/examples/knn_examples/train/alex_lacamoire/img1.jpg"} {
		v, err := e0.Verify(ctx, VerifyRequest{Tenant: "venue", Gallery: "g", PersonID: "1", Image: photo(t, p)})
		if err == nil && !v.Verified && v.Similarity > 0.02 {
			stranger, s = p, v.Similarity
			break
		}
	}
	if stranger == "" {
		t.Fatal("no stranger with a similarity in (0.02, 0.75)")
	}
	t.Logf("stranger %s at similarity %.3f", stranger, s)
	for _, tc := range []struct {
		name     string
		floor    float64 // MinThreshold; 0 = default (= Threshold)
		request  float64
		verified bool
	}{
		{"below the default floor is raised to it", 0, s - 0.01, false},
		{"raising is allowed", 0, 0.99, false},
		{"down to a configured lower floor is allowed", s - 0.02, s - 0.01, true},
		{"below a configured floor is raised to it", s + 0.01, s - 0.01, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := openReal(t, func(o *Options) { o.MinThreshold = tc.floor })
			if _, err := e.Enroll(ctx, enrollReq("1", obamaA, t)); err != nil {
				t.Fatal(err)
			}
			v, err := e.Verify(ctx, VerifyRequest{Tenant: "venue", Gallery: "g", PersonID: "1", Image: photo(t, stranger), Threshold: tc.request})
			if err != nil || v.Verified != tc.verified {
				t.Fatalf("stranger at requested %.3f (floor %.3f): verified %v sim %.3f err %v", tc.request, tc.floor, v.Verified, v.Similarity, err)
			}
		})
	}
}

func TestDuplicateFaceRefused(t *testing.T) {
	e := openReal(t, nil)
	if _, err := e.Enroll(ctx, enrollReq("3174010101900001", obamaA, t)); err != nil {
		t.Fatal(err)
	}
	// Another photo of the same face under a second NIK; force_register does not help.
	rq := enrollReq("3174010101900002", obamaB, t)
	rq.Force = true
	_, err := e.Enroll(ctx, rq)
	var de *DuplicateError
	if !errors.As(err, &de) || !errors.Is(err, ErrDuplicateFace) || de.PersonID != "3174010101900001" || de.Gallery != "g" {
		t.Fatalf("duplicate under a second NIK: %v", err)
	}
	if ps, _, _ := e.People(ctx, "venue", "g", Page{}); len(ps) != 1 {
		t.Fatalf("stored %d people", len(ps))
	}
	// A different person is no duplicate.
	if _, err := e.Enroll(ctx, enrollReq("3174010101900003", biden, t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("duplicate similarity %.4f, threshold %.4f", de.Similarity, e.duplicateThreshold(e.mustLookup(t, "venue", "g")))
}

func (e *Engine) mustLookup(t *testing.T, tenant, name string) *gallery {
	g, err := e.lookup(tenant, name)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestDuplicatePolicyAndScope(t *testing.T) {
	for _, tc := range []struct {
		name          string
		policy, scope string
		gallery       string // of the second enrolment
		id            string
		want          error
	}{
		{"refuse in the gallery", DuplicateRefuse, DuplicateScopeGallery, "g", "2", ErrDuplicateFace},
		{"flag stores it", DuplicateFlag, DuplicateScopeGallery, "g", "2", nil},
		{"off stores it", DuplicateOff, DuplicateScopeGallery, "g", "2", nil},
		{"gallery scope: other gallery passes", DuplicateRefuse, DuplicateScopeGallery, "h", "2", nil},
		{"tenant scope: other gallery refused", DuplicateRefuse, DuplicateScopeTenant, "h", "2", ErrDuplicateFace},
		{"tenant scope: same id elsewhere is the same person", DuplicateRefuse, DuplicateScopeTenant, "h", "1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := openReal(t, func(o *Options) { o.DuplicatePolicy, o.DuplicateScope = tc.policy, tc.scope })
			if _, err := e.Enroll(ctx, enrollReq("1", obamaA, t)); err != nil {
				t.Fatal(err)
			}
			// Another tenant's faces are never searched.
			other := enrollReq("9", obamaA, t)
			other.Tenant = "other"
			if _, err := e.Enroll(ctx, other); err != nil {
				t.Fatalf("another tenant: %v", err)
			}
			rq := enrollReq(tc.id, obamaB, t)
			rq.Gallery = tc.gallery
			if _, err := e.Enroll(ctx, rq); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.policy == DuplicateFlag {
				found := false
				for _, a := range auditOps(t, e) {
					found = found || (a.Op == "enroll" && len(a.Outcome) > 20 && a.Outcome[:20] == "ok; flagged duplicat")
				}
				if !found {
					t.Fatal("flagged duplicate not audited")
				}
			}
		})
	}
}

// Two enrolments of one face under two NIKs at once: exactly one may pass.
func TestDuplicateConcurrentEnrolments(t *testing.T) {
	for _, scope := range []string{DuplicateScopeGallery, DuplicateScopeTenant} {
		t.Run(scope, func(t *testing.T) {
			e := openReal(t, func(o *Options) { o.DuplicateScope = scope })
			if err := e.CreateGallery(ctx, "venue", "g"); err != nil {
				t.Fatal(err)
			}
			if err := e.CreateGallery(ctx, "venue", "h"); err != nil {
				t.Fatal(err)
			}
			for round := range 3 {
				img := []string{obamaA, obamaB, obamaC}[round]
				ids := []string{"a", "b", "c", "d"}
				errs := make([]error, len(ids))
				var wg sync.WaitGroup
				for i, id := range ids {
					wg.Go(func() {
						rq := enrollReq(id+string(rune('0'+round)), img, t)
						if i%2 == 1 {
							rq.Gallery = "h"
						}
						_, errs[i] = e.Enroll(ctx, rq)
					})
				}
				wg.Wait()
				ok := 0
				for _, err := range errs {
					switch {
					case err == nil:
						ok++
					case !errors.Is(err, ErrDuplicateFace):
						t.Fatal(err)
					}
				}
				// Round 0: one per gallery (gallery scope) or one in all (tenant scope);
				// later rounds: the face is enrolled already.
				want := map[string]int{DuplicateScopeGallery: 2, DuplicateScopeTenant: 1}[scope]
				if round > 0 {
					want = 0
				}
				if ok != want {
					t.Fatalf("round %d: %d enrolments passed, want %d", round, ok, want)
				}
			}
		})
	}
}
