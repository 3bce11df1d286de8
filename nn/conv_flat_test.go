package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// flatNaiveConv is the float64 reference convolution (NHWC, w [cout][kh][kw][c]) with the
// activation applied.
func flatNaiveConv(g *convGeom, x, w, bias, prelu []float32, cout int, act Activation, lalpha float32) []float32 {
	y := make([]float32, g.n*g.oh*g.ow*cout)
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				for o := 0; o < cout; o++ {
					s := 0.0
					if bias != nil {
						s = float64(bias[o])
					}
					for ky := 0; ky < g.kh; ky++ {
						iy := oy*g.sh - g.padTop + ky*g.dh
						for kx := 0; kx < g.kw; kx++ {
							ix := ox*g.sw - g.padLeft + kx*g.dw
							if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
								continue
							}
							for ci := 0; ci < g.c; ci++ {
								s += float64(x[((b*g.h+iy)*g.w+ix)*g.c+ci]) * float64(w[((o*g.kh+ky)*g.kw+kx)*g.c+ci])
							}
						}
					}
					v := float32(s)
					switch act {
					case ActPRelu:
						a := prelu[0]
						if len(prelu) > 1 {
							a = prelu[o]
						}
						if v < 0 {
							v *= a
						}
					default:
						tmp := []float32{v}
						applyActRow(tmp, act, lalpha, nil)
						v = tmp[0]
					}
					y[((b*g.oh+oy)*g.ow+ox)*cout+o] = v
				}
			}
		}
	}
	return y
}

type flatCase struct {
	n, h, w, c, kh, kw, s, d, cout int
	pad                            Padding
	act                            Activation
}

func flatCases() []flatCase {
	cs := []flatCase{
		{1, 240, 320, 3, 3, 3, 1, 1, 10, PadValid, ActPRelu}, // pnet
		{2, 24, 24, 3, 3, 3, 1, 1, 28, PadValid, ActPRelu},   // rnet
		{1, 64, 64, 3, 5, 5, 2, 1, 24, PadSame, ActRelu},     // blazeface (smaller)
		{1, 9, 9, 3, 3, 3, 2, 1, 12, PadSame, ActRelu6},
		{3, 5, 7, 2, 2, 3, 1, 1, 6, PadValid, ActLeakyRelu},
		{1, 11, 13, 4, 3, 3, 1, 2, 12, PadSame, ActNone},
		{1, 7, 40, 1, 3, 3, 2, 1, 14, PadValid, ActTanh},
		{2, 6, 33, 3, 3, 3, 1, 1, 20, PadSame, ActPRelu},
		{1, 3, 17, 1, 2, 2, 1, 1, 5, PadValid, ActRelu},
		{1, 8, 100, 3, 3, 3, 2, 1, 8, PadSame, ActPRelu},
		// one-pixel groups (Cout a multiple of 16)
		{1, 112, 112, 3, 3, 3, 2, 1, 64, PadSame, ActPRelu}, // MobileFaceNet
		{2, 48, 48, 3, 3, 3, 1, 1, 32, PadValid, ActPRelu},  // onet
		{1, 19, 23, 3, 3, 3, 2, 1, 16, PadSame, ActRelu},
		{1, 9, 11, 2, 2, 2, 1, 1, 48, PadValid, ActNone},
		{1, 5, 30, 1, 3, 3, 1, 1, 80, PadSame, ActRelu6},
		{1, 7, 13, 3, 3, 3, 2, 1, 96, PadSame, ActPRelu},
		{1, 6, 17, 3, 3, 3, 1, 2, 112, PadSame, ActLeakyRelu},
		// masked one-pixel groups (Cout not a multiple of 16, >= 7/8 of the lanes used)
		{1, 13, 29, 3, 3, 3, 2, 1, 30, PadSame, ActRelu},
		{2, 9, 31, 2, 3, 3, 1, 1, 15, PadValid, ActLeakyRelu},
		{1, 7, 26, 3, 3, 3, 1, 2, 47, PadSame, ActPRelu},
		{1, 5, 23, 4, 2, 2, 1, 1, 63, PadValid, ActNone},
		{1, 8, 8, 3, 3, 3, 1, 1, 29, PadValid, ActRelu6},
	}
	return cs
}

func (fc flatCase) geom(t *testing.T) convGeom {
	t.Helper()
	n := &Node{Op: OpConv2D, Attrs: Attrs{Strides: [2]int{fc.s, fc.s}, Dilations: [2]int{fc.d, fc.d}, Padding: fc.pad}}
	g, err := geometry(n, []int{fc.n, fc.h, fc.w, fc.c}, fc.kh, fc.kw)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestFlatConvMatchesNaive runs the flat-lane convolution (assembly where the CPU has it,
// and the Go twin) against the float64 reference at awkward sizes, with guard bands, and
// checks that split parts give the same values as one run.
func TestFlatConvMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, fc := range flatCases() {
		g := fc.geom(t)
		if !flatOK(&g, fc.cout) {
			t.Fatalf("%+v: not a flat-lane convolution", fc)
		}
		x := make([]float32, fc.n*fc.h*fc.w*fc.c)
		randFill(r, x)
		w := make([]float32, fc.cout*fc.kh*fc.kw*fc.c)
		randFill(r, w)
		bias := make([]float32, fc.cout)
		randFill(r, bias)
		prelu := make([]float32, fc.cout)
		randFill(r, prelu)
		want := flatNaiveConv(&g, x, w, bias, prelu, fc.cout, fc.act, 0.2)
		peak := 0.0
		for _, v := range want {
			peak = max(peak, math.Abs(float64(v)))
		}
		impls := []bool{false}
		if flatAsmAvail {
			impls = append(impls, true)
		}
		var outs [][]float32
		for _, asm := range impls {
			t.Run(fmt.Sprintf("%dx%dx%dx%d_k%dx%d_s%d_d%d_o%d_asm%v", fc.n, fc.h, fc.w, fc.c, fc.kh, fc.kw, fc.s, fc.d, fc.cout, asm), func(t *testing.T) {
				defer setFlatAsm(asm)()
				f := newFlatConv(g, fc.cout, w, bias, prelu, fc.act, 0.2)
				if f.masked != flatMasked(fc.cout) || (f.masked && f.asmGroups() == 0) {
					t.Fatalf("masked %v, G %d: not the planned kernel", f.masked, f.grp)
				}
				k := f.kernel(1)
				buf, y := guarded(len(want))
				xin := append([]float32(nil), x...) // exact length: windows past the end go through the copy
				k.Run([][]float32{xin}, [][]float32{y}, make([]float32, k.Scratch))
				checkGuards(t, buf, len(want))
				for i := range want {
					if d := math.Abs(float64(y[i] - want[i])); d > 1e-5*peak || math.IsNaN(float64(y[i])) {
						t.Fatalf("out[%d] = %v, want %v (peak %v)", i, y[i], want[i], peak)
					}
				}
				parts := 3
				y2 := make([]float32, len(want))
				for p := 0; p < parts; p++ {
					k.Split([][]float32{xin}, [][]float32{y2}, make([]float32, k.Scratch), p, parts)
				}
				for i := range y {
					if math.Float32bits(y[i]) != math.Float32bits(y2[i]) {
						t.Fatalf("split out[%d] = %v, run %v", i, y2[i], y[i])
					}
				}
				outs = append(outs, y)
			})
		}
		if len(outs) == 2 { // the twin follows the assembly's arithmetic
			for i := range outs[0] {
				if d := math.Abs(float64(outs[0][i] - outs[1][i])); d > 1e-6*peak {
					t.Fatalf("%+v: twin %v, assembly %v at %d", fc, outs[0][i], outs[1][i], i)
				}
			}
		}
	}
}

// setFlatAsm forces the assembly kernels on or off (on only where the CPU has them).
func setFlatAsm(on bool) func() {
	old := flatUseAsm
	flatUseAsm = on && flatAsmAvail
	return func() { flatUseAsm = old }
}

// BenchmarkFlatConv times the models' first layers as flat-lane convolutions ("flat")
// and through the GEMM path they took before ("gemm"), in one run; GFLOP/s from the
// thread's CPU time (the machine is shared).
func BenchmarkFlatConv(b *testing.B) {
	for _, fc := range []flatCase{
		{1, 240, 320, 3, 3, 3, 1, 1, 10, PadValid, ActPRelu}, // pnet at 320x240
		{1, 24, 24, 3, 3, 3, 1, 1, 28, PadValid, ActPRelu},   // rnet
		{1, 48, 48, 3, 3, 3, 1, 1, 12, PadValid, ActPRelu},   // no model's: 12 outputs
		{1, 112, 112, 3, 3, 3, 2, 1, 64, PadSame, ActPRelu},  // MobileFaceNet
		{1, 48, 48, 3, 3, 3, 1, 1, 32, PadValid, ActPRelu},   // onet
		{1, 192, 192, 3, 3, 3, 2, 1, 16, PadSame, ActPRelu},  // facemesh
		{1, 128, 128, 3, 3, 3, 1, 1, 64, PadValid, ActNone},  // antispoof
	} {
		r := rand.New(rand.NewPCG(1, 1))
		x := make([]float32, fc.n*fc.h*fc.w*fc.c)
		randFill(r, x)
		w := make([]float32, fc.cout*fc.kh*fc.kw*fc.c)
		randFill(r, w)
		alpha := make([]float32, fc.cout)
		randFill(r, alpha)
		node := &Node{Op: OpConv2D, Attrs: Attrs{Strides: [2]int{fc.s, fc.s}, Dilations: [2]int{fc.d, fc.d}, Padding: fc.pad, Act: fc.act}}
		in := [][]int{{fc.n, fc.h, fc.w, fc.c}, {fc.cout, fc.kh, fc.kw, fc.c}, nil, {fc.cout}}
		consts := [][]float32{nil, w, nil, alpha}
		for _, flat := range []bool{false, true} {
			name := "gemm"
			if flat {
				name = "flat"
			}
			b.Run(fmt.Sprintf("%dx%dx%d_k%d_s%d_o%d/%s", fc.h, fc.w, fc.c, fc.kh, fc.s, fc.cout, name), func(b *testing.B) {
				defer setFlatAsm(flat)()
				if flat && !flatAsm() {
					b.Skip("no assembly kernels")
				}
				out, err := inferConv(node, in, consts)
				if err != nil {
					b.Fatal(err)
				}
				k, err := compileConv(node, in, consts, out)
				if err != nil {
					b.Fatal(err)
				}
				y := make([]float32, out[0][0]*out[0][1]*out[0][2]*out[0][3])
				s := make([]float32, k.Scratch)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				c0 := threadCPU()
				for b.Loop() {
					k.Run([][]float32{x, w, nil, alpha}, [][]float32{y}, s)
				}
				b.ReportMetric(float64(2*k.MACs)*float64(b.N)/(threadCPU()-c0).Seconds()/1e9, "cpuGFLOP/s")
			})
		}
	}
}
