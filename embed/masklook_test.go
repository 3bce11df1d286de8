package embed

import (
	"math"
	"testing"
)

func TestSecondLook(t *testing.T) {
	for _, tc := range []struct {
		prob float32
		want bool
	}{
		{0, false}, {0.1, false}, {0.2, false}, {0.21, true}, {0.5, true}, {0.79, true}, {0.8, false}, {1, false},
	} {
		if got := SecondLook(tc.prob); got != tc.want {
			t.Errorf("SecondLook(%v) = %v, want %v", tc.prob, got, tc.want)
		}
	}
}

func TestCombineLooks(t *testing.T) {
	for _, tc := range []struct {
		first, mirror, want float32
	}{
		{0.5, 0.5, 0.5},
		{0.3, 0.7, 0.5},  // opposite logits cancel
		{0.9, 0.9, 0.9},  // agreeing looks keep their probability
		{0.3, 0.9, 0.66}, // sigmoid((logit 0.3 + logit 0.9) / 2) = sigmoid(0.675)
		{0, 1, 0.5},      // certainties are clamped, not NaN
	} {
		for _, order := range [][2]float32{{tc.first, tc.mirror}, {tc.mirror, tc.first}} {
			got := CombineLooks(order[0], order[1])
			if math.Abs(float64(got-tc.want)) > 0.005 {
				t.Errorf("CombineLooks(%v, %v) = %v, want %v", order[0], order[1], got, tc.want)
			}
		}
	}
}

// MaskScore looks at the mirrored crop exactly when the first look is unsure, and under
// FlipTTA it reads the mirror from the embedding's own batch: the same score as a separate
// run of the mirror, to float rounding.
func TestMaskScoreLooksAtMirror(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	shipped, err := DefaultMaskModel()
	if err != nil {
		t.Fatal(err)
	}
	d, f := firstFace(t, p, exObama)
	crop := p.AlignFace(d, f)
	_, in, err := p.EmbedFaceMask(crop)
	if err != nil {
		t.Fatal(err)
	}
	_, mirror, err := p.EmbedFaceMask(Mirror(crop))
	if err != nil {
		t.Fatal(err)
	}
	// The shipped weights with the bias moved so that this face's first look is 0.5 (unsure)
	// or far from it (sure).
	unsure, sure := *shipped, *shipped
	unsure.B2 -= logit(shipped.Predict(in))
	sure.B2 += 20
	first := unsure.Predict(in)
	if !SecondLook(first) {
		t.Fatalf("first look %v, want unsure", first)
	}
	want := CombineLooks(first, unsure.Predict(mirror))
	if math.Abs(float64(want-first)) < 1e-3 {
		t.Fatalf("the mirror's look %v moves nothing; the test cannot tell one look from two", unsure.Predict(mirror))
	}
	got, err := p.MaskScore(&unsure, in)
	if err != nil || got != want {
		t.Fatalf("unsure: MaskScore = %v, %v; want %v (first look %v)", got, err, want, first)
	}
	if got, err := p.MaskScore(&sure, in); err != nil || got != sure.Predict(in) {
		t.Fatalf("sure: MaskScore = %v, %v; want the first look %v", got, err, sure.Predict(in))
	}

	flip, err := New(Options{FlipTTA: true})
	if err != nil {
		t.Fatal(err)
	}
	_, fin, err := flip.EmbedFaceMask(crop)
	if err != nil {
		t.Fatal(err)
	}
	if fin.mirror == nil {
		t.Fatal("FlipTTA's MaskInput has no mirror")
	}
	got, err = flip.MaskScore(&unsure, fin)
	if err != nil || math.Abs(float64(got-want)) > 1e-4 {
		t.Fatalf("FlipTTA: MaskScore = %v, %v; want %v as from a separate run", got, err, want)
	}
}

// MaskID changes with the classifier's weights, so evaluation caches of mask scores
// never outlive the weights that gave them.
func TestMaskID(t *testing.T) {
	p := testPipeline(t)
	q, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q.MaskID() != p.MaskID() || q.MaskID() == "none" {
		t.Fatalf("two pipelines of the shipped weights: %q and %q", q.MaskID(), p.MaskID())
	}
	other := *q.MaskModel()
	other.B2 += 1
	q.SetMaskModel(&other)
	if q.MaskID() == p.MaskID() {
		t.Fatalf("retrained weights keep MaskID %q", q.MaskID())
	}
	q.SetMaskModel(nil)
	if q.MaskID() != "none" {
		t.Fatalf("no classifier: MaskID %q", q.MaskID())
	}
}
