package roc

import (
	"io"
	"math/rand/v2"
	"testing"
)

func TestHistHang(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var p []Labeled
	for i := 0; i < 1000; i++ {
		p = append(p, Labeled{0.3 + 0.7*r.Float64(), true}, Labeled{-0.3 + 0.8*r.Float64(), false})
	}
	p = append(p, Labeled{-1, true})
	if err := PlotHistogram(io.Discard, "x", p, -0.4, 1, 0.4572); err != nil {
		t.Fatal(err)
	}
}
