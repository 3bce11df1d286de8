package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/pgtest"
)

// TestPostgresReadYourWrites: the position an enrolment on A reports, handed to B with
// AtLeast, makes B's identify find the face on the first try (no polling); a position
// B cannot reach fails with ErrBehind at the deadline; deletes and gallery creation
// report positions too; Badger reports none.
func TestPostgresReadYourWrites(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a := openTest(t, pgOptions(t, dsn), newFake())
	defer a.Close()
	enroll(t, a, "acme", "g", "seed", "seed/1")
	b := openTest(t, pgOptions(t, dsn), newFake())
	defer b.Close()

	var lat []time.Duration
	for i := range 30 {
		id := fmt.Sprintf("p%d", i)
		actx, pos := TrackPositions(ctx)
		if _, err := a.Enroll(actx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: id, Image: img(id + "/1")}); err != nil {
			t.Fatal(err)
		}
		if pos.Max() == 0 {
			t.Fatal("an enrolment on a shared store reported no position")
		}
		start := time.Now()
		bctx, cancel := context.WithTimeout(AtLeast(ctx, pos.Max()), 5*time.Second)
		r, err := b.Identify(bctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img(id + "/probe"), K: 1})
		cancel()
		lat = append(lat, time.Since(start))
		if err != nil || r.Matches[0].Person.ID != id {
			t.Fatalf("identify %s on B right after A acknowledged it (position %d, B at %d): %v", id, pos.Max(), b.FollowedPos(), err)
		}
	}
	slices.Sort(lat)
	t.Logf("A acknowledged -> B identify with AtLeast: p50 %v, max %v (30 enrolments)", lat[len(lat)/2], lat[len(lat)-1])

	dctx, dpos := TrackPositions(ctx)
	if err := a.DeletePerson(dctx, "acme", "g", "p0"); err != nil || dpos.Max() == 0 {
		t.Fatalf("delete: %v, position %d", err, dpos.Max())
	}
	bctx, cancel := context.WithTimeout(AtLeast(ctx, dpos.Max()), 5*time.Second)
	r, err := b.Identify(bctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("p0/probe"), K: 1})
	cancel()
	if err == nil && r.Matches[0].Person.ID == "p0" {
		t.Fatal("B still identifies a person A deleted, after waiting for the delete's position")
	}
	gctx, gpos := TrackPositions(ctx)
	if err := a.CreateGallery(gctx, "acme", "g2"); err != nil || gpos.Max() == 0 {
		t.Fatalf("create gallery: %v, position %d", err, gpos.Max())
	}
	bctx, cancel = context.WithTimeout(AtLeast(ctx, gpos.Max()), 5*time.Second)
	_, err = b.Identify(bctx, IdentifyRequest{Tenant: "acme", Gallery: "g2", Image: img("x/probe"), K: 1})
	cancel()
	if !errors.Is(err, ErrNotVerified) {
		t.Fatalf("identify in a gallery A just created, on B: %v, want ErrNotVerified (empty gallery, not 416)", err)
	}

	start := time.Now()
	bctx, cancel = context.WithTimeout(AtLeast(ctx, 1<<62), 300*time.Millisecond)
	_, err = b.Verify(bctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "p1", Image: img("p1/probe")})
	cancel()
	if !errors.Is(err, ErrBehind) || time.Since(start) > 2*time.Second {
		t.Fatalf("a position B cannot reach: %v after %v, want ErrBehind at the 300 ms deadline", err, time.Since(start))
	}

	bad := openTest(t, Options{Dir: t.TempDir()}, newFake())
	defer bad.Close()
	lctx, lpos := TrackPositions(ctx)
	enroll(t, bad, "acme", "g", "seed", "seed/1")
	if err := bad.DeletePerson(lctx, "acme", "g", "seed"); err != nil || lpos.Max() != 0 {
		t.Fatalf("Badger: delete %v, position %d, want none", err, lpos.Max())
	}
	// Badger ignores AtLeast: its one node applies its writes before acknowledging them.
	if _, err := bad.Identify(AtLeast(ctx, 1<<62), IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("y/probe")}); errors.Is(err, ErrBehind) {
		t.Fatal("Badger waited for a position")
	}
}

// TestPostgresOutageDeadline: with PostgreSQL down, a call answers ErrStoreUnavailable
// within its own deadline (the request's, not pgkv's 5 s default), writes as reads: the
// follower reads from the store without the gallery's lock (TestPostgresFollowerOutageWrite
// stops the database in the middle of such a read).
func TestPostgresOutageDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("stops PostgreSQL")
	}
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a := openTest(t, pgOptions(t, dsn), newFake())
	defer a.Close()
	enroll(t, a, "acme", "g", "seed", "seed/1")
	if err := srv.Stop(false); err != nil {
		t.Fatal(err)
	}
	for _, op := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"verify", func(ctx context.Context) error {
			_, err := a.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "seed", Image: img("seed/2")})
			return err
		}},
		{"enroll", func(ctx context.Context) error {
			_, err := a.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: "new", Image: img("new/1")})
			return err
		}},
		{"authenticate", func(ctx context.Context) error { _, err := a.Authenticate(ctx, "tok"); return err }},
		{"delete", func(ctx context.Context) error { return a.DeletePerson(ctx, "acme", "g", "seed") }},
	} {
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
		err := op.call(cctx)
		cancel()
		took := time.Since(start)
		const bound = 1500 * time.Millisecond
		if !errors.Is(err, ErrStoreUnavailable) || took > bound {
			t.Errorf("%s with the store down: %v after %v, want ErrStoreUnavailable within %v", op.name, err, took, bound)
		}
		t.Logf("%s with the store down: %v after %v", op.name, err, took.Round(time.Millisecond))
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := a.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "seed", Image: img("seed/2")})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
