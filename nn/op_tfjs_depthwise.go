package nn

// A direct depthwise convolution for the TF.js models (blazeface, facemesh, faceres,
// mobilefacenet spend a third to a half of their time in depthwise layers with 16-1024
// channels). Each output pixel keeps its channels in registers across all kh·kw taps and is
// stored once, with the bias and ReLU/ReLU6 applied on the way out; interior pixels use
// precomputed tap offsets, border pixels a tap list with the out-of-image taps dropped.
// dwPixelGeneric is the reference; op_tfjs_depthwise_simd.go holds AVX-512 and AVX2 twins.

// OpTFJSDepthwise is DepthwiseConv2D with this kernel; inputs and Attrs as
// OpDepthwiseConv2D. The TF.js importer emits it (and fuses bias and activation itself).
const OpTFJSDepthwise Op = "tfjs.DepthwiseConv2D"

// dwMaxTaps bounds kh·kw for the direct kernel (larger windows use the generic op).
const dwMaxTaps = 64

func init() {
	registerOp(OpTFJSDepthwise, OpDef{Infer: inferTFJSDepthwise, Compile: compileTFJSDepthwise})
}

func inferTFJSDepthwise(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	return inferConv(as(n, OpDepthwiseConv2D), in, consts)
}

// dwKernel is a compiled multiplier-1 depthwise convolution.
type dwKernel struct {
	g      convGeom
	w      []float32 // [kh·kw][c]
	bias   []float32 // [c] or nil
	act    Activation
	alpha  float32
	prelu  []float32
	offs   []int // interior tap offsets relative to the window's top-left input pixel
	widx   []int // weight offset of each tap
	simdOK bool  // use the SIMD pixel kernel (tests clear it)

	// Stride-1 layers whose channel count is not a multiple of 16 run the interior of each
	// row as one flat span: output float j reads input float j+offs[t] of the span, and
	// the weights repeat with period c, so they are tiled to span (a multiple of both c
	// and 16) floats per tap and every vector is full.
	span int       // 0 when the span path is off
	wt   []float32 // [taps][span]
	bt   []float32 // [span] tiled bias (zeros without bias)

	// Row kernels (dw_row.go) for 3x3 stride-1 layers: code is their activation code (-1:
	// off), at the span-tiled PReLU slopes, groups the channel groups when c%16 == 0.
	code   int
	at     []float32
	groups []dwGroup

	// Channel counts that are not a multiple of 16 where the span path is off (stride 2:
	// blazeface's 24-channel strided blocks): one step per pixel of V = ceil(c/16)
	// vectors, weights zero-padded to V·16 lanes, wcode the activation code (-1: off).
	// A step writes V·16-c floats past its pixel into the next ones, which later steps
	// (or the pixel path, for the row's last interior pixels) overwrite.
	wide  *dwGroup
	wcode int
}

func compileTFJSDepthwise(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	ws := in[1]
	g, err := geometry(n, in[0], ws[1], ws[2])
	if err != nil {
		return Kernel{}, err
	}
	if ws[3] != g.c || g.kh*g.kw > dwMaxTaps {
		return compileDepthwise(as(n, OpDepthwiseConv2D), in, consts, out)
	}
	w, bias, alpha, err := linearParams(n, in, consts, g.c)
	if err != nil {
		return Kernel{}, err
	}
	if len(w) != g.kh*g.kw*g.c {
		return Kernel{}, shapeErr(n, "filter has %d values for %v", len(w), ws)
	}
	k := newDWKernel(g, w, bias, n.Attrs.Act, n.Attrs.Alpha, alpha)
	macs := int64(g.n*g.oh*g.ow) * int64(g.c) * int64(g.kh*g.kw)
	return k.planned(macs), nil
}

// kernel wraps k with a row split.
func (k *dwKernel) kernel(macs int64) Kernel {
	g := &k.g
	return splitKernel(Kernel{MACs: macs}, func(in, out [][]float32, _ []float32, part, parts int) {
		r0, r1 := partRange(g.n*g.oh, part, parts)
		for r := r0; r < r1; {
			b, oy := r/g.oh, r%g.oh
			oy1 := min(g.oh, oy+r1-r)
			k.rows(in[0], b, oy, oy1, out[0][r*g.ow*g.c:])
			r += oy1 - oy
		}
	})
}

func newDWKernel(g convGeom, w, bias []float32, act Activation, alpha float32, prelu []float32) *dwKernel {
	k := &dwKernel{g: g, w: w, bias: bias, act: act, alpha: alpha, prelu: prelu, simdOK: true}
	for ky := 0; ky < g.kh; ky++ {
		for kx := 0; kx < g.kw; kx++ {
			k.offs = append(k.offs, (ky*g.dh*g.w+kx*g.dw)*g.c)
			k.widx = append(k.widx, (ky*g.kw+kx)*g.c)
		}
	}
	k.code = -1
	if dwRowOK(&g) && (act != ActPRelu || len(prelu) == g.c || len(prelu) == 1) {
		k.code = dwActCode(act)
	}
	if k.code >= 0 && g.c%16 == 0 {
		k.groups = dwGroups(w, bias, prelu, g.c)
	}
	k.wcode = -1
	if wideOK(&g) && (act != ActPRelu || len(prelu) == g.c || len(prelu) == 1) {
		k.wcode = dwActCode(act)
		k.wide = dwWide(w, bias, prelu, g.c)
	}
	if g.sw == 1 && g.c%16 != 0 && g.c/gcd(g.c, 16) <= 24 {
		k.span = 16 * g.c / gcd(g.c, 16)
		taps := g.kh * g.kw
		k.wt = make([]float32, taps*k.span)
		k.bt = make([]float32, k.span)
		for i := 0; i < k.span; i++ {
			for t := 0; t < taps; t++ {
				k.wt[t*k.span+i] = w[t*g.c+i%g.c]
			}
			if bias != nil {
				k.bt[i] = bias[i%g.c]
			}
		}
		if k.span > 48 {
			k.code = -1
		}
		if k.code >= 0 {
			k.at = tileAlphaTo(prelu, g.c, k.span)
		}
	}
	return k
}

// rowAsm reports whether this run takes the row kernels.
func (k *dwKernel) rowAsm() bool { return k.code >= 0 && k.simdOK && dwAsm() }

// wideAsm reports whether this run takes the padded one-pixel steps.
func (k *dwKernel) wideAsm() bool { return k.wcode >= 0 && k.simdOK && dwAsm() }

// wideOK reports whether the padded one-pixel steps serve geometry g: 3x3, stride 2, at
// most 48 channels not a multiple of 16 (stride 1 takes the span path).
func wideOK(g *convGeom) bool {
	return g.kh == 3 && g.kw == 3 && g.dh == 1 && g.dw == 1 && g.sw == 2 && g.c%16 != 0 && g.c < 48
}

// dwWide packs weights [9][c], bias and alpha zero-padded to ceil(c/16)·16 lanes.
func dwWide(w, bias, alpha []float32, c int) *dwGroup {
	vl := (c + 15) &^ 15
	gr := &dwGroup{wt: make([]float32, 9*vl), b: make([]float32, vl), al: make([]float32, vl)}
	for t := 0; t < 9; t++ {
		copy(gr.wt[t*vl:], w[t*c:(t+1)*c])
	}
	if bias != nil {
		copy(gr.b, bias)
	}
	copy(gr.al, tileAlphaTo(alpha, c, c))
	return gr
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// run computes y from x (NHWC) for the compiled shapes.
func (k *dwKernel) run(x, y []float32) {
	g := &k.g
	for b := 0; b < g.n; b++ {
		k.rows(x, b, 0, g.oh, y[b*g.oh*g.ow*g.c:])
	}
}

// rows computes output rows [oy0, oy1) of batch element b into y (row oy0 first).
func (k *dwKernel) rows(x []float32, b, oy0, oy1 int, y []float32) {
	g := &k.g
	c := g.c
	var offs, widx [dwMaxTaps]int
	for oy := oy0; oy < oy1; oy++ {
		iy0 := oy*g.sh - g.padTop
		rowIn := iy0 >= 0 && iy0+(g.kh-1)*g.dh < g.h
		// Interior columns [oxA, oxB): every tap inside the image.
		oxA, oxB := 0, 0
		if hi := g.w - (g.kw-1)*g.dw + g.padLeft - 1; rowIn && hi >= 0 && (k.span > 0 || k.groups != nil && k.rowAsm() || k.wideAsm()) {
			oxA = min((g.padLeft+g.sw-1)/g.sw, g.ow)
			oxB = max(min(hi/g.sw+1, g.ow), oxA)
			if oxB > oxA {
				dst := y[((oy-oy0)*g.ow+oxA)*c : ((oy-oy0)*g.ow+oxB)*c]
				k.spanRow(dst, x, ((b*g.h+iy0)*g.w+oxA*g.sw-g.padLeft)*c)
			}
		}
		for ox := 0; ox < g.ow; ox++ {
			if ox == oxA && oxB > oxA {
				ox = oxB - 1
				continue
			}
			ix0 := ox*g.sw - g.padLeft
			dst := y[((oy-oy0)*g.ow+ox)*c:][:c]
			if rowIn && ix0 >= 0 && ix0+(g.kw-1)*g.dw < g.w {
				k.pixel(dst, x, ((b*g.h+iy0)*g.w+ix0)*c, k.offs, k.widx)
				continue
			}
			nt := 0
			for ky := 0; ky < g.kh; ky++ {
				iy := iy0 + ky*g.dh
				if iy < 0 || iy >= g.h {
					continue
				}
				for kx := 0; kx < g.kw; kx++ {
					ix := ix0 + kx*g.dw
					if ix < 0 || ix >= g.w {
						continue
					}
					offs[nt] = ((b*g.h+iy)*g.w + ix) * c
					widx[nt] = (ky*g.kw + kx) * c
					nt++
				}
			}
			k.pixel(dst, x, 0, offs[:nt], widx[:nt])
		}
	}
}

// pixel computes one output pixel and applies the activation.
func (k *dwKernel) pixel(dst, x []float32, base int, offs, widx []int) {
	if k.act == ActPRelu && len(k.prelu) == len(dst) && k.simdOK && dwSIMD &&
		dwPixelPReLU(dst, x, base, offs, widx, k.w, k.bias, k.prelu) {
		return
	}
	fused := k.act == ActNone || k.act == ActRelu || k.act == ActRelu6
	act := k.act
	if !fused {
		act = ActNone
	}
	if k.simdOK && dwSIMD {
		dwPixelSIMD(dst, x, base, offs, widx, k.w, k.bias, act)
	} else {
		dwPixelGeneric(dst, x, base, offs, widx, k.w, k.bias, act)
	}
	if !fused {
		applyActRow(dst, k.act, k.alpha, k.prelu)
	}
}

// spanRow computes the flat interior span dst, whose first float reads input float xbase
// for tap 0 (before the tap offsets), and applies the activation.
func (k *dwKernel) spanRow(dst, x []float32, xbase int) {
	if k.wideAsm() {
		c, xs := k.g.c, k.g.sw*k.g.c
		np := len(dst) / c
		// The last pixels one by one: their steps would write past the span.
		tail := min(np, (len(k.wide.b)-1)/c)
		dwRow3x3(np-tail, xs, c, x[xbase:], k.g.w*c, c, k.wide.wt, k.wide.b, k.wide.al, dst, k.wcode)
		for p := np - tail; p < np; p++ {
			k.pixel(dst[p*c:(p+1)*c], x, xbase+p*xs, k.offs, k.widx)
		}
		return
	}
	if k.rowAsm() {
		c := k.g.c
		if k.groups != nil {
			np := len(dst) / c
			for _, gr := range k.groups {
				dwRow3x3(np, k.g.sw*c, c, x[xbase+gr.c0:], k.g.w*c, c, gr.wt, gr.b, gr.al, dst[gr.c0:], k.code)
			}
			return
		}
		n := len(dst) / k.span
		dwRow3x3(n, k.span, k.span, x[xbase:], k.g.w*c, c, k.wt, k.bt, k.at, dst, k.code)
		if n*k.span == len(dst) {
			return
		}
		dst, xbase = dst[n*k.span:], xbase+n*k.span // phase 0 again: the span code finishes
	}
	fused := k.act == ActNone || k.act == ActRelu || k.act == ActRelu6
	act := k.act
	if !fused {
		act = ActNone
	}
	if k.simdOK && dwSIMD {
		dwSpanSIMD(dst, x, xbase, k.offs, k.wt, k.bt, k.span, act)
	} else {
		dwSpanGeneric(dst, x, xbase, k.offs, k.wt, k.bt, k.span, act)
	}
	if !fused {
		applyAct(dst, k.g.c, k.act, k.alpha, k.prelu)
	}
}

// dwSpanGeneric: dst[j] = act(bt[j%span] + Σ_t x[xbase+offs[t]+j]·wt[t·span + j%span]).
func dwSpanGeneric(dst, x []float32, xbase int, offs []int, wt, bt []float32, span int, act Activation) {
	for j := range dst {
		ph := j % span
		s := bt[ph]
		for t, off := range offs {
			s += x[xbase+off+j] * wt[t*span+ph]
		}
		s = clampAct(s, act)
		dst[j] = s
	}
}

// dwPixelGeneric: dst[ch] = act(bias[ch] + Σ_t x[base+offs[t]+ch]·w[widx[t]+ch]).
func dwPixelGeneric(dst, x []float32, base int, offs, widx []int, w, bias []float32, act Activation) {
	for ch := range dst {
		var s float32
		if bias != nil {
			s = bias[ch]
		}
		for t, off := range offs {
			s += x[base+off+ch] * w[widx[t]+ch]
		}
		s = clampAct(s, act)
		dst[ch] = s
	}
}
