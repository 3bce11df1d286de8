package index

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// nearDuplicates returns n unit-ish vectors in groups of size dup: each group is a random
// direction plus small noise per member (cosine ~0.99 within a group), the shape of
// several photos of one person.
func nearDuplicates(n, dup, dim int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][]float32, n)
	var base []float32
	for i := range n {
		if i%dup == 0 {
			base = make([]float32, dim)
			for j := range base {
				base[j] = float32(r.NormFloat64())
			}
		}
		v := make([]float32, dim)
		for j := range v {
			v[j] = base[j] + 0.05*float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// TestHNSWConcurrentNearDuplicates inserts groups of near-duplicates with one inserter
// per group member, released together at each step so the members are linked at the
// same moment. Every id must then be the top hit for its own vector, as it is after a
// sequential build: concurrent inserts must not strand a node (no in-links) nor drop a
// back link. Run with -race and -count to shake out interleavings.
func TestHNSWConcurrentNearDuplicates(t *testing.T) {
	const dim, writers = 32, 4
	n := 4000
	if testing.Short() || raceEnabled {
		n = 1200 // the race detector makes inserts ~20x slower
	}
	for _, seed := range []uint64{1, 2, 3} {
		vecs := nearDuplicates(n, writers, dim, seed)
		h, err := NewHNSW(Options{Dim: dim, M: 8, EfConstruction: 64, Seed: int64(seed)})
		if err != nil {
			t.Fatal(err)
		}
		var start [writers]chan struct{}
		for w := range start {
			start[w] = make(chan struct{})
		}
		var wg sync.WaitGroup
		step := sync.WaitGroup{}
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += writers {
					<-start[w]
					if err := h.Add(uint64(i), vecs[i]); err != nil {
						t.Error(err)
					}
					step.Done()
				}
			}()
		}
		for i := 0; i < n; i += writers {
			step.Add(writers)
			for w := range writers {
				start[w] <- struct{}{}
			}
			step.Wait()
		}
		wg.Wait()
		checkGraph(t, h)
		if missing := unfindable(h, vecs, nil); len(missing) > 0 {
			t.Errorf("seed %d: %d of %d ids not the top hit for their own vector: %v", seed, len(missing), n, missing[:min(len(missing), 10)])
		}
		// The reference: the same vectors inserted by one goroutine.
		seq, _ := NewHNSW(Options{Dim: dim, M: 8, EfConstruction: 64, Seed: int64(seed)})
		for i, v := range vecs {
			if err := seq.Add(uint64(i), v); err != nil {
				t.Fatal(err)
			}
		}
		if missing := unfindable(seq, vecs, nil); len(missing) > 0 {
			t.Errorf("seed %d, sequential: %d of %d ids not found: %v", seed, len(missing), n, missing[:min(len(missing), 10)])
		}
	}
}

// unfindable lists the live ids (deleted reports the others) that a search with their
// own vector (k=1, ef=64) does not return first.
func unfindable(h *HNSW, vecs [][]float32, deleted func(int) bool) []int {
	var missing []int
	for i, v := range vecs {
		if deleted != nil && deleted(i) {
			continue
		}
		got := h.SearchEf(v, 1, 64, nil)
		if len(got) != 1 || got[0].ID != uint64(i) {
			missing = append(missing, i)
		}
	}
	return missing
}

// checkGraph fails on a malformed link list: over capacity, a self link, a duplicate,
// a node out of range or below the layer. ReadSnapshot refuses such graphs.
func checkGraph(t *testing.T, h *HNSW) {
	t.Helper()
	pages := *h.pages.Load()
	n := h.count.Load()
	for x := range n {
		pg := pages[x>>pageShift]
		for lc := 0; lc <= int(pg.level[x&pageMask]); lc++ {
			l := h.links(pg, x, lc)
			if int(l[0]) > len(l)-1 {
				t.Fatalf("node %d layer %d: %d links", x, lc, l[0])
			}
			seen := map[uint32]bool{}
			for _, nb := range l[1 : 1+l[0]] {
				switch {
				case nb >= n || nb == x || seen[nb]:
					t.Fatalf("node %d layer %d: bad link %d in %v", x, lc, nb, l[1:1+l[0]])
				case int(pages[nb>>pageShift].level[nb&pageMask]) < lc:
					t.Fatalf("node %d layer %d links to lower node %d", x, lc, nb)
				}
				seen[nb] = true
			}
		}
	}
}
