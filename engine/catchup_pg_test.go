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
// (cluster mode has no index snapshots: a joining node reads every template and builds its
// HNSW graphs; README "Cluster mode" has the figure).
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
	const galleries = 8
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

	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	start = time.Now()
	b := openTest(t, pgOptions(t, dsn), newFake())
	defer b.Close()
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	got := 0
	for _, c := range b.Stats().GallerySizes {
		got += c
	}
	if got != n {
		t.Fatalf("joining node B indexed %d faces, want %d", got, n)
	}
	t.Logf("node B joined a store of %d faces: ready with all of them in %v (%.0f faces/s); heap +%.0f MB",
		n, took.Round(time.Millisecond), float64(n)/took.Seconds(), float64(int64(ms1.HeapAlloc)-int64(ms0.HeapAlloc))/(1<<20))
}
