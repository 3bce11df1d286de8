package nn

import "fmt"

func init() {
	registerOp(OpConv2D, OpDef{Infer: inferConv, Compile: compileConv})
	registerOp(OpDepthwiseConv2D, OpDef{Infer: inferConv, Compile: compileDepthwise})
}

// convOut returns the output size and leading padding of one spatial dimension.
func convOut(in, k, s, d int, pad Padding, before, after int) (int, int, error) {
	ek := (k-1)*d + 1
	switch pad {
	case PadValid:
		if in < ek {
			return 0, 0, fmt.Errorf("input %d smaller than kernel %d", in, ek)
		}
		return (in-ek)/s + 1, 0, nil
	case PadSame:
		out := (in + s - 1) / s
		total := max((out-1)*s+ek-in, 0)
		return out, total / 2, nil
	default:
		if before < 0 || after < 0 || in+before+after < ek {
			return 0, 0, fmt.Errorf("bad explicit padding %d,%d for input %d kernel %d", before, after, in, ek)
		}
		return (in+before+after-ek)/s + 1, before, nil
	}
}

// convGeom is the resolved geometry of a convolution or pool.
type convGeom struct {
	n, h, w, c      int // input
	oh, ow          int
	kh, kw          int
	sh, sw, dh, dw  int
	padTop, padLeft int
}

func geometry(n *Node, x []int, kh, kw int) (convGeom, error) {
	if len(x) != 4 {
		return convGeom{}, shapeErr(n, "input must be NHWC, got %v", x)
	}
	if kh <= 0 || kw <= 0 || kh > 1<<12 || kw > 1<<12 {
		return convGeom{}, shapeErr(n, "bad kernel %dx%d", kh, kw)
	}
	g := convGeom{n: x[0], h: x[1], w: x[2], c: x[3], kh: kh, kw: kw}
	g.sh, g.sw = n.Attrs.stride()
	g.dh, g.dw = n.Attrs.dilation()
	p := n.Attrs.Pads
	var err error
	if g.oh, g.padTop, err = convOut(g.h, kh, g.sh, g.dh, n.Attrs.Padding, p[0], p[1]); err != nil {
		return g, shapeErr(n, "height: %v", err)
	}
	if g.ow, g.padLeft, err = convOut(g.w, kw, g.sw, g.dw, n.Attrs.Padding, p[2], p[3]); err != nil {
		return g, shapeErr(n, "width: %v", err)
	}
	return g, nil
}

func inferConv(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	if len(in) < 2 || in[0] == nil || len(in[1]) != 4 {
		return nil, shapeErr(n, "needs input and a 4-D filter")
	}
	w := in[1]
	g, err := geometry(n, in[0], w[1], w[2])
	if err != nil {
		return nil, err
	}
	oc := w[0]
	if n.Op == OpDepthwiseConv2D {
		oc = w[3]
		if w[0] != 1 || oc%g.c != 0 {
			return nil, shapeErr(n, "depthwise filter %v does not fit %d input channels", w, g.c)
		}
	} else if w[3] != g.c {
		return nil, shapeErr(n, "filter %v does not fit %d input channels", w, g.c)
	}
	return [][]int{{g.n, g.oh, g.ow, oc}}, nil
}

// linearParams checks the constant weights, bias and PReLU alpha of a conv/FC node.
func linearParams(n *Node, in [][]int, consts [][]float32, oc int) (w, bias, alpha []float32, err error) {
	w = consts[1]
	if w == nil {
		return nil, nil, nil, fmt.Errorf("%w: %s %q: non-constant weights", ErrUnsupported, n.Op, n.Name)
	}
	if len(in) > 2 && in[2] != nil {
		bias = consts[2]
		if bias == nil || len(bias) != oc {
			return nil, nil, nil, shapeErr(n, "bias must be constant with %d values", oc)
		}
	}
	alpha, err = actAlpha(n, consts)
	if err == nil && alpha != nil && len(alpha) != oc && len(alpha) != 1 {
		err = shapeErr(n, "PReLU alpha has %d values for %d channels", len(alpha), oc)
	}
	return w, bias, alpha, err
}

func compileConv(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	ws := in[1]
	g, err := geometry(n, in[0], ws[1], ws[2])
	if err != nil {
		return Kernel{}, err
	}
	oc := ws[0]
	k := ws[1] * ws[2] * ws[3]
	w, bias, alpha, err := linearParams(n, in, consts, oc)
	if err != nil {
		return Kernel{}, err
	}
	if n.prec == BF16 && bf16Worth(oc) && ws[1] == 1 && ws[2] == 1 && g.sh == 1 && g.sw == 1 && g.padTop == 0 && g.padLeft == 0 {
		m := g.n * g.oh * g.ow
		return compileGemmBF16(n, m, oc, k, w, bias, alpha, int64(m)*int64(oc)*int64(k)), nil
	}
	impl := pickGemm(oc)
	pb := n.cached(fmt.Sprintf("packB/%d", impl.nr), func() any { return packB(w, oc, k, impl.nr) }).(*packedB)
	ep := &epilogue{bias: bias, act: n.Attrs.Act, alpha: n.Attrs.Alpha, prelu: tileAlpha(alpha, oc)}
	m := g.n * g.oh * g.ow
	macs := int64(m) * int64(oc) * int64(k)
	if ws[1] == 1 && ws[2] == 1 && g.sh == 1 && g.sw == 1 && g.padTop == 0 && g.padLeft == 0 {
		split := func(in, out [][]float32, s []float32, part, parts int) {
			r0, r1 := partRange(m, part, parts)
			gemm(impl, r1-r0, in[0][r0*k:], k, pb, out[0][r0*oc:], oc, ep, s)
		}
		return splitKernel(Kernel{MACs: macs, Scratch: gemmScratch(impl), Impl: "1x1"}, split), nil
	}
	// Flat-lane unless the groups span several pixels where the GEMM's tile fits the
	// channels exactly (blazeface's 24: 70-75 GFLOP/s flat vs 78-80 GEMM).
	if flatAsm() && flatOK(&g, oc) && (oc%16 == 0 || oc%impl.nr != 0) {
		return newFlatConv(g, oc, w, bias, alpha, n.Attrs.Act, n.Attrs.Alpha).kernel(macs), nil
	}
	rows := g.n * g.oh
	if directOK(&g) {
		split := func(in, out [][]float32, s []float32, part, parts int) {
			r0, r1 := partRange(rows, part, parts)
			convDirectRange(impl, &g, in[0], pb, out[0], ep, s, r0, r1)
		}
		return splitKernel(Kernel{MACs: macs, Scratch: gemmScratch(impl), Impl: "direct"}, split), nil
	}
	if pg, ok := paddedGeom(&g); ok { // pad once, then implicit GEMM: no im2col copy
		size := pg.n * pg.h * pg.w * pg.c
		split := func(in, out [][]float32, s []float32, part, parts int) {
			r0, r1 := partRange(rows, part, parts)
			xp := s[:size] // each part pads the whole input: a copy, small next to the GEMM
			padInput(&g, &pg, in[0], xp)
			convDirectRange(impl, &pg, xp, pb, out[0], ep, s[size:], r0, r1)
		}
		return splitKernel(Kernel{MACs: macs, Scratch: size + gemmScratch(impl), Impl: "padded"}, split), nil
	}
	chunk := Mc * 4
	split := func(in, out [][]float32, s []float32, part, parts int) {
		cols, gs := s[:chunk*k], s[chunk*k:]
		r0, r1 := partRange(m, part, parts)
		for p0 := r0; p0 < r1; p0 += chunk {
			cnt := min(chunk, r1-p0)
			im2col(&g, in[0], p0, cnt, cols)
			gemm(impl, cnt, cols, k, pb, out[0][p0*oc:], oc, ep, gs)
		}
	}
	return splitKernel(Kernel{MACs: macs, Scratch: chunk*k + gemmScratch(impl), Impl: "im2col"}, split), nil
}

// im2col writes the patches of output pixels [p0, p0+cnt) as rows of kh·kw·c values. With
// unit width dilation a kernel row's kw·c inputs are contiguous in NHWC, so a fully inside
// kernel row is one copy.
func im2col(g *convGeom, x []float32, p0, cnt int, cols []float32) {
	k := g.kh * g.kw * g.c
	rowLen := g.kw * g.c
	for p := p0; p < p0+cnt; p++ {
		ox := p % g.ow
		oy := (p / g.ow) % g.oh
		b := p / (g.ow * g.oh)
		row := cols[(p-p0)*k : (p-p0+1)*k]
		ix0 := ox*g.sw - g.padLeft
		inside := g.dw == 1 && ix0 >= 0 && ix0+g.kw <= g.w
		for ky := 0; ky < g.kh; ky++ {
			iy := oy*g.sh - g.padTop + ky*g.dh
			seg := row[ky*rowLen : (ky+1)*rowLen]
			if iy < 0 || iy >= g.h {
				clear(seg)
				continue
			}
			base := (b*g.h + iy) * g.w
			if inside {
				copy(seg, x[(base+ix0)*g.c:(base+ix0)*g.c+rowLen])
				continue
			}
			for kx := 0; kx < g.kw; kx++ {
				ix := ix0 + kx*g.dw
				dst := seg[kx*g.c : (kx+1)*g.c]
				if ix < 0 || ix >= g.w {
					clear(dst)
					continue
				}
				copy(dst, x[(base+ix)*g.c:(base+ix+1)*g.c])
			}
		}
	}
}

func compileDepthwise(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	ws := in[1]
	g, err := geometry(n, in[0], ws[1], ws[2])
	if err != nil {
		return Kernel{}, err
	}
	oc := ws[3]
	mult := oc / g.c
	w, bias, alpha, err := linearParams(n, in, consts, oc)
	if err != nil {
		return Kernel{}, err
	}
	if mult != 1 { // expand input channels so the kernel is a plain per-channel one
		return compileDepthwiseMult(n, g, w, bias, alpha, mult)
	}
	act, lalpha := n.Attrs.Act, n.Attrs.Alpha
	macs := int64(g.n*g.oh*g.ow) * int64(oc) * int64(g.kh*g.kw)
	if g.kh*g.kw <= dwMaxTaps { // register-blocked kernel shared with the TF.js importer
		return newDWKernel(g, w, bias, act, lalpha, alpha).planned(macs), nil
	}
	return Kernel{MACs: macs, Run: func(in, out [][]float32, _ []float32) {
		depthwise(&g, in[0], w, bias, out[0])
		applyAct(out[0], oc, act, lalpha, alpha)
	}}, nil
}

// depthwise computes a multiplier-1 depthwise convolution, NHWC, w as [kh, kw, c].
func depthwise(g *convGeom, x, w, bias, y []float32) {
	c := g.c
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				dst := y[((b*g.oh+oy)*g.ow+ox)*c:][:c]
				if bias != nil {
					copy(dst, bias)
				} else {
					clear(dst)
				}
				for ky := 0; ky < g.kh; ky++ {
					iy := oy*g.sh - g.padTop + ky*g.dh
					if iy < 0 || iy >= g.h {
						continue
					}
					for kx := 0; kx < g.kw; kx++ {
						ix := ox*g.sw - g.padLeft + kx*g.dw
						if ix < 0 || ix >= g.w {
							continue
						}
						src := x[((b*g.h+iy)*g.w+ix)*c:][:c]
						madd(dst, src, w[(ky*g.kw+kx)*c:][:c])
					}
				}
			}
		}
	}
}

// maddGeneric computes dst[i] += a[i]*b[i].
func maddGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] += a[i] * b[i]
	}
}

// madd dispatches to SIMD when available.
var madd = maddGeneric

// compileDepthwiseMult handles depth multipliers > 1 by replicating input channels.
func compileDepthwiseMult(n *Node, g convGeom, w, bias, alpha []float32, mult int) (Kernel, error) {
	c := g.c
	inSize := g.n * g.h * g.w * c
	ge := g
	ge.c = c * mult
	oc := ge.c
	act, lalpha := n.Attrs.Act, n.Attrs.Alpha
	macs := int64(g.n*g.oh*g.ow) * int64(oc) * int64(g.kh*g.kw)
	return Kernel{MACs: macs, Scratch: inSize * mult, Run: func(in, out [][]float32, s []float32) {
		xe := s[:inSize*mult]
		for p := 0; p < inSize/c; p++ {
			for ch := 0; ch < c; ch++ {
				v := in[0][p*c+ch]
				for m := 0; m < mult; m++ {
					xe[(p*c+ch)*mult+m] = v
				}
			}
		}
		depthwise(&ge, xe, w, bias, out[0])
		applyAct(out[0], oc, act, lalpha, alpha)
	}}, nil
}
