package nn

import "math"

func init() {
	for op, f := range unaryFuncs {
		registerOp(op, OpDef{Infer: inferSame, Compile: compileUnary(f)})
	}
	for op, f := range binaryFuncs {
		registerOp(op, OpDef{Infer: inferBroadcast, Compile: compileBinary(f)})
	}
	registerOp(OpPRelu, OpDef{Infer: inferBroadcast, Compile: compilePRelu})
	registerOp(OpSelect, OpDef{Infer: inferSelect, Compile: compileSelect})
}

var unaryFuncs = map[Op]func(float32, *Attrs) float32{
	OpRelu:      func(v float32, _ *Attrs) float32 { return max(v, 0) },
	OpRelu6:     func(v float32, _ *Attrs) float32 { return min(max(v, 0), 6) },
	OpReluN1To1: func(v float32, _ *Attrs) float32 { return min(max(v, -1), 1) },
	OpLeakyRelu: func(v float32, a *Attrs) float32 {
		if v < 0 {
			return v * a.Alpha
		}
		return v
	},
	OpClip:    func(v float32, a *Attrs) float32 { return min(max(v, a.Min), a.Max) },
	OpAbs:     func(v float32, _ *Attrs) float32 { return float32(math.Abs(float64(v))) },
	OpNeg:     func(v float32, _ *Attrs) float32 { return -v },
	OpExp:     func(v float32, _ *Attrs) float32 { return float32(math.Exp(float64(v))) },
	OpLog:     func(v float32, _ *Attrs) float32 { return float32(math.Log(float64(v))) },
	OpSqrt:    func(v float32, _ *Attrs) float32 { return float32(math.Sqrt(float64(v))) },
	OpRsqrt:   func(v float32, _ *Attrs) float32 { return float32(1 / math.Sqrt(float64(v))) },
	OpSquare:  func(v float32, _ *Attrs) float32 { return v * v },
	OpSigmoid: func(v float32, _ *Attrs) float32 { return sigmoid(v) },
	OpTanh:    func(v float32, _ *Attrs) float32 { return float32(math.Tanh(float64(v))) },
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

var binaryFuncs = map[Op]func(a, b float32) float32{
	OpAdd:          func(a, b float32) float32 { return a + b },
	OpSub:          func(a, b float32) float32 { return a - b },
	OpMul:          func(a, b float32) float32 { return a * b },
	OpDiv:          func(a, b float32) float32 { return a / b },
	OpMaximum:      func(a, b float32) float32 { return max(a, b) },
	OpMinimum:      func(a, b float32) float32 { return min(a, b) },
	OpPow:          func(a, b float32) float32 { return float32(math.Pow(float64(a), float64(b))) },
	OpSquaredDiff:  func(a, b float32) float32 { return (a - b) * (a - b) },
	OpGreater:      func(a, b float32) float32 { return b2f(a > b) },
	OpGreaterEqual: func(a, b float32) float32 { return b2f(a >= b) },
	OpLess:         func(a, b float32) float32 { return b2f(a < b) },
	OpLessEqual:    func(a, b float32) float32 { return b2f(a <= b) },
	OpEqual:        func(a, b float32) float32 { return b2f(a == b) },
}

func inferSame(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	if len(in) < 1 || in[0] == nil {
		return nil, shapeErr(n, "needs an input")
	}
	return [][]int{append([]int(nil), in[0]...)}, nil
}

func compileUnary(f func(float32, *Attrs) float32) func(*Node, [][]int, [][]float32, [][]int) (Kernel, error) {
	return func(n *Node, in [][]int, _ [][]float32, _ [][]int) (Kernel, error) {
		a := n.Attrs
		switch n.Op { // activations reuse the in-place SIMD kernels
		case OpRelu, OpLeakyRelu, OpRelu6:
			act := map[Op]Activation{OpRelu: ActRelu, OpLeakyRelu: ActLeakyRelu, OpRelu6: ActRelu6}[n.Op]
			return Kernel{Run: func(in, out [][]float32, _ []float32) {
				copy(out[0], in[0])
				applyActRow(out[0], act, a.Alpha, nil)
			}}, nil
		}
		return Kernel{Run: func(in, out [][]float32, _ []float32) {
			x := in[0][:len(out[0])]
			for i, v := range x {
				out[0][i] = f(v, &a)
			}
		}}, nil
	}
}

// broadcastShape returns the NumPy broadcast of a and b.
func broadcastShape(a, b []int) ([]int, bool) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := 0; i < r; i++ {
		da, db := 1, 1
		if j := i - (r - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (r - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

func inferBroadcast(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	if len(in) != 2 || in[0] == nil || in[1] == nil {
		return nil, shapeErr(n, "needs two inputs")
	}
	out, ok := broadcastShape(in[0], in[1])
	if !ok {
		return nil, shapeErr(n, "cannot broadcast %v with %v", in[0], in[1])
	}
	return [][]int{out}, nil
}

// bcastStrides returns the element strides of shape s aligned to out (0 on broadcast dims).
func bcastStrides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := i - (len(out) - len(s))
		if j < 0 {
			continue
		}
		if s[j] != 1 {
			st[i] = acc
		}
		acc *= s[j]
	}
	return st
}

// bcastIter calls f(ia, ib, io, cnt, sa, sb) for runs of the innermost dimension.
type bcastPlan struct {
	out    []int
	sa, sb []int
}

func (p *bcastPlan) each(f func(ia, ib, io, cnt, sa, sb int)) {
	r := len(p.out)
	if r == 0 {
		f(0, 0, 0, 1, 0, 0)
		return
	}
	inner := p.out[r-1]
	idx := make([]int, r)
	total := numel(p.out)
	ia, ib := 0, 0
	for io := 0; io < total; io += inner {
		f(ia, ib, io, inner, p.sa[r-1], p.sb[r-1])
		for d := r - 2; d >= 0; d-- { // odometer over the outer dimensions
			idx[d]++
			ia += p.sa[d]
			ib += p.sb[d]
			if idx[d] < p.out[d] {
				break
			}
			ia -= p.sa[d] * idx[d]
			ib -= p.sb[d] * idx[d]
			idx[d] = 0
		}
	}
}

func compileBinary(f func(a, b float32) float32) func(*Node, [][]int, [][]float32, [][]int) (Kernel, error) {
	return func(n *Node, in [][]int, _ [][]float32, out [][]int) (Kernel, error) {
		p := &bcastPlan{out: out[0], sa: bcastStrides(in[0], out[0]), sb: bcastStrides(in[1], out[0])}
		act, alpha := n.Attrs.Act, n.Attrs.Alpha
		c := 1
		if len(out[0]) > 0 {
			c = out[0][len(out[0])-1]
		}
		na, nb, no := numel(in[0]), numel(in[1]), numel(out[0])
		fast := sameShapeFast[n.Op]
		var chanFast func(y, a, b []float32) // a full, b one value per channel (batch norm)
		if nb == c && na == no && len(in[1]) > 0 && in[1][len(in[1])-1] == c && c > 1 {
			chanFast = sameShapeFast[n.Op]
		}
		return Kernel{Run: func(in, out [][]float32, _ []float32) {
			a, b, y := in[0], in[1], out[0]
			switch {
			case na == no && nb == no && fast != nil:
				fast(y, a, b)
			case chanFast != nil:
				for r := 0; r < no; r += c {
					chanFast(y[r:r+c], a[r:r+c], b)
				}
			case na == no && nb == no:
				for i := range y {
					y[i] = f(a[i], b[i])
				}
			case nb == 1 && na == no:
				bv := b[0]
				for i := range y {
					y[i] = f(a[i], bv)
				}
			case na == 1 && nb == no:
				av := a[0]
				for i := range y {
					y[i] = f(av, b[i])
				}
			default:
				p.each(func(ia, ib, io, cnt, sa, sb int) {
					for j := 0; j < cnt; j++ {
						y[io+j] = f(a[ia+j*sa], b[ib+j*sb])
					}
				})
			}
			applyAct(y, c, act, alpha, nil)
		}}, nil
	}
}

// sameShapeFast holds loops without a call per element for the hot same-shape cases
// (residual additions).
var sameShapeFast = map[Op]func(y, a, b []float32){
	OpAdd: func(y, a, b []float32) { addVec(y, a, b) },
	OpMul: func(y, a, b []float32) {
		a, b = a[:len(y)], b[:len(y)]
		for i := range y {
			y[i] = a[i] * b[i]
		}
	},
	OpSub: func(y, a, b []float32) {
		a, b = a[:len(y)], b[:len(y)]
		for i := range y {
			y[i] = a[i] - b[i]
		}
	},
}

func addGeneric(y, a, b []float32) {
	a, b = a[:len(y)], b[:len(y)]
	for i := range y {
		y[i] = a[i] + b[i]
	}
}

// addVec dispatches to SIMD when available.
var addVec = addGeneric

func inferSelect(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	if len(in) != 3 || in[0] == nil || in[1] == nil || in[2] == nil {
		return nil, shapeErr(n, "needs condition and two values")
	}
	s, ok := broadcastShape(in[1], in[2])
	if ok {
		s, ok = broadcastShape(in[0], s)
	}
	if !ok {
		return nil, shapeErr(n, "cannot broadcast %v, %v, %v", in[0], in[1], in[2])
	}
	return [][]int{s}, nil
}

func compileSelect(n *Node, in [][]int, _ [][]float32, out [][]int) (Kernel, error) {
	o := out[0]
	sc, sa, sb := bcastStrides(in[0], o), bcastStrides(in[1], o), bcastStrides(in[2], o)
	total := numel(o)
	return Kernel{Run: func(in, out [][]float32, _ []float32) {
		idx := make([]int, len(o))
		for i := 0; i < total; i++ {
			ic, ia, ib := 0, 0, 0
			for d, v := range idx {
				ic += v * sc[d]
				ia += v * sa[d]
				ib += v * sb[d]
			}
			if in[0][ic] != 0 {
				out[0][i] = in[1][ia]
			} else {
				out[0][i] = in[2][ib]
			}
			for d := len(idx) - 1; d >= 0; d-- {
				if idx[d]++; idx[d] < o[d] {
					break
				}
				idx[d] = 0
			}
		}
	}}, nil
}

// compilePRelu runs per-channel (or shared) slopes through the SIMD activation kernel and
// falls back to broadcasting for other alpha shapes.
func compilePRelu(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	x, a := in[0], in[1]
	c := 1
	if len(x) > 0 {
		c = x[len(x)-1]
	}
	na := numel(a)
	perChannel := na == 1 || (na == c && len(a) > 0 && a[len(a)-1] == c)
	if consts[1] != nil && perChannel && numel(out[0]) == numel(x) {
		alpha := tileAlpha(consts[1], c)
		return Kernel{Run: func(in, out [][]float32, _ []float32) {
			copy(out[0], in[0])
			applyAct(out[0], c, ActPRelu, 0, alpha)
		}}, nil
	}
	return compileBinary(func(x, a float32) float32 {
		if x < 0 {
			return x * a
		}
		return x
	})(n, in, consts, out)
}
