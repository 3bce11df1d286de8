package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveConv is the reference for Conv2D and DepthwiseConv2D (NHWC, OHWI / [1,kh,kw,C*M]).
func naiveConv(x []float32, xs []int, w []float32, ws []int, bias []float32, depthwise bool, a Attrs, g convGeom) []float32 {
	oc := ws[0]
	if depthwise {
		oc = ws[3]
	}
	y := make([]float32, g.n*g.oh*g.ow*oc)
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				for o := 0; o < oc; o++ {
					acc := 0.0
					if bias != nil {
						acc = float64(bias[o])
					}
					for ky := 0; ky < g.kh; ky++ {
						for kx := 0; kx < g.kw; kx++ {
							iy, ix := oy*g.sh-g.padTop+ky*g.dh, ox*g.sw-g.padLeft+kx*g.dw
							if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
								continue
							}
							base := ((b*g.h+iy)*g.w + ix) * g.c
							if depthwise {
								mult := oc / g.c
								acc += float64(x[base+o/mult]) * float64(w[(ky*g.kw+kx)*oc+o])
								continue
							}
							for c := 0; c < g.c; c++ {
								acc += float64(x[base+c]) * float64(w[((o*g.kh+ky)*g.kw+kx)*g.c+c])
							}
						}
					}
					if a.Act == ActRelu {
						acc = max(acc, 0)
					}
					y[((b*g.oh+oy)*g.ow+ox)*oc+o] = float32(acc)
				}
			}
		}
	}
	return y
}

// TestConvPaths runs Conv2D and DepthwiseConv2D through FromGraph at awkward shapes that hit
// every kernel path (1x1 GEMM, implicit GEMM, im2col, register-blocked and generic
// depthwise, depth multipliers) and compares with naiveConv.
func TestConvPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	type cfg struct {
		dw          bool
		n, h, w, c  int
		oc, kh, kw  int
		stride, dil int
		pad         Padding
		pads        [4]int
		act         Activation
	}
	var cases []cfg
	for _, c := range []int{1, 3, 17} {
		for _, oc := range []int{1, 5, 33} {
			for _, k := range [][2]int{{1, 1}, {2, 2}, {3, 3}, {5, 3}} {
				for _, s := range []int{1, 2} {
					for _, pad := range []Padding{PadValid, PadSame, PadExplicit} {
						cases = append(cases, cfg{false, 2, 9, 11, c, oc, k[0], k[1], s, 1, pad, [4]int{1, 0, 2, 1}, ActRelu})
					}
				}
			}
		}
	}
	cases = append(cases, cfg{false, 1, 12, 13, 4, 7, 3, 3, 1, 2, PadSame, [4]int{}, ActNone},
		cfg{false, 1, 8, 9, 40, 20, 3, 3, 1, 1, PadValid, [4]int{}, ActRelu}, // K > Kc
		cfg{false, 2, 8, 9, 40, 9, 3, 3, 2, 1, PadSame, [4]int{}, ActRelu})
	for _, c := range []int{1, 16, 19} {
		for _, mult := range []int{1, 2} {
			for _, k := range [][2]int{{3, 3}, {5, 5}, {9, 9}} {
				for _, s := range []int{1, 2} {
					cases = append(cases, cfg{true, 2, 10, 9, c, c * mult, k[0], k[1], s, 1, PadSame, [4]int{}, ActRelu})
				}
			}
		}
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%+v", tc)
		xs := []int{tc.n, tc.h, tc.w, tc.c}
		ws := []int{tc.oc, tc.kh, tc.kw, tc.c}
		op := OpConv2D
		if tc.dw {
			ws = []int{1, tc.kh, tc.kw, tc.oc}
			op = OpDepthwiseConv2D
		}
		w := make([]float32, numel(ws))
		randFill(r, w)
		bias := make([]float32, tc.oc)
		randFill(r, bias)
		attrs := Attrs{Strides: [2]int{tc.stride, tc.stride}, Dilations: [2]int{tc.dil, tc.dil}, Padding: tc.pad, Pads: tc.pads, Act: tc.act}
		g := &Graph{}
		xi := g.AddTensor("x", []int{-1, tc.h, tc.w, tc.c}, nil)
		wi := g.AddTensor("w", ws, w)
		bi := g.AddTensor("b", []int{tc.oc}, bias)
		yi := g.AddTensor("y", nil, nil)
		g.AddNode(op, "conv", []int{xi, wi, bi}, []int{yi}, attrs)
		g.Inputs, g.Outputs = []int{xi}, []int{yi}
		m, err := FromGraph(g)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		x := make([]float32, numel(xs))
		randFill(r, x)
		out, err := m.Run(&Tensor{Shape: xs, Data: x})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		geo, err := geometry(&g.Nodes[0], xs, tc.kh, tc.kw)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveConv(x, xs, w, ws, bias, tc.dw, attrs, geo)
		if len(out[0].Data) != len(want) {
			t.Fatalf("%s: %d outputs, want %d", name, len(out[0].Data), len(want))
		}
		for i := range want {
			if math.Abs(float64(out[0].Data[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s: y[%d] = %g, want %g", name, i, out[0].Data[i], want[i])
			}
		}
	}
}

// TestPoolAndShapeOps checks pooling and data-movement ops against direct definitions.
func TestPoolAndShapeOps(t *testing.T) {
	x := make([]float32, 2*5*7*3)
	for i := range x {
		x[i] = float32((i*37)%23) - 11
	}
	xs := []int{2, 5, 7, 3}
	run := func(op Op, attrs Attrs, consts ...[]float32) *Tensor {
		g := &Graph{}
		xi := g.AddTensor("x", xs, nil)
		ins := []int{xi}
		for i, c := range consts {
			ins = append(ins, g.AddTensor(fmt.Sprint("c", i), []int{len(c)}, c))
		}
		yi := g.AddTensor("y", nil, nil)
		g.AddNode(op, "op", ins, []int{yi}, attrs)
		g.Inputs, g.Outputs = []int{xi}, []int{yi}
		m, err := FromGraph(g)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		out, err := m.Run(&Tensor{Shape: xs, Data: x})
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		return out[0]
	}
	at := func(b, y, xx, c int) float32 { return x[((b*5+y)*7+xx)*3+c] }

	// max pool 2x2 stride 2 SAME: 5x7 -> 3x4, edge windows clipped
	mp := run(OpMaxPool2D, Attrs{Window: [2]int{2, 2}, Strides: [2]int{2, 2}, Padding: PadSame})
	ap := run(OpAvgPool2D, Attrs{Window: [2]int{2, 2}, Strides: [2]int{2, 2}, Padding: PadSame})
	for b := 0; b < 2; b++ {
		for oy := 0; oy < 3; oy++ {
			for ox := 0; ox < 4; ox++ {
				for c := 0; c < 3; c++ {
					m, s, n := float32(math.Inf(-1)), float32(0), 0
					for y := 2 * oy; y < min(2*oy+2, 5); y++ {
						for xx := 2 * ox; xx < min(2*ox+2, 7); xx++ {
							m = max(m, at(b, y, xx, c))
							s += at(b, y, xx, c)
							n++
						}
					}
					i := ((b*3+oy)*4+ox)*3 + c
					if mp.Data[i] != m || math.Abs(float64(ap.Data[i]-s/float32(n))) > 1e-6 {
						t.Fatalf("pool (%d,%d,%d,%d): max %g/%g avg %g/%g", b, oy, ox, c, mp.Data[i], m, ap.Data[i], s/float32(n))
					}
				}
			}
		}
	}
	// transpose to NCHW
	tr := run(OpTranspose, Attrs{Perm: []int{0, 3, 1, 2}})
	if fmt.Sprint(tr.Shape) != "[2 3 5 7]" || tr.Data[((1*3+2)*5+4)*7+6] != at(1, 4, 6, 2) {
		t.Errorf("transpose: shape %v", tr.Shape)
	}
	// pad H by (1,2) with zeros
	pd := run(OpPad, Attrs{}, []float32{0, 0, 1, 2, 0, 0, 0, 0})
	if fmt.Sprint(pd.Shape) != "[2 8 7 3]" || pd.Data[((1*8+1)*7+3)*3+1] != at(1, 0, 3, 1) || pd.Data[((1*8+0)*7+3)*3+1] != 0 {
		t.Errorf("pad: shape %v", pd.Shape)
	}
	// strided slice x[:, 1:5:2, ::-1, 1]
	ss := run(OpStridedSlice, Attrs{BeginMask: 1 | 4, EndMask: 1 | 4, ShrinkAxisMask: 8},
		[]float32{0, 1, 0, 1}, []float32{0, 5, 0, 2}, []float32{1, 2, -1, 1})
	if fmt.Sprint(ss.Shape) != "[2 2 7]" || ss.Data[(1*2+1)*7+0] != at(1, 3, 6, 1) {
		t.Errorf("strided slice: shape %v data %v", ss.Shape, ss.Data[:7])
	}
	// mean over H and W, keep dims
	mn := run(OpReduceMean, Attrs{KeepDims: true}, []float32{1, 2})
	var s float64
	for y := 0; y < 5; y++ {
		for xx := 0; xx < 7; xx++ {
			s += float64(at(1, y, xx, 2))
		}
	}
	if fmt.Sprint(mn.Shape) != "[2 1 1 3]" || math.Abs(float64(mn.Data[5])-s/35) > 1e-5 {
		t.Errorf("mean: shape %v got %g want %g", mn.Shape, mn.Data[5], s/35)
	}
	// PRelu with per-channel slopes (the SIMD path)
	pr := run(OpPRelu, Attrs{}, []float32{0.5, -2, 3})
	for i, v := range x {
		want := v
		if v < 0 {
			want = v * []float32{0.5, -2, 3}[i%3]
		}
		if pr.Data[i] != want {
			t.Fatalf("prelu [%d] = %g, want %g", i, pr.Data[i], want)
		}
	}
	// per-channel scale (the row-wise fast path) and a per-width shift (the broadcast path)
	ml := run(OpMul, Attrs{}, []float32{0.5, -2, 3})
	g := &Graph{}
	xi := g.AddTensor("x", xs, nil)
	wi := g.AddTensor("w", []int{7, 1}, []float32{1, 2, 3, 4, 5, 6, 7})
	yi := g.AddTensor("y", nil, nil)
	g.AddNode(OpAdd, "add", []int{xi, wi}, []int{yi}, Attrs{})
	g.Inputs, g.Outputs = []int{xi}, []int{yi}
	m, err := FromGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	ad, err := m.Run(&Tensor{Shape: xs, Data: x})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		if ml.Data[i] != v*[]float32{0.5, -2, 3}[i%3] || ad[0].Data[i] != v+float32(i/3%7+1) {
			t.Fatalf("mul/add [%d]: %g %g from %g", i, ml.Data[i], ad[0].Data[i], v)
		}
	}
	// softmax over channels sums to one
	sm := run(OpSoftmax, Attrs{})
	for i := 0; i < len(sm.Data); i += 3 {
		if d := sm.Data[i] + sm.Data[i+1] + sm.Data[i+2] - 1; math.Abs(float64(d)) > 1e-6 {
			t.Fatalf("softmax row %d sums to 1%+g", i/3, d)
		}
	}
}
