package index

import (
	"testing"

	"github.com/wajah-id/wajah/bench/vecdata"
)

// recallAt compares HNSW results with exact ones: the share of the exact top k found.
func recallAt(t testing.TB, h *HNSW, f *Flat, s *vecdata.Set, k, ef int) float64 {
	t.Helper()
	hit, total := 0, 0
	for q := range s.NQ() {
		exact := f.Search(s.Query(q), k, nil)
		got := h.SearchEf(s.Query(q), k, ef, nil)
		in := map[uint64]bool{}
		for _, r := range got {
			in[r.ID] = true
		}
		for _, r := range exact {
			if in[r.ID] {
				hit++
			}
		}
		total += len(exact)
	}
	return float64(hit) / float64(total)
}

func build(t testing.TB, s *vecdata.Set, m, efc int) (*HNSW, *Flat) {
	t.Helper()
	h, err := NewHNSW(Options{Dim: s.Dim, M: m, EfConstruction: efc})
	if err != nil {
		t.Fatal(err)
	}
	f := NewFlat(s.Dim)
	for i := range s.N() {
		if err := h.Add(uint64(i), s.Row(i)); err != nil {
			t.Fatal(err)
		}
		if err := f.Add(uint64(i), s.Row(i)); err != nil {
			t.Fatal(err)
		}
	}
	return h, f
}

// TestRecall is the recall regression test: thresholds sit a little under what the
// current code measures, so a regression in search or the heuristic fails it.
func TestRecall(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 2000
	}
	for _, tc := range []struct {
		name string
		set  *vecdata.Set
		ef   int
		min  float64
	}{
		{"clustered-128", vecdata.Clustered(n, 200, 128, 1), 128, 0.98},
		{"clustered-128-ef16", vecdata.Clustered(n, 200, 128, 1), 16, 0.85},
		{"uniform-64", vecdata.Uniform(n, 200, 64, 2), 128, 0.92},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, f := build(t, tc.set, 16, 100)
			r := recallAt(t, h, f, tc.set, 10, tc.ef)
			t.Logf("n=%d recall@10=%.4f (ef=%d)", n, r, tc.ef)
			if r < tc.min {
				t.Fatalf("recall@10 %.4f < %.2f", r, tc.min)
			}
		})
	}
}
