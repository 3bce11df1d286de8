package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A masked enrolment photo is refused by default (ErrMaskedEnrolment, nothing stored: no
// person, no gallery created for it) and stored under MaskedEnrolAllow; a masked probe
// still verifies against an unmasked enrolment.
func TestMaskedEnrolment(t *testing.T) {
	for _, tt := range []struct {
		policy string
		want   error
	}{{"", ErrMaskedEnrolment}, {MaskedEnrolRefuse, ErrMaskedEnrolment}, {MaskedEnrolAllow, nil}} {
		t.Run("policy "+tt.policy, func(t *testing.T) {
			o := testOptions(t, t.TempDir())
			o.MaskedEnrolment = tt.policy
			e := openTest(t, o, newFake())
			defer e.Close()
			_, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: "alice", Image: img("alice/1+mask"),
				CreateGallery: true, Force: true})
			if !errors.Is(err, tt.want) {
				t.Fatalf("masked enrolment: %v, want %v", err, tt.want)
			}
			_, err = e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "alice", Image: img("alice/2")})
			if tt.want != nil && !errors.Is(err, ErrGalleryNotFound) {
				t.Errorf("after a refused masked enrolment: verify %v, want %v (nothing created)", err, ErrGalleryNotFound)
			}
			if tt.want == nil && err != nil {
				t.Errorf("after an allowed masked enrolment: verify %v", err)
			}
			enroll(t, e, "acme", "g", "bob", "bob/1")
			r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "bob", Image: img("bob/2+mask")})
			if err != nil || !r.Verified || !r.Masker {
				t.Errorf("masked probe against an unmasked enrolment: %+v %v", r, err)
			}
		})
	}
}

func TestMaskedEnrolmentOption(t *testing.T) {
	o := testOptions(t, t.TempDir())
	o.MaskedEnrolment = "sometimes"
	if _, err := Open(o, newFake()); !errors.Is(err, ErrInvalid) {
		t.Errorf("MaskedEnrolment %q: %v, want ErrInvalid", o.MaskedEnrolment, err)
	}
}

// Under MaskedEnrolAllow an unmasked probe meets a masked enrolment on the masked path:
// maskedFake's masked enrolment stores the person's masked look, far from their plain
// vector, so only the probe's completed overlays recognise them (plain: not verified).
func TestMaskedEnrolmentUnmaskedProbe(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	o.MaskedEnrolment = MaskedEnrolAllow
	e := openTest(t, o, newMaskedFake())
	enroll(t, e, "acme", "g", "alice", "alice/1+mask")
	for i := range 150 { // unmasked people the plain cosine may rank above alice
		enroll(t, e, "acme", "g", fmt.Sprintf("p%03d", i), fmt.Sprintf("p%03d/1", i))
	}
	for _, tt := range []struct {
		id, image string
		verified  bool
	}{
		{"alice", "alice/2", true},
		{"alice", "bob/2", false},       // someone else's unmasked face
		{"p007", "p007/2", true},        // unmasked on both sides: plain path
		{"p007", "alice/2", false},      // alice is not p007
		{"alice", "alice/2+mask", true}, // masked against masked: overlays on both sides
	} {
		r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: tt.id, Image: img(tt.image)})
		if err != nil || r.Verified != tt.verified || r.Masker != strings.HasSuffix(tt.image, "+mask") {
			t.Errorf("verify %s as %s: verified %v masker %v (similarity %.3f, %v); want verified %v", tt.image, tt.id, r.Verified, r.Masker, r.Similarity, err, tt.verified)
		}
	}
	v, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "alice", Image: img("alice/3")})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("alice/3"), K: 3})
	if err != nil || len(r.Matches) != 1 || r.Matches[0].Person.ID != "alice" || r.Matches[0].Similarity != v.Similarity {
		t.Errorf("identify alice/3 among 151: %+v %v; want alice alone at verify's %.4f", r.Matches, err, v.Similarity)
	}
	if _, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("erin/1")}); !errors.Is(err, ErrNotVerified) {
		t.Errorf("identify a stranger: %v, want ErrNotVerified", err)
	}
	e.Close()

	// Without the masked path the same store scores the pair by its plain cosine: no match.
	plain := openTest(t, o, newMaskedFake().fakeEmb)
	defer plain.Close()
	if r, err := plain.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "alice", Image: img("alice/2")}); err != nil || r.Verified {
		t.Errorf("plain path: verified %v (%v), want not verified", r.Verified, err)
	}
}

// The re-enrolment guard scores a new face as Verify does: under MaskedEnrolAllow a
// person's unmasked photo is added to their masked enrolment and the reverse (the plain
// cosine alone refuses both in maskedFake), and someone else's face is refused either way.
func TestReenrolMaskedGuard(t *testing.T) {
	o := testOptions(t, t.TempDir())
	o.MaskedEnrolment = MaskedEnrolAllow
	e := openTest(t, o, newMaskedFake())
	defer e.Close()
	enroll(t, e, "acme", "g", "alice", "alice/1+mask")
	enroll(t, e, "acme", "g", "bob", "bob/1")
	for _, tt := range []struct {
		id, image string
		want      error
	}{
		{"alice", "carol/1", ErrNotVerified},
		{"alice", "alice/2", nil},
		{"bob", "carol/2+mask", ErrNotVerified},
		{"bob", "bob/2+mask", nil},
	} {
		_, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: tt.id, Image: img(tt.image), Force: true})
		if !errors.Is(err, tt.want) {
			t.Errorf("add %s to %s: %v, want %v", tt.image, tt.id, err, tt.want)
		}
	}
	people, _, err := e.People(ctx, "acme", "g", Page{})
	if err != nil || len(people) != 2 {
		t.Fatalf("people: %+v %v", people, err)
	}
	for _, p := range people {
		if p.Templates != 2 {
			t.Errorf("%s: %d templates, want 2", p.ID, p.Templates)
		}
	}
}

// BenchmarkVerifyUnmasked: with a masked path an unmasked verify reads the person's faces
// once more (a masked enrolment would be scored on it); against the plain path, 1,000
// people, no masked face stored.
func BenchmarkVerifyUnmasked(b *testing.B) {
	dir := b.TempDir()
	fake := newMaskedFake()
	fillGalleryWith(b, dir, 1000, fake)
	for _, tc := range []struct {
		name string
		emb  Embedder
	}{{"masked-path", fake}, {"plain", plainPathOnly{fake.fakeEmb}}} {
		b.Run(tc.name, func(b *testing.B) {
			e := openTest(b, testOptions(b, dir), tc.emb)
			defer e.Close()
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				if v, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "7", Image: img("p7/probe")}); err != nil || !v.Verified {
					b.Fatal(v, err)
				}
			}
			cpu.report(b)
		})
	}
}
