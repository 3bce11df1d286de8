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

// resImpls is every GEMM with a residual kernel, plus the generic GEMM with the reference
// one.
func resImpls() []gemmImpl {
	g := genericGemm
	g.name = "generic+res"
	g.res = resGeneric(segGeneric, nrGeneric)
	out := []gemmImpl{g}
	for _, impl := range simdGemmImpls() {
		if impl.res != nil {
			out = append(out, impl)
		}
	}
	return out
}

// TestGemmResidual: gemmResidual equals the GEMM with the bias, then the addition of the
// residual, then the activation, value for value, at awkward sizes (residual rows wider
// than C's included) with guard bands around C; activations that do not fold are refused.
func TestGemmResidual(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, impl := range resImpls() {
		for _, act := range []Activation{ActNone, ActRelu, ActLeakyRelu} {
			for _, m := range []int{1, 7, 13, 15, 29, 100, Mc + 3} {
				for _, n := range []int{impl.nr, 2 * impl.nr, 4 * impl.nr} {
					for _, k := range []int{1, 3, 24, 48, Kc} {
						for _, pad := range []int{0, 5} {
							name := fmt.Sprintf("%s/act%d/%dx%dx%d/ldr+%d", impl.name, act, m, n, k, pad)
							a, w, bias := make([]float32, m*k), make([]float32, n*k), make([]float32, n)
							randFill(r, a)
							randFill(r, w)
							randFill(r, bias)
							ldr := n + pad
							res := make([]float32, (m-1)*ldr+n)
							randFill(r, res)
							pb := packB(w, n, k, impl.nr)
							plain := impl
							plain.segEp, plain.res = nil, nil
							want := make([]float32, m*n)
							gemm(&plain, m, a, k, pb, want, n, &epilogue{bias: bias}, make([]float32, gemmScratch(&plain)))
							for i := 0; i < m; i++ {
								row := want[i*n : (i+1)*n]
								addGeneric(row, row, res[i*ldr:i*ldr+n])
							}
							applyAct(want, n, act, 0.1, nil)
							buf, got := guarded(m * n)
							if !gemmResidual(&impl, m, a, k, pb, got, n, &epilogue{bias: bias, act: act, alpha: 0.1}, res, ldr) {
								t.Fatalf("%s: refused", name)
							}
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
		pb := packB(make([]float32, impl.nr*4), impl.nr, 4, impl.nr)
		c := make([]float32, impl.nr)
		if gemmResidual(&impl, 1, make([]float32, 4), 4, pb, c, impl.nr, &epilogue{act: ActRelu6}, c, impl.nr) {
			t.Errorf("%s: ReLU6 taken by the residual kernel", impl.name)
		}
		pb = packB(make([]float32, (impl.nr+1)*4), impl.nr+1, 4, impl.nr)
		c = make([]float32, impl.nr+1)
		if gemmResidual(&impl, 1, make([]float32, 4), 4, pb, c, impl.nr+1, &epilogue{}, c, impl.nr+1) {
			t.Errorf("%s: a ragged panel taken by the residual kernel", impl.name)
		}
	}
}
