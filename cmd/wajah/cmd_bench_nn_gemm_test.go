package main

import (
	"bytes"
	"errors"
	"strconv"
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
	m := loadRnet(t)
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

// TestServeGEMMs: the -serve protocol lists rnet's shapes (its first layer as a flat-lane
// convolution, or implicit GEMM without the assembly), answers a request with a GFLOP/s figure and refuses a malformed one.
func TestServeGEMMs(t *testing.T) {
	m := loadRnet(t)
	gm := []gemmModel{{file: "rnet.tflite", m: m, shape: []int{1, 24, 24, 3}}}
	var out bytes.Buffer
	if err := serveGEMMs(strings.NewReader("0 1 0.5\n"), &out, gm); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 3 || lines[len(lines)-2] != "ready" {
		t.Fatalf("output %q: want shape lines, ready, one answer", out.String())
	}
	first := strings.Split(lines[0], "\t")
	if len(first) != 8 || first[0] != "shape" || first[3] != "484" || first[7] != "flat" && first[7] != "direct" {
		t.Fatalf("first shape line %q", lines[0])
	}
	if gf, err := strconv.ParseFloat(lines[len(lines)-1], 64); err != nil || gf <= 0 {
		t.Fatalf("answer %q: want a positive GFLOP/s", lines[len(lines)-1])
	}
	for _, bad := range []string{"0 1\n", "99 1 1\n", "0 0 1\n", "x 1 1\n"} {
		if err := serveGEMMs(strings.NewReader(bad), &bytes.Buffer{}, gm); err == nil {
			t.Errorf("request %q accepted", bad)
		}
	}
}

// loadRnet loads rnet.tflite, skipping the test when the models are not fetched.
func loadRnet(t *testing.T) *nn.Model {
	t.Helper()
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
	return m
}
