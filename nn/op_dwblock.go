package nn

import "fmt"

// A fused depthwise → pointwise → residual-add block (blazeface's BlazeBlocks: 3x3
// depthwise, 1x1 conv with bias, Add with the block input, ReLU). Run as three ops, each
// 128x128x24 layer writes and reads two 1.5 MiB intermediates that do not fit in L2; fused,
// a few rows of the depthwise output (the pointwise GEMM's A) stay in L1 and the
// pointwise output row gets the residual and activation while it is still there.

// OpDWBlock computes act(Conv1x1(DepthwiseConv2D(x)) + r).
// Inputs: (x, depthwise filter [1,kh,kw,C] c, depthwise bias c?, pointwise filter
// [N,1,1,C] c, pointwise bias c?, r). Attrs: the depthwise layer's Strides, Dilations,
// Padding, Pads; Act is applied after the addition. Neither convolution has its own
// activation.
const OpDWBlock Op = "DWBlock"

func init() {
	registerOp(OpDWBlock, OpDef{Infer: inferDWBlock, Compile: compileDWBlock})
}

// dwBlockRows is the number of pointwise GEMM rows (pixels) computed per step.
const dwBlockRows = 256

// dwBlockParts returns the block's depthwise and pointwise nodes (for shape rules and
// the unfused fallback).
func dwBlockParts(n *Node) (dw, pw *Node) {
	dw = &Node{Name: n.Name + "/dw", Op: OpDepthwiseConv2D, Inputs: n.Inputs[0:3], Attrs: n.Attrs, memo: n.memo}
	dw.Attrs.Act = ActNone
	pw = &Node{Name: n.Name + "/pw", Op: OpConv2D, Inputs: []int{-2, n.Inputs[3], n.Inputs[4]}, memo: n.memo}
	return dw, pw
}

func inferDWBlock(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	if len(in) != 6 || in[0] == nil || in[1] == nil || in[3] == nil || in[5] == nil {
		return nil, shapeErr(n, "needs x, two filters and the residual")
	}
	dw, pw := dwBlockParts(n)
	t, err := inferConv(dw, in[0:3], consts[0:3])
	if err != nil {
		return nil, err
	}
	u, err := inferConv(pw, [][]int{t[0], in[3], in[4]}, []([]float32){nil, consts[3], consts[4]})
	if err != nil {
		return nil, err
	}
	if len(in[3]) != 4 || in[3][1] != 1 || in[3][2] != 1 {
		return nil, shapeErr(n, "pointwise filter %v is not 1x1", in[3])
	}
	out, ok := broadcastShape(u[0], in[5])
	if !ok || !equalShape(out, u[0]) {
		return nil, shapeErr(n, "residual %v does not fit the output %v", in[5], u[0])
	}
	return [][]int{out}, nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func compileDWBlock(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	dw, pw := dwBlockParts(n)
	ws := in[1]
	g, err := geometry(dw, in[0], ws[1], ws[2])
	if err != nil {
		return Kernel{}, err
	}
	tshape := []int{g.n, g.oh, g.ow, ws[3]}
	if ws[3] != g.c || g.kh*g.kw > dwMaxTaps || !equalShape(in[5], out[0]) {
		return compileDWBlockUnfused(n, in, consts, out, tshape)
	}
	w, bias, _, err := linearParams(dw, in[0:3], consts[0:3], g.c)
	if err != nil {
		return Kernel{}, err
	}
	pwIn := [][]int{tshape, in[3], in[4]}
	pwW, pwB, _, err := linearParams(pw, pwIn, []([]float32){nil, consts[3], consts[4]}, in[3][0])
	if err != nil {
		return Kernel{}, err
	}
	dk := newDWKernel(g, w, bias, ActNone, 0, nil)
	oc, c := in[3][0], g.c
	pwk := newDWBlockPW(oc, c, pwB, n.Attrs.Act, n.Attrs.Alpha, func(nr int) *packedB {
		return n.cached(fmt.Sprintf("packB/%d", nr), func() any { return packB(pwW, oc, c, nr) }).(*packedB)
	})
	rowsPer := max(1, min(g.oh, dwBlockRows/g.ow))
	tsize := rowsPer * g.ow * c
	m := g.n * g.oh * g.ow
	macs := int64(m)*int64(c)*int64(g.kh*g.kw) + int64(m)*int64(oc)*int64(c)
	blocks := (g.oh + rowsPer - 1) / rowsPer
	split := func(in, out [][]float32, s []float32, part, parts int) {
		x, r, y := in[0], in[5], out[0]
		t, gs := s[:tsize], s[tsize:]
		q0, q1 := partRange(g.n*blocks, part, parts)
		for q := q0; q < q1; q++ {
			b := q / blocks
			oy := q % blocks * rowsPer
			oy1 := min(oy+rowsPer, g.oh)
			px := (oy1 - oy) * g.ow
			dk.rows(x, b, oy, oy1, t)
			o0 := ((b*g.oh + oy) * g.ow) * oc
			pwk.band(px, t, y[o0:o0+px*oc], r[o0:o0+px*oc], gs)
		}
	}
	return splitKernel(Kernel{MACs: macs, Scratch: tsize + pwk.scratch()}, split), nil
}

// dwBlockPW is a block's pointwise half: y = act(t·W + bias + r) over a band of pixels
// (shared with TimeBlockPointwise, so bench/gemm_compare.sh times what the block runs).
type dwBlockPW struct {
	impl  *gemmImpl
	pb    *packedB
	ep    *epilogue // the bias
	epRes *epilogue // the bias and the activation, for the residual kernels
	act   Activation
	alpha float32
	oc, c int
}

// newDWBlockPW packs the pointwise weights through pack (given the kernel's Nr).
func newDWBlockPW(oc, c int, bias []float32, act Activation, alpha float32, pack func(nr int) *packedB) *dwBlockPW {
	impl := pickGemm(oc)
	return &dwBlockPW{impl: impl, pb: pack(impl.nr), ep: &epilogue{bias: bias},
		epRes: &epilogue{bias: bias, act: act, alpha: alpha}, act: act, alpha: alpha, oc: oc, c: c}
}

func (p *dwBlockPW) scratch() int { return gemmScratch(p.impl) }

// band computes px pixels: t holds their c depthwise outputs each, y and r their oc
// outputs and residuals; gs is scratch() floats.
func (p *dwBlockPW) band(px int, t, y, r, gs []float32) {
	if gemmResidual(p.impl, px, t, p.c, p.pb, y, p.oc, p.epRes, r, p.oc) { // one store per value
		return
	}
	gemm(p.impl, px, t, p.c, p.pb, y, p.oc, p.ep, gs)
	addVec(y, y, r)
	applyAct(y, p.oc, p.act, p.alpha, nil)
}

// compileDWBlockUnfused runs the three ops one after another through scratch (shapes the
// fused loop does not serve: depth multipliers, a broadcast residual).
func compileDWBlockUnfused(n *Node, in [][]int, consts [][]float32, out [][]int, tshape []int) (Kernel, error) {
	dw, pw := dwBlockParts(n)
	dk, err := compileDepthwise(dw, in[0:3], consts[0:3], [][]int{tshape})
	if err != nil {
		return Kernel{}, err
	}
	pk, err := compileConv(pw, [][]int{tshape, in[3], in[4]}, []([]float32){nil, consts[3], consts[4]}, out)
	if err != nil {
		return Kernel{}, err
	}
	add := &Node{Name: n.Name + "/add", Op: OpAdd, Attrs: Attrs{Act: n.Attrs.Act, Alpha: n.Attrs.Alpha}}
	ak, err := compileBinary(binaryFuncs[OpAdd])(add, [][]int{out[0], in[5]}, nil, out)
	if err != nil {
		return Kernel{}, err
	}
	ts, us := numel(tshape), numel(out[0])
	sub := max(dk.Scratch, pk.Scratch, ak.Scratch)
	return Kernel{MACs: dk.MACs + pk.MACs, Scratch: ts + us + sub, Run: func(in, out [][]float32, s []float32) {
		t, u, rest := s[:ts], s[ts:ts+us], s[ts+us:]
		dk.Run([][]float32{in[0], in[1], in[2]}, [][]float32{t}, rest)
		pk.Run([][]float32{t, in[3], in[4]}, [][]float32{u}, rest)
		ak.Run([][]float32{u, in[5]}, out, rest)
	}}, nil
}
