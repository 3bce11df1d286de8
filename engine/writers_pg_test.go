package engine

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/pgtest"
)

// TestPostgresOneGalleryWriters: several nodes over one database enrol into ONE gallery
// back to back, with no pause. Without the gallery lock (the reference run, logged:
// the behaviour before lockGallery) their commits conflict on the gallery's counter
// and retry, and can run out of retries; with it they queue: no enrolment fails, no
// transaction is retried, and every acknowledged face is in the store (invariant pass)
// and in every node's index. WAJAH_WRITERS_EACH sets the enrolments per node (40),
// WAJAH_WRITERS_ROUNDS how many times the two runs alternate (1), WAJAH_WRITERS_NODES
// the nodes (3).
func TestPostgresOneGalleryWriters(t *testing.T) {
	each, rounds := envInt("WAJAH_WRITERS_EACH", 40), envInt("WAJAH_WRITERS_ROUNDS", 1)
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	nodes := envInt("WAJAH_WRITERS_NODES", 3)
	es := make([]*Engine, nodes)
	for i := range es {
		es[i] = openTest(t, pgOptions(t, dsn), newFake())
		defer es[i].Close()
	}
	enroll(t, es[0], "acme", "g", "seed", "seed/1")
	for _, e := range es {
		waitSize(t, e, "acme/g", 1)
	}
	type result struct {
		acked, failed, conflicts int
		retries                  uint64
		took                     time.Duration
		firstErr                 error
	}
	runs := 0
	run := func(mode string, lock bool) result {
		runs++
		tag := runs // person ids distinct across runs
		var (
			r             result
			acked, failed atomic.Int64
			conflicts     atomic.Int64
			mu            sync.Mutex
			retriesBefore uint64
			wg            sync.WaitGroup
		)
		for _, e := range es {
			e.noGalleryLock.Store(!lock)
			retriesBefore += e.retries.Load()
		}
		start := time.Now()
		for n, e := range es {
			wg.Go(func() {
				for i := range each {
					id := fmt.Sprintf("r%d-%d-%d", tag, n, i)
					_, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: id, Image: img(id + "/1")})
					if err != nil {
						failed.Add(1)
						if errors.Is(err, kv.ErrConflict) {
							conflicts.Add(1)
						}
						mu.Lock()
						if r.firstErr == nil {
							r.firstErr = err
						}
						mu.Unlock()
						continue
					}
					acked.Add(1)
				}
			})
		}
		wg.Wait()
		r.took = time.Since(start)
		for _, e := range es {
			r.retries += e.retries.Load()
		}
		r.retries -= retriesBefore
		r.acked, r.failed, r.conflicts = int(acked.Load()), int(failed.Load()), int(conflicts.Load())
		t.Logf("%s: %d nodes x %d enrolments into one gallery: %d acknowledged, %d failed (%d out of conflict retries; first: %v), %d transaction retries, %.0f enrolments/s",
			mode, nodes, each, r.acked, r.failed, r.conflicts, r.firstErr, r.retries, float64(r.acked)/r.took.Seconds())
		return r
	}
	total := 1
	for round := range rounds {
		ref := run(fmt.Sprintf("round %d, reference (no gallery lock)", round), false)
		got := run(fmt.Sprintf("round %d, gallery lock", round), true)
		if got.failed != 0 || got.retries != 0 {
			t.Errorf("with the gallery lock: %d enrolments failed (first: %v), %d transaction retries; want 0 and 0", got.failed, got.firstErr, got.retries)
		}
		total += ref.acked + got.acked
	}
	ps, _, err := es[0].People(ctx, "acme", "g", Page{Limit: 10000})
	if err != nil || len(ps) != total {
		t.Fatalf("people in the store: %d, %v; want %d (every acknowledged enrolment)", len(ps), err, total)
	}
	for _, e := range es {
		waitSize(t, e, "acme/g", total)
		checkInvariants(t, e)
	}
	checkChangeLog(t, es[len(es)-1], "acme", "g", total, total)
}

// envInt reads a positive integer from the environment, def when unset or invalid.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
