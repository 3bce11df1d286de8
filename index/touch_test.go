package index

import (
	"slices"
	"testing"

	"github.com/wajah-id/wajah/bench/vecdata"
)

// Pre-loading the vectors is a cache effect only: results are identical with it on and off,
// with and without a filter.
func TestTouchSameResults(t *testing.T) {
	s := vecdata.Clustered(3000, 50, 40, 3)
	h, _ := build(t, s, 8, 64)
	odd := func(id uint64) bool { return id%2 == 1 }
	for _, exclude := range []func(uint64) bool{nil, odd} {
		for q := range s.NQ() {
			h.touch = touchOff
			off := h.SearchEf(s.Query(q), 10, 50, exclude)
			h.touch = touchOn
			on := h.SearchEf(s.Query(q), 10, 50, exclude)
			if !slices.Equal(off, on) {
				t.Fatalf("query %d: touch changed the results\noff %v\non  %v", q, off, on)
			}
		}
	}
}

func TestPreloadAuto(t *testing.T) {
	h, err := NewHNSW(Options{Dim: 128})
	if err != nil {
		t.Fatal(err)
	}
	if h.preload() {
		t.Fatal("an empty graph pre-loads")
	}
	h.count.Store(uint32(touchAbove/(4*h.stride0) + 1))
	if !h.preload() {
		t.Fatal("a graph over touchAbove does not pre-load")
	}
	h.touch = touchOff
	if h.preload() {
		t.Fatal("touchOff ignored")
	}
}

func TestVisitFresh(t *testing.T) {
	var v visitSet
	v.gen = 1
	if v.fresh(5) != 1 || v.fresh(5) != 0 || !v.visit(5) {
		t.Fatal("a node counts as fresh once")
	}
	if v.fresh(1<<16) != 1 || len(v.mark) <= 1<<16 {
		t.Fatal("fresh did not grow the set")
	}
	v.gen++
	if v.fresh(5) != 1 {
		t.Fatal("a new generation forgets old marks")
	}
}
