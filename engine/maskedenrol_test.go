package engine

import (
	"errors"
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
