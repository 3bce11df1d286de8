package embed

import (
	"math"
	"testing"
)

// LiveTexture gives LiveColumns-LiveFeatCount finite cues, the same ones for the same crop,
// and tells a flat grey crop from a textured one (a texture cue that ignores its input would
// pass the head's tests on cached features alone).
func TestLiveTexture(t *testing.T) {
	flat := NewRGB(AlignSize, AlignSize)
	for i := range flat.Pix {
		flat.Pix[i] = 128
	}
	noisy := NewRGB(AlignSize, AlignSize)
	for i := range noisy.Pix {
		noisy.Pix[i] = uint8((i*7919 + (i/3)*104729) % 251)
	}
	a, b, c := LiveTexture(flat), LiveTexture(flat), LiveTexture(noisy)
	if want := LiveColumns - LiveFeatCount; len(a) != want || len(c) != want {
		t.Fatalf("len %d / %d, want %d", len(a), len(c), want)
	}
	diff := 0
	for i := range a {
		if math.IsNaN(float64(a[i])) || math.IsInf(float64(a[i]), 0) || math.IsNaN(float64(c[i])) || math.IsInf(float64(c[i]), 0) {
			t.Fatalf("cue %d not finite: %v, %v", i, a[i], c[i])
		}
		if a[i] != b[i] {
			t.Fatalf("cue %d differs between two runs on the same crop: %v vs %v", i, a[i], b[i])
		}
		if a[i] != c[i] {
			diff++
		}
	}
	if diff < len(a)/4 {
		t.Fatalf("only %d of %d cues differ between a flat and a noisy crop", diff, len(a))
	}
}
