package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// epImpls is every GEMM with a fused epilogue, plus the generic GEMM with the reference
// epilogue kernel (so the fused path runs without the assembly too).
func epImpls() []gemmImpl {
	g := genericGemm
	g.name = "generic+ep"
	g.segEp = segEpGeneric(segGeneric, nrGeneric)
	out := []gemmImpl{g}
	for _, impl := range simdGemmImpls() {
		if impl.segEp != nil {
			out = append(out, impl)
		}
	}
	return out
}

// TestGemmFusedEpilogue: a GEMM through the fused-epilogue kernels equals the same GEMM
// with the bias and activation passes, value for value, at awkward sizes with guard bands.
func TestGemmFusedEpilogue(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, impl := range epImpls() {
		for _, act := range []Activation{ActNone, ActRelu, ActLeakyRelu, ActPRelu} {
			for _, m := range []int{1, 7, 15, 17, 100, Mc + 3} {
				for _, n := range []int{impl.nr, 2 * impl.nr, 4 * impl.nr} {
					for _, k := range []int{1, 3, 27, 64, Kc} {
						name := fmt.Sprintf("%s/act%d/%dx%dx%d", impl.name, act, m, n, k)
						a := make([]float32, m*k)
						randFill(r, a)
						w := make([]float32, n*k)
						randFill(r, w)
						bias := make([]float32, n)
						randFill(r, bias)
						prelu := make([]float32, n)
						randFill(r, prelu)
						pb := packB(w, n, k, impl.nr)
						ep := func() *epilogue {
							return &epilogue{bias: bias, act: act, alpha: 0.1, prelu: tileAlpha(prelu, n)}
						}
						plain := impl
						plain.segEp = nil
						want := make([]float32, m*n)
						gemm(&plain, m, a, k, pb, want, n, ep(), make([]float32, gemmScratch(&plain)))
						buf, got := guarded(m * n)
						gemm(&impl, m, a, k, pb, got, n, ep(), make([]float32, gemmScratch(&impl)))
						checkGuards(t, buf, m*n)
						for i := range want {
							if got[i] != want[i] || math.IsNaN(float64(got[i])) {
								t.Fatalf("%s: c[%d] = %v, want %v", name, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}
