package main

import (
	"errors"
	"testing"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn/tflite"
)

// TestGEMMShapes: rnet's plan at 24x24 lists its first convolution as 22·22 pixels × 28
// channels × 3·3·3 patch values, and the shares of all GEMMs add up to at most the model.
func TestGEMMShapes(t *testing.T) {
	path, err := models.Path("rnet.tflite")
	if errors.Is(err, models.ErrMissing) {
		t.Skip("rnet.tflite not fetched")
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	shapes, err := gemmShapes(m, []int{1, 24, 24, 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(shapes) == 0 || shapes[0].m != 22*22 || shapes[0].n != 28 || shapes[0].k != 27 {
		t.Fatalf("first GEMM %+v, want 484x28x27 (of %d)", shapes[0], len(shapes))
	}
	sum := 0.0
	for _, s := range shapes {
		if s.share <= 0 {
			t.Fatalf("shape %+v has no share", s)
		}
		sum += s.share
	}
	if sum > 1+1e-9 || sum < 0.9 {
		t.Fatalf("GEMM shares sum to %g, want (0.9, 1]: rnet is nearly all convolution and FC", sum)
	}
}
