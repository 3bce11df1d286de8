package nn

// A pointwise (1x1, stride 1) convolution for layers whose output channel count is not a
// multiple of the GEMM's 32-wide panels (blazeface's 24- and 48-channel layers, facemesh's
// 16): the packed GEMM runs those through a ragged tile with copies and separate bias and
// activation passes, at a fifth of its usual speed. Here each tile of 6 pixels × 32
// channels stays in registers from the bias to the activation and is stored once, with
// masked stores for the ragged columns. AVX-512 only (op_tfjs_conv1x1_simd.go); other CPUs
// and builds fall back to OpConv2D.

// OpTFJSConv1x1 is a 1x1, stride-1, unpadded Conv2D; inputs and Attrs as OpConv2D.
const OpTFJSConv1x1 Op = "tfjs.Conv1x1"

func init() {
	Register(OpTFJSConv1x1, OpDef{Infer: inferConv1x1, Compile: compileConv1x1})
}

// asConv returns n as a plain OpConv2D node.
func asConv(n *Node) *Node {
	d := *n
	d.Op = OpConv2D
	return &d
}

func inferConv1x1(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	return inferConv(asConv(n), in, consts)
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
	g, err := geometry(n, in[0], ws[1], ws[2])
	if err != nil {
		return Kernel{}, err
	}
	if !conv1x1SIMD || ws[1] != 1 || ws[2] != 1 || g.sh != 1 || g.sw != 1 || g.padTop != 0 || g.padLeft != 0 || ws[3] != g.c {
		return compileConv(asConv(n), in, consts, out)
	}
	oc := ws[0]
	w, bias, alpha, err := linearParams(n, in, consts, oc)
	if err != nil {
		return Kernel{}, err
	}
	q := n.cached("conv1x1", func() any { return newC1Kernel(w, bias, g.c, oc) }).(*c1Kernel)
	kq := *q
	kq.act, kq.alpha, kq.prelu = n.Attrs.Act, n.Attrs.Alpha, alpha
	m := g.n * g.oh * g.ow
	return Kernel{MACs: int64(m) * int64(oc) * int64(g.c), Run: func(in, out [][]float32, _ []float32) {
		kq.run(in[0], out[0], m)
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
			switch act {
			case ActRelu:
				s = max(s, 0)
			case ActRelu6:
				s = min(max(s, 0), 6)
			}
			y[p*q.n+o] = s
		}
	}
}
