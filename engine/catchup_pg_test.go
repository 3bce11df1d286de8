package engine

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/pgtest"
)

// TestPostgresCatchUp measures what a node joining a cluster pays before it answers: open
// an engine on a PostgreSQL store that already holds N faces (written by another node) and
// time it until its indexes hold them all. A measurement, not a check of speed, so it runs
// only when asked for:
//
//	WAJAH_CATCHUP_FACES=100000 go test ./engine -run TestPostgresCatchUp -v -timeout 30m
//
// (WAJAH_CATCHUP_GALLERIES=G spreads them over G galleries instead of 8.)
//
// It joins three ways: rebuilding every HNSW graph from the templates (snapshots off,
// the reference), from the snapshots node A wrote to the store meanwhile plus the change
// records after them, and from snapshots at the counter; each with the galleries loaded
// one after another and in parallel (README "Cluster mode" has the figures).
func TestPostgresCatchUp(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("WAJAH_CATCHUP_FACES"))
	if n <= 0 {
		t.Skip("set WAJAH_CATCHUP_FACES=N to measure a joining node's catch-up over N faces")
	}
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a := openTest(t, pgOptions(t, dsn), newFake())
	defer a.Close()
	// Enrolments into one gallery serialize on its counter row; several galleries let the
	// writers run side by side, as a chain's venues would.
	galleries := 8
	if g, _ := strconv.Atoi(os.Getenv("WAJAH_CATCHUP_GALLERIES")); g > 0 {
		galleries = g
	}
	for k := range galleries {
		if err := a.CreateGallery(ctx, "acme", fmt.Sprintf("g%d", k)); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	workers := galleries
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				id := fmt.Sprintf("p%07d", i)
				if _, err := a.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: fmt.Sprintf("g%d", i%galleries), PersonID: id, Image: img(id + "/1")}); err != nil {
					select {
					case errs <- fmt.Errorf("enrol %s: %w", id, err):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	t.Logf("node A enrolled %d faces in %v (%.0f/s, %d writers, %d galleries)", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds(), workers, galleries)

	// The store snapshots written meanwhile (every SnapshotEvery mutations of a gallery,
	// in the background) must be there before the joining node is timed.
	every := uint64(a.Options().SnapshotEvery)
	deadline := time.Now().Add(5 * time.Minute)
	for k := range galleries {
		name := fmt.Sprintf("g%d", k)
		for uint64(n/galleries) >= every && readStoreLog(t, a, "acme", name).head.Seq < every {
			if time.Now().After(deadline) {
				t.Fatalf("gallery %s: no store snapshot after %d mutations", name, n/galleries)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// The same store joined three ways: rebuilding every index from the face rows
	// (snapshots off, the reference), then from the snapshots plus the change records
	// after them; a third time after A wrote a snapshot of every gallery at its counter
	// (a node's Close does that): nothing to replay. Each way joins with the galleries
	// loaded one after another, all at once (GOMAXPROCS at a time, the default), and one
	// after another again, the nodes closed only after the third so that none of their
	// Close's snapshots changes what the next one finds.
	for _, mode := range []string{"rebuild from rows", "store snapshot + changes", "fresh store snapshot"} {
		if mode == "fresh store snapshot" {
			for k := range galleries {
				checkpoint(t, a, "acme", fmt.Sprintf("g%d", k))
			}
		}
		var joined []*Engine
		for _, workers := range []int{1, 0, 1} {
			o := pgOptions(t, dsn)
			o.NoIndexSnapshots = mode == "rebuild from rows"
			o.loadWorkers = workers
			load := "galleries one after another"
			if workers == 0 {
				load = fmt.Sprintf("galleries in parallel (GOMAXPROCS %d)", runtime.GOMAXPROCS(0))
			}
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			start = time.Now()
			b := openTest(t, o, newFake())
			took := time.Since(start)
			joined = append(joined, b)
			runtime.GC()
			runtime.ReadMemStats(&ms1)
			got := 0
			for _, c := range b.Stats().GallerySizes {
				got += c
			}
			if got != n {
				t.Fatalf("joining node B (%s) indexed %d faces, want %d", mode, got, n)
			}
			r := b.Recovery()
			if !o.NoIndexSnapshots && uint64(n/galleries) >= every && r.Snapshots != galleries {
				t.Errorf("joining node B loaded %d galleries from snapshots, want %d", r.Snapshots, galleries)
			}
			t.Logf("node B joined a store of %d faces, %s, %s: ready with all of them in %v (%.0f faces/s; %d galleries from snapshots, %d changes replayed); heap +%.0f MB",
				n, mode, load, took.Round(time.Millisecond), float64(n)/took.Seconds(), r.Snapshots, r.Replayed,
				float64(int64(ms1.HeapAlloc)-int64(ms0.HeapAlloc))/(1<<20))
		}
		for _, b := range joined {
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
