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
