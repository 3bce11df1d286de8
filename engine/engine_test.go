package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

var ctx = context.Background()

func enroll(t testing.TB, e *Engine, tenant, gallery, id, image string) EnrollResult {
	t.Helper()
	r, err := e.Enroll(ctx, EnrollRequest{Tenant: tenant, Gallery: gallery, PersonID: id, Name: "name of " + id, Image: img(image), CreateGallery: true})
	if err != nil {
		t.Fatalf("Enroll %s: %v", id, err)
	}
	return r
}

func TestEnrollVerifyIdentify(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	for i := range 20 {
		enroll(t, e, "acme", "g1", fmt.Sprintf("320101%010d", i), fmt.Sprintf("p%d/enrol", i))
	}
	tests := []struct {
		name, id, image string
		verified        bool
		err             error
	}{
		{"same person other photo", "3201010000000003", "p3/probe", true, nil},
		{"other person", "3201010000000003", "p4/probe", false, nil},
		{"unknown id", "3201019999999999", "p3/probe", false, ErrPersonNotFound},
		{"no face", "3201010000000003", "noface", false, embed.ErrNoFace},
		{"masked", "3201010000000005", "p5/probe+mask", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g1", PersonID: tc.id, Image: img(tc.image)})
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if r.Verified != tc.verified || r.Person.ID != tc.id || r.Masker != strings.HasSuffix(tc.image, "+mask") {
				t.Fatalf("got verified=%v sim=%.3f person=%q masker=%v", r.Verified, r.Similarity, r.Person.ID, r.Masker)
			}
			if r.Person.Name != "name of "+tc.id {
				t.Fatalf("name %q", r.Person.Name)
			}
		})
	}
	// Identify: each enrolled person is found first with a fresh photo; a stranger is not.
	for i := range 20 {
		r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g1", Image: img(fmt.Sprintf("p%d/probe", i)), K: 3})
		if err != nil {
			t.Fatalf("Identify p%d: %v", i, err)
		}
		if want := fmt.Sprintf("320101%010d", i); r.Matches[0].Person.ID != want || len(r.Matches) != 1 {
			t.Fatalf("Identify p%d: %+v", i, r.Matches)
		}
	}
	if _, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g1", Image: img("stranger/1")}); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("stranger: %v", err)
	}
	// A request threshold below the floor (MinThreshold, default Threshold) is raised to it:
	// the strangers (~0.5) stay out (floor_test.go tests the floor itself).
	if r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g1", Image: img("stranger/1"), Threshold: 0.3, K: 5}); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("low threshold: %d matches, %v", len(r.Matches), err)
	}
	checkInvariants(t, e)
}

func TestTenantIsolation(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	enroll(t, e, "acme", "shared-name", "111", "alice/1")
	if err := e.CreateGallery(ctx, "other", "shared-name"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Verify(ctx, VerifyRequest{Tenant: "other", Gallery: "shared-name", PersonID: "111", Image: img("alice/2")}); !errors.Is(err, ErrPersonNotFound) {
		t.Fatalf("other tenant verify: %v", err)
	}
	if _, err := e.Identify(ctx, IdentifyRequest{Tenant: "other", Gallery: "shared-name", Image: img("alice/2")}); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("other tenant identify: %v", err)
	}
	if _, err := e.Verify(ctx, VerifyRequest{Tenant: "third", Gallery: "shared-name", PersonID: "111", Image: img("alice/2")}); !errors.Is(err, ErrGalleryNotFound) {
		t.Fatalf("third tenant: %v", err)
	}
	if err := e.DeletePerson(ctx, "other", "shared-name", "111"); !errors.Is(err, ErrPersonNotFound) {
		t.Fatalf("other tenant delete: %v", err)
	}
	for tenant, want := range map[string]int{"acme": 1, "other": 0} {
		ps, _, err := e.People(ctx, tenant, "shared-name", Page{})
		if err != nil || len(ps) != want {
			t.Fatalf("%s people: %d, %v", tenant, len(ps), err)
		}
	}
	gs, _ := e.Galleries(ctx, "other")
	if len(gs) != 1 || gs[0] != "shared-name" {
		t.Fatalf("galleries %v", gs)
	}
	checkInvariants(t, e)
}

func TestMaxTemplatesAndDelete(t *testing.T) {
	o := testOptions(t, t.TempDir())
	o.MaxTemplates = 3
	e := openTest(t, o, newFake())
	defer e.Close()
	var r EnrollResult
	for i := range 7 {
		r = enroll(t, e, "acme", "g", "bob", fmt.Sprintf("bob/%d", i))
	}
	enroll(t, e, "acme", "g", "carol", "carol/1")
	if r.Person.Templates != 3 {
		t.Fatalf("templates %d", r.Person.Templates)
	}
	if n := e.Stats().GallerySizes["acme/g"]; n != 4 {
		t.Fatalf("gallery size %d, want 3+1", n)
	}
	checkInvariants(t, e)
	// Re-enrolling without a name keeps the old one.
	r2, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: "bob", Image: img("bob/9")})
	if err != nil || r2.Person.Name != "name of bob" {
		t.Fatalf("re-enrol: %q %v", r2.Person.Name, err)
	}
	if err := e.DeletePerson(ctx, "acme", "g", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := e.DeletePerson(ctx, "acme", "g", "bob"); !errors.Is(err, ErrPersonNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "bob", Image: img("bob/1")}); !errors.Is(err, ErrPersonNotFound) {
		t.Fatalf("verify deleted: %v", err)
	}
	res, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("bob/1")})
	if !errors.Is(err, ErrNotVerified) {
		t.Fatalf("identify deleted: %+v %v", res.Matches, err)
	}
	if n := e.Stats().GallerySizes["acme/g"]; n != 1 {
		t.Fatalf("gallery size after delete %d", n)
	}
	checkInvariants(t, e)
}

func TestPeoplePaging(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	want := map[string]bool{}
	for i := range 25 {
		id := fmt.Sprintf("id-%02d", i)
		enroll(t, e, "acme", "g", id, id+"/1")
		want[id] = true
	}
	for _, limit := range []int{1, 7, 25, 0} {
		seen, cursor, pages := map[string]bool{}, "", 0
		for {
			ps, next, err := e.People(ctx, "acme", "g", Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, p := range ps {
				if seen[p.ID] || !want[p.ID] || p.Name != "name of "+p.ID || p.Templates != 1 {
					t.Fatalf("limit %d: bad or repeated %+v", limit, p)
				}
				seen[p.ID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		wantPages := 1
		if limit > 0 {
			wantPages = (25 + limit - 1) / limit
		}
		if len(seen) != 25 || pages != wantPages {
			t.Fatalf("limit %d: %d people in %d pages", limit, len(seen), pages)
		}
	}
	for _, c := range []string{"!!", "AAAA"} {
		if _, _, err := e.People(ctx, "acme", "g", Page{Cursor: c}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("cursor %q: %v", c, err)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	ok120 := strings.Repeat("é", 120) // 240 bytes, 120 characters
	long := strings.Repeat("a", 121)
	tests := []struct {
		name                   string
		tenant, gallery, id, n string
		err                    error
	}{
		{"120 characters", "acme", ok120, ok120, ok120, nil},
		{"long gallery", "acme", long, "x", "", ErrInvalid},
		{"long person", "acme", "g", long, "", ErrInvalid},
		{"long name", "acme", "g", "x", long, ErrInvalid},
		{"empty person", "acme", "g", "", "", ErrInvalid},
		{"empty tenant", "", "g", "x", "", ErrInvalid},
		{"bad utf8", "acme", "g", "\xff", "", ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Enroll(ctx, EnrollRequest{Tenant: tc.tenant, Gallery: tc.gallery, PersonID: tc.id, Name: tc.n, Image: img("z/1"), CreateGallery: true})
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
		})
	}
}

func TestGalleries(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	if err := e.CreateGallery(ctx, "acme", "b"); err != nil {
		t.Fatal(err)
	}
	if err := e.CreateGallery(ctx, "acme", "b"); !errors.Is(err, ErrGalleryExists) {
		t.Fatalf("duplicate: %v", err)
	}
	_, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "a", PersonID: "x", Image: img("x/1")})
	if !errors.Is(err, ErrGalleryNotFound) {
		t.Fatalf("enrol into missing gallery: %v", err)
	}
	enroll(t, e, "acme", "a", "x", "x/1") // CreateGallery: true
	if gs, _ := e.Galleries(ctx, "acme"); strings.Join(gs, ",") != "a,b" {
		t.Fatalf("galleries %v", gs)
	}
	if err := e.DeleteGallery(ctx, "acme", "a"); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteGallery(ctx, "acme", "a"); !errors.Is(err, ErrGalleryNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	// A re-created gallery of the same name starts empty.
	if err := e.CreateGallery(ctx, "acme", "a"); err != nil {
		t.Fatal(err)
	}
	if ps, _, _ := e.People(ctx, "acme", "a", Page{}); len(ps) != 0 {
		t.Fatalf("re-created gallery has %d people", len(ps))
	}
	if _, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "a", PersonID: "x", Image: img("x/1")}); !errors.Is(err, ErrPersonNotFound) {
		t.Fatalf("verify in re-created gallery: %v", err)
	}
	checkInvariants(t, e)
}

func TestCompare(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	tests := []struct {
		src, dst string
		verified bool
		field    ImageRole
		err      error
	}{
		{"a/1", "a/2", true, 0, nil},
		{"a/1", "b/1", false, 0, nil},
		{"noface", "a/1", false, SourceImage, embed.ErrNoFace},
		{"a/1", "", false, TargetImage, embed.ErrImageType},
	}
	for _, tc := range tests {
		r, err := e.Compare(ctx, img(tc.src), img(tc.dst))
		var ie *ImageError
		if !errors.Is(err, tc.err) || (tc.err != nil && (!errors.As(err, &ie) || ie.Image != tc.field)) {
			t.Fatalf("%s vs %s: err %v", tc.src, tc.dst, err)
		}
		if err == nil && r.Verified != tc.verified {
			t.Fatalf("%s vs %s: verified %v sim %.3f", tc.src, tc.dst, r.Verified, r.Similarity)
		}
	}
}

func TestTokens(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), nil)
	defer e.Close()
	tok, err := e.CreateToken(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	tok2, _ := e.CreateToken(ctx, "acme")
	if tok == tok2 || !strings.HasPrefix(tok, tokenPrefix) {
		t.Fatalf("tokens %q %q", tok, tok2)
	}
	if tenant, err := e.Authenticate(ctx, tok); err != nil || tenant != "acme" {
		t.Fatalf("authenticate: %q %v", tenant, err)
	}
	for _, bad := range []string{"", "wjh_nope", tok + "x"} {
		if _, err := e.Authenticate(ctx, bad); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("authenticate %q: %v", bad, err)
		}
	}
	if err := e.RevokeToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("revoked token: %v", err)
	}
	if err := e.RevokeToken(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("second revoke: %v", err)
	}
	if tenant, err := e.Authenticate(ctx, tok2); err != nil || tenant != "acme" {
		t.Fatalf("other token after revoke: %q %v", tenant, err)
	}
	// Face operations need an embedder.
	if err := e.CreateGallery(ctx, "acme", "g"); !errors.Is(err, ErrNoEmbedder) {
		t.Fatalf("create gallery without embedder: %v", err)
	}
}

func TestLedgerAndStatus(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), nil)
	defer e.Close()
	if s, err := e.UserStatus(ctx, "3201"); err != nil || s != "green" {
		t.Fatalf("default status %q %v", s, err)
	}
	if err := e.SetUserStatus(ctx, "3201", "red"); err != nil {
		t.Fatal(err)
	}
	if err := e.SetUserStatus(ctx, "3201", "purple"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad colour: %v", err)
	}
	if s, _ := e.UserStatus(ctx, "3201"); s != "red" {
		t.Fatalf("status %q", s)
	}
	if s, _ := e.UserStatus(ctx, "3202"); s != "green" {
		t.Fatalf("other nik %q", s)
	}
	rec := CheckinRecord{Tenant: "acme", Gallery: "g", NIK: "3201", Venue: "v1", Direction: "checkin", Latitude: -6.2, Longitude: 106.8, UserStatus: "red", TrxID: "t1"}
	if err := e.RecordCheckin(ctx, rec); err != nil {
		t.Fatal(err)
	}
	bad := rec
	bad.Direction = "sideways"
	if err := e.RecordCheckin(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad direction: %v", err)
	}
	got, err := e.Checkins(ctx, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("checkins %d %v", len(got), err)
	}
	got[0].At = rec.At
	if got[0] != rec {
		t.Fatalf("ledger row %+v, want %+v", got[0], rec)
	}
}

func TestModelMismatch(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, testOptions(t, dir), newFake())
	enroll(t, e, "acme", "g", "x", "x/1")
	e.Close()
	for _, emb := range []*fakeEmb{{model: "fake-2", dim: 128}, {model: "fake-1", dim: 64}} {
		e := openTest(t, testOptions(t, dir), emb)
		_, err1 := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: "y", Image: img("y/1")})
		_, err2 := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "x", Image: img("x/1")})
		_, err3 := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("x/1")})
		for _, err := range []error{err1, err2, err3} {
			if !errors.Is(err, ErrModelMismatch) {
				t.Fatalf("%s/%d: %v", emb.model, emb.dim, err)
			}
		}
		// Listing and deleting do not touch embeddings and still work.
		if ps, _, err := e.People(ctx, "acme", "g", Page{}); err != nil || len(ps) != 1 {
			t.Fatalf("people: %v", err)
		}
		e.Close()
	}
}

func TestCloseAndReady(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	if err := e.Ready(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Ready(); !errors.Is(err, ErrClosed) {
		t.Fatalf("ready after close: %v", err)
	}
	if _, err := e.Enroll(ctx, EnrollRequest{Tenant: "a", Gallery: "g", PersonID: "x", Image: img("x/1")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("enroll after close: %v", err)
	}
	if err := e.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
}

func TestAudit(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	_, _ = e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: "3201555", Image: img("x/1"), CreateGallery: true, TrxID: "trx-1"})
	_, _ = e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "3201555", Image: img("y/1"), TrxID: "trx-2"})
	dir := e.opts.Dir
	e.Close()
	e = openTest(t, testOptions(t, dir), newFake())
	defer e.Close()
	rows, err := e.Audit(100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range rows {
		got[a.TrxID+" "+a.Op] = a.Outcome
		if strings.Contains(string(a.Subject), "3201555") {
			t.Fatalf("raw NIK in audit row %+v", a)
		}
	}
	if got["trx-1 enroll"] != "ok" || got["trx-2 verify"] != "not verified" || got[" create-gallery"] != "ok" {
		t.Fatalf("audit rows %v", got)
	}
}
