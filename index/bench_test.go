package index

import (
	"testing"

	"github.com/wajah-id/wajah/bench/vecdata"
)

// BenchmarkBuild inserts 5000 clustered 128-d vectors per op.
func BenchmarkBuild(b *testing.B) {
	s := vecdata.Clustered(5000, 0, 128, 1)
	for b.Loop() {
		h, _ := NewHNSW(Options{Dim: 128})
		for i := range s.N() {
			if err := h.Add(uint64(i), s.Row(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSearch reports ns per query and recall@10 at the default efSearch.
func BenchmarkSearch(b *testing.B) {
	s := vecdata.Clustered(10000, 200, 128, 1)
	h, f := build(b, s, 16, 100)
	rec := recallAt(b, h, f, s, 10, DefaultEfSearch)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		h.Search(s.Query(i%s.NQ()), 10, nil)
		i++
	}
	b.ReportMetric(rec, "recall@10")
}
