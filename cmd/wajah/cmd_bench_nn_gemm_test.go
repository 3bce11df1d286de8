package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tfjs"
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

// TestGEMMShapesFused: the GEMMs inside fused ops are listed too: blazeface's pointwise
// 128·128 × 24 × 24 inside its DWBlocks, pnet's two heads as one 115·155 × 6 × 32 GEMM.
func TestGEMMShapesFused(t *testing.T) {
	for _, c := range []struct {
		file    string
		shape   []int
		m, n, k int
	}{
		{"blazeface-back.json", []int{1, 256, 256, 3}, 128 * 128, 24, 24},
		{"pnet.tflite", []int{1, 240, 320, 3}, 115 * 155, 6, 32},
	} {
		path, err := models.Path(c.file)
		if errors.Is(err, models.ErrMissing) {
			t.Skipf("%s not fetched", c.file)
		}
		if err != nil {
			t.Fatal(err)
		}
		var m *nn.Model
		if strings.HasSuffix(c.file, ".json") {
			m, err = tfjs.Load(path)
		} else {
			m, err = tflite.Load(path)
		}
		if err != nil {
			t.Fatal(err)
		}
		shapes, err := gemmShapes(m, c.shape)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range shapes {
			found = found || s.m == c.m && s.n == c.n && s.k == c.k
		}
		if !found {
			t.Errorf("%s: no %dx%dx%d GEMM in %+v", c.file, c.m, c.n, c.k, shapes)
		}
	}
}
