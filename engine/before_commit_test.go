package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// BeforeCommit runs only for a face that passed the gate, and its error stores nothing.
func TestEnrollBeforeCommit(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	refused := errors.New("check-in service refused")
	calls := 0
	hook := func(err error) func(context.Context, embed.Face) error {
		return func(ctx context.Context, f embed.Face) error {
			calls++
			if len(f.Embedding) == 0 {
				t.Error("hook saw a face without an embedding")
			}
			// The hook may call back into the engine (the local provider reads statuses).
			if _, err := e.UserStatus(ctx, "3201010000000001"); err != nil {
				t.Errorf("engine call from the hook: %v", err)
			}
			return err
		}
	}
	req := EnrollRequest{Tenant: "acme", Gallery: "g1", PersonID: "3201010000000001", Name: "A",
		CreateGallery: true}

	req.Image, req.BeforeCommit = img("noface"), hook(nil)
	if _, err := e.Enroll(ctx, req); !errors.Is(err, embed.ErrNoFace) || calls != 0 {
		t.Fatalf("no face: err %v, hook calls %d; want ErrNoFace and no call", err, calls)
	}
	req.Image, req.BeforeCommit = img("p1/enrol"), hook(refused)
	if _, err := e.Enroll(ctx, req); !errors.Is(err, refused) || calls != 1 {
		t.Fatalf("refused: err %v, hook calls %d", err, calls)
	}
	// Neither the refused image nor the refused hook created the gallery.
	if gs, err := e.Galleries(ctx, "acme"); err != nil || len(gs) != 0 {
		t.Fatalf("after refused enrolments: galleries %v, err %v; want none", gs, err)
	}
	if _, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g1", PersonID: req.PersonID, Image: img("p1/probe")}); !errors.Is(err, ErrGalleryNotFound) {
		t.Fatalf("after a refused hook, verify err = %v, want ErrGalleryNotFound (nothing stored)", err)
	}
	req.BeforeCommit = hook(nil)
	if _, err := e.Enroll(ctx, req); err != nil || calls != 2 {
		t.Fatalf("accepted: err %v, hook calls %d", err, calls)
	}
	if gs, err := e.Galleries(ctx, "acme"); err != nil || len(gs) != 1 || gs[0] != "g1" {
		t.Fatalf("after an accepted enrolment: galleries %v, err %v; want [g1]", gs, err)
	}
	r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g1", PersonID: req.PersonID, Image: img("p1/probe")})
	if err != nil || !r.Verified {
		t.Fatalf("after an accepted hook: verified=%v err=%v", r.Verified, err)
	}
	checkInvariants(t, e)
}
