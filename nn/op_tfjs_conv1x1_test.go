package nn

import (
	"errors"
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
	if !conv1x1SIMD {
		b.Skip("no AVX-512 kernel in this build: OpTFJSConv1x1 compiles as OpConv2D")
	}
	for _, c := range []struct{ hw, k, n int }{{128, 24, 24}, {64, 24, 24}, {32, 48, 48}, {16, 96, 96}, {48, 32, 16}} {
		for _, op := range []Op{OpTFJSConv1x1, OpConv2D} {
			rng := rand.New(rand.NewPCG(1, 1))
			n := &Node{Name: "conv", Op: op, Attrs: Attrs{Act: ActRelu}}
			shapes := [][]int{{1, c.hw, c.hw, c.k}, {c.n, 1, 1, c.k}, {c.n}}
			consts := [][]float32{nil, randSlice(rng, c.n*c.k), randSlice(rng, c.n)}
			kern, _ := compileKernel(b, n, shapes, consts)
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

// TestTFJSConvPatches runs the fused convolutions of the TF.js models end to end (compile,
// run) on strided, padded and dilated geometries and compares them with a float64
// convolution: OpTFJSConv1x1 for 1x1 filters, OpConv2D (what the importer emits) otherwise.
func TestTFJSConvPatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := []struct {
		h, w, c, n, k, s, d int
		pad                 Padding
		act                 Activation
	}{
		{9, 9, 3, 24, 5, 2, 1, PadSame, ActRelu},
		{8, 7, 3, 16, 3, 1, 1, PadSame, ActRelu},
		{10, 10, 5, 33, 3, 3, 1, PadValid, ActNone},
		{7, 9, 2, 17, 3, 1, 2, PadSame, ActRelu6},
		{6, 6, 4, 8, 1, 2, 1, PadValid, ActNone},
		{5, 5, 1, 40, 5, 1, 1, PadSame, ActPRelu},
		{20, 11, 3, 24, 5, 2, 1, PadSame, ActNone}, // more pixels than one chunk
	}
	for _, c := range cases {
		for _, batch := range []int{1, 2} {
			name := fmt.Sprintf("%dx%dx%d_n%d_k%d_s%d_d%d_p%d_a%d_b%d", c.h, c.w, c.c, c.n, c.k, c.s, c.d, c.pad, c.act, batch)
			t.Run(name, func(t *testing.T) {
				op := OpConv2D
				if c.k == 1 {
					op = OpTFJSConv1x1
				}
				n := &Node{Name: name, Op: op, Attrs: Attrs{Strides: [2]int{c.s, c.s}, Dilations: [2]int{c.d, c.d}, Padding: c.pad, Act: c.act}}
				shapes := [][]int{{batch, c.h, c.w, c.c}, {c.n, c.k, c.k, c.c}, {c.n}, nil}
				consts := [][]float32{nil, randSlice(rng, c.n*c.k*c.k*c.c), randSlice(rng, c.n), nil}
				if c.act == ActPRelu {
					shapes[3], consts[3] = []int{c.n}, randSlice(rng, c.n)
				}
				kern, out := compileKernel(t, n, shapes, consts)
				g, _ := geometry(n, shapes[0], c.k, c.k)
				x := randSlice(rng, batch*c.h*c.w*c.c)
				y := make([]float32, numel(out[0]))
				kern.Run([][]float32{x, consts[1], consts[2], consts[3]}, [][]float32{y}, make([]float32, kern.Scratch))
				w := consts[1]
				for b := 0; b < batch; b++ {
					for oy := 0; oy < g.oh; oy++ {
						for ox := 0; ox < g.ow; ox++ {
							for o := 0; o < c.n; o++ {
								s := float64(consts[2][o])
								for ky := 0; ky < c.k; ky++ {
									for kx := 0; kx < c.k; kx++ {
										iy, ix := oy*c.s-g.padTop+ky*c.d, ox*c.s-g.padLeft+kx*c.d
										if iy < 0 || iy >= c.h || ix < 0 || ix >= c.w {
											continue
										}
										for i := 0; i < c.c; i++ {
											s += float64(x[((b*c.h+iy)*c.w+ix)*c.c+i]) * float64(w[((o*c.k+ky)*c.k+kx)*c.c+i])
										}
									}
								}
								switch c.act {
								case ActRelu:
									s = math.Max(s, 0)
								case ActRelu6:
									s = math.Min(math.Max(s, 0), 6)
								case ActPRelu:
									if s < 0 {
										s *= float64(consts[3][o])
									}
								}
								got := y[((b*g.oh+oy)*g.ow+ox)*c.n+o]
								if math.Abs(float64(got)-s) > 1e-4*(1+math.Abs(s)) {
									t.Fatalf("y[%d,%d,%d,%d] = %v, want %v", b, oy, ox, o, got, s)
								}
							}
						}
					}
				}
			})
		}
	}
}

// TestTFJSConv1x1RejectsLargerFilters: the op is a 1x1 kernel; a 3x3 filter is a shape
// error at inference and at compilation, not a silently different kernel.
func TestTFJSConv1x1RejectsLargerFilters(t *testing.T) {
	n := &Node{Name: "conv", Op: OpTFJSConv1x1}
	shapes := [][]int{{1, 8, 8, 3}, {4, 3, 3, 3}}
	consts := [][]float32{nil, make([]float32, 4*3*3*3)}
	if _, err := inferConv1x1(n, shapes, consts); !errors.Is(err, ErrShape) {
		t.Fatalf("infer: err = %v, want ErrShape", err)
	}
	if _, err := compileConv1x1(n, shapes, consts, [][]int{{1, 6, 6, 4}}); !errors.Is(err, ErrShape) {
		t.Fatalf("compile: err = %v, want ErrShape", err)
	}
}

// compileKernel infers n's output shapes and compiles its kernel, as the planner does.
func compileKernel(tb testing.TB, n *Node, shapes [][]int, consts [][]float32) (Kernel, [][]int) {
	tb.Helper()
	def, ok := lookup(n.Op)
	if !ok {
		tb.Fatalf("op %s not registered", n.Op)
	}
	out, err := def.Infer(n, shapes, consts)
	if err != nil {
		tb.Fatal(err)
	}
	kern, err := def.Compile(n, shapes, consts, out)
	if err != nil {
		tb.Fatal(err)
	}
	return kern, out
}
