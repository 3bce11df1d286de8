package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveDepthwise is the specification: float64 sums, NHWC, w as [kh, kw, c].
func naiveDepthwise(g convGeom, x, w, bias []float32, act Activation, prelu []float32) []float32 {
	y := make([]float32, g.n*g.oh*g.ow*g.c)
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				for ch := 0; ch < g.c; ch++ {
					var s float64
					if bias != nil {
						s = float64(bias[ch])
					}
					for ky := 0; ky < g.kh; ky++ {
						for kx := 0; kx < g.kw; kx++ {
							iy, ix := oy*g.sh-g.padTop+ky*g.dh, ox*g.sw-g.padLeft+kx*g.dw
							if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
								continue
							}
							s += float64(x[((b*g.h+iy)*g.w+ix)*g.c+ch]) * float64(w[(ky*g.kw+kx)*g.c+ch])
						}
					}
					switch act {
					case ActRelu:
						s = math.Max(s, 0)
					case ActRelu6:
						s = math.Min(math.Max(s, 0), 6)
					case ActSigmoid:
						s = 1 / (1 + math.Exp(-s))
					case ActPRelu:
						if s < 0 {
							s *= float64(prelu[ch])
						}
					}
					y[((b*g.oh+oy)*g.ow+ox)*g.c+ch] = float32(s)
				}
			}
		}
	}
	return y
}

// TestTFJSDepthwise compares the generic and SIMD kernels with the specification at awkward
// channel counts and geometries, with guard bands around the output.
func TestTFJSDepthwise(t *testing.T) {
	const guard = 19
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		h, w, c, k, s, d int
		pad              Padding
		act              Activation
		bias             bool
	}{
		{5, 7, 1, 3, 1, 1, PadSame, ActNone, false},
		{6, 5, 3, 3, 2, 1, PadSame, ActRelu, true},
		{9, 9, 7, 5, 1, 1, PadSame, ActRelu6, true},
		{8, 8, 15, 5, 2, 1, PadSame, ActNone, true},
		{7, 6, 17, 3, 1, 1, PadValid, ActRelu, false},
		{10, 9, 24, 5, 1, 1, PadSame, ActNone, false},
		{9, 10, 28, 5, 2, 1, PadSame, ActNone, false},
		{6, 6, 31, 3, 1, 2, PadSame, ActRelu6, true},
		{5, 5, 33, 3, 3, 1, PadValid, ActSigmoid, true},
		{4, 4, 36, 3, 1, 1, PadSame, ActRelu, true},
		{7, 7, 100, 3, 1, 1, PadSame, ActRelu6, true},
		{3, 3, 1024, 3, 1, 1, PadSame, ActRelu6, true},
		{1, 1, 12, 1, 1, 1, PadValid, ActNone, true},
		{2, 3, 9, 5, 1, 1, PadSame, ActRelu, true},   // window larger than the image
		{7, 7, 64, 3, 1, 1, PadSame, ActPRelu, true}, // MobileFaceNet: PReLU in registers
		{8, 8, 56, 3, 2, 1, PadSame, ActPRelu, false},
		{5, 6, 7, 3, 1, 1, PadSame, ActPRelu, true},
		{6, 5, 129, 3, 2, 1, PadSame, ActPRelu, true},
		// 3x3 stride-1 row kernels (dw_row.go): span steps and channel groups.
		{6, 9, 24, 3, 1, 1, PadSame, ActNone, false}, // blazeface
		{5, 11, 24, 3, 1, 1, PadSame, ActRelu, true},
		{7, 6, 48, 3, 1, 1, PadSame, ActRelu6, true},
		{5, 7, 96, 3, 1, 1, PadSame, ActNone, true},
		{6, 8, 64, 3, 1, 1, PadSame, ActPRelu, true},
		{4, 9, 128, 3, 1, 1, PadSame, ActPRelu, false},
		{5, 5, 256, 3, 1, 1, PadValid, ActRelu, true},
		{5, 13, 16, 3, 1, 1, PadSame, ActRelu6, true},
		{6, 7, 32, 3, 1, 1, PadValid, ActPRelu, true},
		{5, 9, 8, 3, 1, 1, PadSame, ActPRelu, true}, // span 16
		{6, 7, 12, 3, 1, 1, PadSame, ActRelu, true}, // span 48, rows not a multiple of it
		{7, 8, 80, 3, 2, 1, PadSame, ActRelu, true}, // stride 2: channel groups, input step 2c
		{9, 11, 64, 3, 2, 1, PadSame, ActPRelu, true},
		{8, 9, 128, 3, 2, 1, PadValid, ActRelu6, false},
		{10, 10, 32, 3, 2, 1, PadSame, ActNone, true},
		{7, 3, 48, 3, 2, 1, PadSame, ActPRelu, true},
		// stride 2 below 48 channels, not a multiple of 16: padded one-pixel steps.
		{9, 12, 24, 3, 2, 1, PadSame, ActRelu, true}, // blazeface's strided blocks
		{8, 8, 24, 3, 2, 1, PadSame, ActNone, false},
		{7, 9, 8, 3, 2, 1, PadValid, ActRelu6, true},
		{10, 11, 40, 3, 2, 1, PadSame, ActPRelu, true},
		{6, 5, 12, 3, 2, 1, PadSame, ActRelu, true},
		{9, 7, 3, 3, 2, 1, PadSame, ActPRelu, false},
		{5, 4, 24, 3, 2, 1, PadValid, ActRelu, true}, // one interior pixel per row
	}
	for _, c := range cases {
		for _, batch := range []int{1, 2} {
			name := fmt.Sprintf("%dx%dx%d_k%d_s%d_d%d_p%d_a%d_n%d", c.h, c.w, c.c, c.k, c.s, c.d, c.pad, c.act, batch)
			t.Run(name, func(t *testing.T) {
				n := &Node{Name: name, Op: OpTFJSDepthwise, Attrs: Attrs{Strides: [2]int{c.s, c.s}, Dilations: [2]int{c.d, c.d}, Padding: c.pad, Act: c.act}}
				g, err := geometry(n, []int{batch, c.h, c.w, c.c}, c.k, c.k)
				if err != nil {
					t.Fatal(err)
				}
				x := randSlice(rng, batch*c.h*c.w*c.c)
				w := randSlice(rng, c.k*c.k*c.c)
				var bias []float32
				if c.bias {
					bias = randSlice(rng, c.c)
				}
				prelu := randSlice(rng, c.c)
				want := naiveDepthwise(g, x, w, bias, c.act, prelu)
				for _, impl := range dwImpls() {
					k := newDWKernel(g, w, bias, c.act, 0, prelu)
					k.simdOK = impl.simd
					restore := impl.set()
					y := make([]float32, len(want)+2*guard)
					for i := range y {
						y[i] = -777
					}
					k.run(x, y[guard:guard+len(want)])
					restore()
					for i := 0; i < guard; i++ {
						if y[i] != -777 || y[len(y)-1-i] != -777 {
							t.Fatalf("%s: guard band overwritten", impl.name)
						}
					}
					for i, v := range want {
						if d := math.Abs(float64(y[guard+i] - v)); d > 1e-5*(1+math.Abs(float64(v))) {
							t.Fatalf("%s: y[%d] = %v, want %v", impl.name, i, y[guard+i], v)
						}
					}
				}
			})
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// BenchmarkTFJSDepthwise times the direct kernel against the generic op on a blazeface-like
// layer (128x128x24, 5x5) and a faceres-like one (14x14x512, 3x3).
func BenchmarkTFJSDepthwise(b *testing.B) {
	for _, c := range []struct{ h, c, k int }{{128, 24, 5}, {64, 48, 5}, {14, 512, 3}, {112, 64, 3}} {
		rng := rand.New(rand.NewPCG(3, 4))
		x := randSlice(rng, c.h*c.h*c.c)
		w := randSlice(rng, c.k*c.k*c.c)
		n := &Node{Op: OpDepthwiseConv2D, Attrs: Attrs{Padding: PadSame}}
		g, _ := geometry(n, []int{1, c.h, c.h, c.c}, c.k, c.k)
		y := make([]float32, c.h*c.h*c.c)
		macs := float64(c.h * c.h * c.c * c.k * c.k)
		b.Run(fmt.Sprintf("direct/%dx%d_k%d", c.h, c.c, c.k), func(b *testing.B) {
			k := newDWKernel(g, w, nil, ActRelu, 0, nil)
			for b.Loop() {
				k.run(x, y)
			}
			b.ReportMetric(2*macs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("generic-op/%dx%d_k%d", c.h, c.c, c.k), func(b *testing.B) {
			for b.Loop() {
				depthwise(&g, x, w, nil, y)
				applyAct(y, c.c, ActRelu, 0, nil)
			}
			b.ReportMetric(2*macs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
