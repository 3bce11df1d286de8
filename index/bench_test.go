package index

import (
	"bytes"
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

// BenchmarkCompact times Compact of a 20,000-vector 128-d graph with a quarter deleted
// (the automatic threshold); writers and searches wait this long.
func BenchmarkCompact(b *testing.B) {
	s := vecdata.Clustered(20000, 0, 128, 1)
	base, _ := NewHNSW(Options{Dim: 128, CompactRatio: -1})
	for i := range s.N() {
		if err := base.Add(uint64(i), s.Row(i)); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < s.N(); i += 4 {
		base.Delete(uint64(i))
	}
	var snap bytes.Buffer
	if err := base.WriteSnapshot(&snap, 0); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		h, _, err := ReadSnapshot(bytes.NewReader(snap.Bytes()), base.Options())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		h.Compact()
	}
}
