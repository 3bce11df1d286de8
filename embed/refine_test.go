package embed

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/wajah-id/wajah/models"
)

// A box ONet does not take for a face keeps its first reading: refinement never loses or
// moves a face it cannot confirm.
func TestRefineKeepsUnconfirmedBox(t *testing.T) {
	p := testPipeline(t)
	img := NewRGB(120, 120)
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	lm := [5]Point{{40, 50}, {80, 50}, {60, 70}, {45, 90}, {75, 90}}
	boxes := []mbox{{x0: 10, y0: 10, x1: 109, y1: 109, score: 0.99, lm: lm}, {x0: -5, y0: 0, x1: 50, y1: 50, lm: lm}}
	want := append([]mbox(nil), boxes...)
	if err := p.det.refineONet(img, boxes); err != nil {
		t.Fatal(err)
	}
	for i := range boxes {
		if boxes[i] != want[i] {
			t.Errorf("box %d changed: %+v -> %+v", i, want[i], boxes[i])
		}
	}
}

// On real photos the refined landmarks stay close to the single-pass ones and no face is
// gained or lost.
func TestRefineLandmarksOnPhotos(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	single, err := New(Options{NoMask: true})
	if errors.Is(err, models.ErrMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	single.det.singlePass = true
	for _, rel := range []string{exObama, exObama2, exBiden, exTwo} {
		d, err := p.Decode(photo(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Detect(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		base, err := single.Detect(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(base) || len(got) == 0 {
			t.Fatalf("%s: %d faces refined, %d single pass", rel, len(got), len(base))
		}
		moved := 0.0
		for i := range got {
			for j := range got[i].Landmarks {
				a, b := got[i].Landmarks[j], base[i].Landmarks[j]
				d := math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y)) / float64(base[i].Quality.FaceSize)
				if d > 0.1 {
					t.Errorf("%s face %d landmark %d moved %.2f face sizes", rel, i, j, d)
				}
				moved = max(moved, d)
			}
		}
		if moved == 0 {
			t.Errorf("%s: the refining pass changed nothing", rel)
		}
	}
}
