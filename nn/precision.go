package nn

import (
	"errors"
	"fmt"
	"sync"
)

// Precision is the arithmetic a model's convolutions and fully connected layers run in.
type Precision uint8

const (
	// FP32 is float32 throughout (the default; what the golden and oracle tests check).
	FP32 Precision = iota
	// BF16 rounds the operands of 1x1 convolutions and fully connected layers with at least
	// 16 outputs (bf16Worth) to bfloat16
	// and sums their products in float32 (AVX512_BF16's VDPBF16PS; the pure-Go twin where
	// the CPU lacks it, bit for bit the same but far slower: see BF16Native). Weights are
	// rounded once when a plan is built, activations as the GEMM packs them. Other ops
	// (depthwise, k x k convolutions, pooling, element-wise) stay float32.
	BF16
)

// ErrPrecision reports an unknown precision name.
var ErrPrecision = errors.New("nn: unknown precision")

// String returns the name ParsePrecision reads.
func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case BF16:
		return "bf16"
	}
	return fmt.Sprintf("Precision(%d)", uint8(p))
}

// ParsePrecision reads "fp32" (or "") and "bf16".
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "", "fp32":
		return FP32, nil
	case "bf16":
		return BF16, nil
	}
	return FP32, fmt.Errorf("%w %q (want fp32 or bf16)", ErrPrecision, s)
}

// BF16Native reports whether BF16 runs in AVX512_BF16 assembly on this CPU and build
// (GOEXPERIMENT=simd, amd64, CPUID AVX512F and AVX512_BF16). Without it BF16 runs the
// pure-Go twin: the same numbers, many times slower than FP32.
func BF16Native() bool { return bf16Native }

// WithPrecision returns a model running the same graph in precision p. It shares the
// graph's constant data with m but has its own plans and weight packings; m is unchanged.
func (m *Model) WithPrecision(p Precision) (*Model, error) {
	if p != FP32 && p != BF16 {
		return nil, fmt.Errorf("%w: %v", ErrPrecision, p)
	}
	g := *m.g
	g.Nodes = append([]Node(nil), m.g.Nodes...)
	out := &Model{g: &g, inputs: m.inputs, outputs: m.outputs, plans: map[string]*plan{},
		memo: make([]sync.Map, len(g.Nodes)), prec: p}
	for i := range g.Nodes {
		g.Nodes[i].memo = &out.memo[i]
		g.Nodes[i].prec = p
	}
	return out, nil
}

// Precision reports the model's precision.
func (m *Model) Precision() Precision { return m.prec }

// compileGemmBF16 is the bf16 kernel of a GEMM-shaped layer: m rows of k inputs read in
// place (row stride k), n outputs, weights w[N×K].
func compileGemmBF16(nd *Node, m, n, k int, w, bias, alpha []float32, macs int64) Kernel {
	impl := pickBF16(n)
	pb := nd.cached(fmt.Sprintf("packBF16/%d", impl.nr), func() any { return packBF16(w, n, k, impl.nr) }).(*packedBF16)
	ep := &epilogue{bias: bias, act: nd.Attrs.Act, alpha: nd.Attrs.Alpha, prelu: tileAlpha(alpha, n)}
	return Kernel{MACs: macs, Scratch: gemmBF16Scratch(impl, k), Run: func(in, out [][]float32, s []float32) {
		gemmBF16(impl, m, in[0], k, pb, out[0], n, ep, s)
	}}
}

// bf16Worth reports whether a layer with n outputs gains from bf16: below 16 outputs a
// bf16 panel (16 lanes) wastes more than the fp32 8-wide tile does (pnet's 2- and 4-output
// heads ran slower in bf16), so such layers stay fp32.
func bf16Worth(n int) bool { return n >= 16 }
