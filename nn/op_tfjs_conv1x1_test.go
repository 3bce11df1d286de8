package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestTFJSConv1x1 compares the pointwise kernel (SIMD where built, and the generic
// reference) with float64 sums at awkward sizes, with guard bands around the output.
func TestTFJSConv1x1(t *testing.T) {
	const guard = 37
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{1, 3, 24, 37} {
		for _, n := range []int{1, 2, 6, 16, 17, 24, 31, 33, 48, 50, 96} {
			for _, m := range []int{1, 5, 6, 7, 13} {
				for _, act := range []Activation{ActNone, ActRelu, ActRelu6, ActPRelu} {
					x := randSlice(rng, m*k)
					w := randSlice(rng, n*k)
					bias := randSlice(rng, n)
					prelu := randSlice(rng, n)
					want := make([]float32, m*n)
					for p := 0; p < m; p++ {
						for o := 0; o < n; o++ {
							s := float64(bias[o])
							for i := 0; i < k; i++ {
								s += float64(x[p*k+i]) * float64(w[o*k+i])
							}
							switch act {
							case ActRelu:
								s = math.Max(s, 0)
							case ActRelu6:
								s = math.Min(math.Max(s, 0), 6)
							case ActPRelu:
								if s < 0 {
									s *= float64(prelu[o])
								}
							}
							want[p*n+o] = float32(s)
						}
					}
					q := newC1Kernel(w, bias, k, n)
					q.act, q.prelu = act, prelu
					for _, generic := range []bool{false, true} {
						name := fmt.Sprintf("k%d_n%d_m%d_act%d_generic=%v", k, n, m, act, generic)
						y := make([]float32, m*n+2*guard)
						for i := range y {
							y[i] = -555
						}
						if generic {
							conv1x1Generic(q, x, y[guard:guard+m*n], 0, m, ActNone)
							applyAct(y[guard:guard+m*n], n, act, 0, prelu)
						} else {
							q.run(x, y[guard:guard+m*n], m)
						}
						for i := 0; i < guard; i++ {
							if y[i] != -555 || y[len(y)-1-i] != -555 {
								t.Fatalf("%s: guard band overwritten", name)
							}
						}
						for i, v := range want {
							if d := math.Abs(float64(y[guard+i] - v)); d > 1e-5*(1+math.Abs(float64(v)))*math.Sqrt(float64(k)) {
								t.Fatalf("%s: y[%d] = %v, want %v", name, i, y[guard+i], v)
							}
						}
					}
				}
			}
		}
	}
}

// BenchmarkTFJSConv1x1 compares the pointwise kernel with OpConv2D's GEMM kernel on
// blazeface's layer shapes (compiled kernels, no Model.Run overhead).
func BenchmarkTFJSConv1x1(b *testing.B) {
	for _, c := range []struct{ hw, k, n int }{{128, 24, 24}, {64, 24, 24}, {32, 48, 48}, {16, 96, 96}, {48, 32, 16}} {
		for _, op := range []Op{OpTFJSConv1x1, OpConv2D} {
			rng := rand.New(rand.NewPCG(1, 1))
			n := &Node{Name: "conv", Op: op, Attrs: Attrs{Act: ActRelu}}
			shapes := [][]int{{1, c.hw, c.hw, c.k}, {c.n, 1, 1, c.k}, {c.n}}
			consts := [][]float32{nil, randSlice(rng, c.n*c.k), randSlice(rng, c.n)}
			def, _ := lookup(op)
			out, err := def.Infer(n, shapes, consts)
			if err != nil {
				b.Fatal(err)
			}
			kern, err := def.Compile(n, shapes, consts, out)
			if err != nil {
				b.Fatal(err)
			}
			x := randSlice(rng, c.hw*c.hw*c.k)
			y := make([]float32, c.hw*c.hw*c.n)
			scratch := make([]float32, kern.Scratch)
			b.Run(fmt.Sprintf("%s/%dx%d_%d", op, c.hw, c.k, c.n), func(b *testing.B) {
				for b.Loop() {
					kern.Run([][]float32{x, consts[1], consts[2]}, [][]float32{y}, scratch)
				}
				b.ReportMetric(2*float64(c.hw*c.hw*c.k*c.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
