package nn

// A pointwise convolution for the TF.js models' fused 1x1 convolutions, which have few
// output channels (blazeface 24 and 48, facemesh 16, liveness 16-32): the packed GEMM runs
// those through a ragged tile with copies and separate bias and activation passes. Here
// each tile of 4 pixels × 32 channels (8 × 16 for narrow layers) stays in registers from
// the bias to the activation and is stored once, with masked stores for the ragged
// columns. Unit strides read the input in place; strided layers gather their pixels
// (im2col) 96 at a time. AVX-512 only (op_tfjs_conv1x1_simd.go); other CPUs and builds
// compile the op as OpConv2D. Larger kernels are OpConv2D's (the importer emits that).

// OpTFJSConv1x1 is a 1x1 Conv2D with this kernel; inputs and Attrs as OpConv2D. A filter
// of any other size is refused (ErrShape).
const OpTFJSConv1x1 Op = "tfjs.Conv1x1"

// c1Chunk is the number of output pixels gathered per im2col block.
const c1Chunk = 96

func init() {
	registerOp(OpTFJSConv1x1, OpDef{Infer: inferConv1x1, Compile: compileConv1x1})
}

// as returns a copy of n with op: the tfjs ops share the shape rules and fallback kernels
// of the generic op they specialise.
func as(n *Node, op Op) *Node {
	d := *n
	d.Op = op
	return &d
}

func inferConv1x1(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	if len(in) > 1 && len(in[1]) == 4 && (in[1][1] != 1 || in[1][2] != 1) {
		return nil, shapeErr(n, "filter %v is not 1x1", in[1])
	}
	return inferConv(as(n, OpConv2D), in, consts)
}

// c1Kernel is a compiled pointwise convolution: y[p, :n] = act(bias + x[p, :k]·W).
type c1Kernel struct {
	k, n, np int       // input channels, output channels, n rounded up to 16
	w        []float32 // [k][np], zero-padded columns
	bias     []float32 // [np]
	act      Activation
	alpha    float32
	prelu    []float32
}

func compileConv1x1(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	ws := in[1]
	if ws[1] != 1 || ws[2] != 1 {
		return Kernel{}, shapeErr(n, "filter %v is not 1x1", ws)
	}
	g, err := geometry(n, in[0], ws[1], ws[2])
	if err != nil {
		return Kernel{}, err
	}
	if !conv1x1SIMD || ws[3] != g.c {
		return compileConv(as(n, OpConv2D), in, consts, out)
	}
	oc, k := ws[0], ws[1]*ws[2]*ws[3]
	w, bias, alpha, err := linearParams(n, in, consts, oc)
	if err != nil {
		return Kernel{}, err
	}
	if len(w) != oc*k {
		return Kernel{}, shapeErr(n, "filter has %d values for %v", len(w), ws)
	}
	q := n.cached("conv1x1", func() any { return newC1Kernel(w, bias, k, oc) }).(*c1Kernel)
	kq := *q
	kq.act, kq.alpha, kq.prelu = n.Attrs.Act, n.Attrs.Alpha, alpha
	m := g.n * g.oh * g.ow
	macs := int64(m) * int64(oc) * int64(k)
	if ws[1] == 1 && ws[2] == 1 && g.sh == 1 && g.sw == 1 && g.padTop == 0 && g.padLeft == 0 {
		return splitKernel(Kernel{MACs: macs}, func(in, out [][]float32, _ []float32, part, parts int) {
			r0, r1 := partRange(m, part, parts)
			kq.run(in[0][r0*k:], out[0][r0*oc:], r1-r0)
		}), nil
	}
	return Kernel{MACs: macs, Scratch: c1Chunk * k, Run: func(in, out [][]float32, s []float32) {
		for p0 := 0; p0 < m; p0 += c1Chunk {
			cnt := min(c1Chunk, m-p0)
			im2col(&g, in[0], p0, cnt, s[:cnt*k])
			kq.run(s[:cnt*k], out[0][p0*oc:(p0+cnt)*oc], cnt)
		}
	}}, nil
}

// newC1Kernel packs OHWI [n,1,1,k] weights as [k][np].
func newC1Kernel(w, bias []float32, k, n int) *c1Kernel {
	np := (n + 15) &^ 15
	q := &c1Kernel{k: k, n: n, np: np, w: make([]float32, k*np), bias: make([]float32, np)}
	for o := 0; o < n; o++ {
		for i := 0; i < k; i++ {
			q.w[i*np+o] = w[o*k+i]
		}
	}
	copy(q.bias, bias)
	return q
}

// run computes m pixels.
func (q *c1Kernel) run(x, y []float32, m int) {
	fused := q.act == ActNone || q.act == ActRelu || q.act == ActRelu6
	act := q.act
	if !fused {
		act = ActNone
	}
	conv1x1Rows(q, x, y, m, act)
	if !fused {
		applyAct(y[:m*q.n], q.n, q.act, q.alpha, q.prelu)
	}
}

// conv1x1Generic is the reference for the SIMD kernel: rows [p0, p1).
func conv1x1Generic(q *c1Kernel, x, y []float32, p0, p1 int, act Activation) {
	for p := p0; p < p1; p++ {
		xr := x[p*q.k : (p+1)*q.k]
		for o := 0; o < q.n; o++ {
			s := q.bias[o]
			for i, v := range xr {
				s += v * q.w[i*q.np+o]
			}
			s = clampAct(s, act)
			y[p*q.n+o] = s
		}
	}
}
