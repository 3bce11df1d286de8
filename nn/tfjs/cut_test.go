package tfjs

import (
	"errors"
	"testing"
)

// TestLoadCut: the fixture cut after its convolution and the fixture cut from there to its
// output compose to the whole model, and bad cuts are format errors.
func TestLoadCut(t *testing.T) {
	path := newFixture().write(t)
	whole, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	head, err := LoadCut(path, Cut{Input: "x", InputShape: []int{-1, 4, 4, 2}, Outputs: []string{"conv"}})
	if err != nil {
		t.Fatal(err)
	}
	tail, err := LoadCut(path, Cut{Input: "conv", InputShape: []int{-1, 4, 4, 3}, Outputs: []string{"prob"}})
	if err != nil {
		t.Fatal(err)
	}
	in := synthetic([]int{2, 4, 4, 2}, -1, 1)
	want, err := whole.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	mid, err := head.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(mid[0].Shape, []int{2, 4, 4, 3}) {
		t.Fatalf("head output shape %v", mid[0].Shape)
	}
	got, err := tail.Run(mid[0])
	if err != nil {
		t.Fatal(err)
	}
	if rel, cos := errStats(got[0].Data, want[0].Data); rel > 1e-6 || cos < 0.9999999 {
		t.Errorf("head then tail %v, whole model %v", got[0].Data, want[0].Data)
	}
	for _, c := range []Cut{
		{Input: "nope", InputShape: []int{-1, 4, 4, 3}, Outputs: []string{"prob"}},
		{Input: "conv", InputShape: []int{-1, 4, 4, 3}},
		{Input: "conv", InputShape: []int{-1, 4, 4, 3}, Outputs: []string{"nope"}},
		{Input: "conv", Outputs: []string{"prob"}},
	} {
		if _, err := LoadCut(path, c); !errors.Is(err, ErrFormat) && !errors.Is(err, ErrLimit) {
			t.Errorf("cut %+v: %v, want a format or limit error", c, err)
		}
	}
}
