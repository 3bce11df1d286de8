package embed

import (
	"errors"
	"testing"

	"github.com/wajah-id/wajah/nn"
)

func TestWithPrecision(t *testing.T) {
	m, err := nn.FromGraph(&nn.Graph{Tensors: []nn.TensorDef{{Name: "x", Shape: []int{1, 4}}, {Name: "y", Shape: []int{1, 4}}},
		Nodes: []nn.Node{{Name: "y", Op: nn.OpRelu, Inputs: []int{0}, Outputs: []int{1}}}, Inputs: []int{0}, Outputs: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := withPrecision(m, PrecisionFP32); err != nil || got != m {
		t.Fatalf("fp32: %v", err)
	}
	for _, bad := range []string{"int8", "BF16", "half"} {
		if _, err := withPrecision(m, bad); !errors.Is(err, ErrPrecision) {
			t.Errorf("%q: %v, want ErrPrecision", bad, err)
		}
	}
	got, err := withPrecision(m, PrecisionBF16)
	switch {
	case !nn.BF16Native():
		if !errors.Is(err, ErrPrecision) {
			t.Fatalf("bf16 without AVX512_BF16: %v, want ErrPrecision", err)
		}
	case err != nil || got.Precision() != nn.BF16:
		t.Fatalf("bf16: %v", err)
	}
}

// TestBF16Pipeline: on an AVX512_BF16 CPU a bf16 pipeline finds the same face as fp32 and
// its embedding keeps a cosine >= 0.999 to fp32's (the gate; LFW figures in README.md), with
// the bf16 model id.
func TestBF16Pipeline(t *testing.T) {
	heavy(t)
	if !nn.BF16Native() {
		t.Skip("no AVX512_BF16 kernels on this CPU or build")
	}
	ref := testPipeline(t)
	p, err := New(Options{Precision: PrecisionBF16})
	if err != nil {
		t.Fatal(err)
	}
	if p.ModelID() != BaseModelID+"+bf16" {
		t.Fatalf("model id %q", p.ModelID())
	}
	for _, ex := range []string{exObama, exObama2, exBiden} {
		data := photo(t, ex)
		a, b := extract(t, ref, data, ExtractOptions{}), extract(t, p, data, ExtractOptions{})
		if a.Box != b.Box {
			t.Fatalf("%s: boxes differ %v vs %v (the detectors run fp32 in both)", ex, a.Box, b.Box)
		}
		c := Cosine(a.Embedding, b.Embedding)
		t.Logf("%s: cosine bf16 vs fp32 %.6f", ex, c)
		if c < 0.999 || c == 1 {
			t.Fatalf("%s: cosine %.6f (want >= 0.999, and not 1: bf16 unused)", ex, c)
		}
	}
}
