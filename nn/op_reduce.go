package nn

import "math"

func init() {
	for _, op := range []Op{OpReduceMax, OpReduceMin, OpReduceSum, OpReduceMean, OpReduceProd} {
		registerOp(op, OpDef{Infer: inferReduce, Compile: compileReduce})
	}
	registerOp(OpSoftmax, OpDef{Infer: inferSame, Compile: compileSoftmax})
}

// reduceAxes resolves the reduction axes (input 1 or Attrs.Axes) to a mask over rank r.
func reduceAxes(n *Node, in [][]int, consts [][]float32) ([]bool, error) {
	r := len(in[0])
	var axes []int
	switch {
	case len(in) > 1 && in[1] != nil:
		if consts[1] == nil {
			return nil, shapeErr(n, "reduction axes must be constant")
		}
		for _, v := range consts[1] {
			axes = append(axes, int(v))
		}
	default:
		axes = n.Attrs.Axes
	}
	mask := make([]bool, r)
	if len(axes) == 0 && (len(in) < 2 || in[1] == nil) {
		for i := range mask {
			mask[i] = true
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r {
			return nil, shapeErr(n, "axis %d out of range for rank %d", a, r)
		}
		mask[a] = true
	}
	return mask, nil
}

func inferReduce(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	if len(in) < 1 || in[0] == nil {
		return nil, shapeErr(n, "needs an input")
	}
	mask, err := reduceAxes(n, in, consts)
	if err != nil {
		return nil, err
	}
	out := []int{}
	for i, d := range in[0] {
		switch {
		case !mask[i]:
			out = append(out, d)
		case n.Attrs.KeepDims:
			out = append(out, 1)
		}
	}
	return [][]int{out}, nil
}

func compileReduce(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	mask, err := reduceAxes(n, in, consts)
	if err != nil {
		return Kernel{}, err
	}
	x := in[0]
	// output strides aligned to the input's dims (0 on reduced dims)
	kept := make([]int, len(x))
	for i, d := range x {
		if mask[i] {
			kept[i] = 1
		} else {
			kept[i] = d
		}
	}
	ost := bcastStrides(kept, x)
	for i := range ost {
		if mask[i] {
			ost[i] = 0
		}
	}
	total, no := numel(x), numel(out[0])
	count := float32(total / max(no, 1))
	op := n.Op
	init := map[Op]float32{OpReduceMax: float32(math.Inf(-1)), OpReduceMin: float32(math.Inf(1)), OpReduceProd: 1}[op]
	// Fast path: reducing the innermost dimension only (MTCNN's softmax pieces).
	inner := len(x) > 0 && mask[len(x)-1]
	for i := 0; i < len(x)-1; i++ {
		inner = inner && !mask[i]
	}
	return Kernel{Run: func(in, o [][]float32, _ []float32) {
		y := o[0]
		for i := range y {
			y[i] = init
		}
		if inner {
			c := x[len(x)-1]
			for r := range y {
				acc := init
				for _, v := range in[0][r*c : r*c+c] {
					acc = reduceStep(op, acc, v)
				}
				y[r] = acc
			}
		} else {
			idx := make([]int, len(x))
			oi := 0
			for i := 0; i < total; i++ {
				y[oi] = reduceStep(op, y[oi], in[0][i])
				for d := len(idx) - 1; d >= 0; d-- {
					idx[d]++
					oi += ost[d]
					if idx[d] < x[d] {
						break
					}
					oi -= ost[d] * idx[d]
					idx[d] = 0
				}
			}
		}
		if op == OpReduceMean {
			for i := range y {
				y[i] /= count
			}
		}
	}}, nil
}

func reduceStep(op Op, acc, v float32) float32 {
	switch op {
	case OpReduceMax:
		return max(acc, v)
	case OpReduceMin:
		return min(acc, v)
	case OpReduceProd:
		return acc * v
	}
	return acc + v
}

func compileSoftmax(n *Node, in [][]int, _ [][]float32, _ [][]int) (Kernel, error) {
	x := in[0]
	if len(x) == 0 {
		return Kernel{}, shapeErr(n, "softmax of a scalar")
	}
	c := x[len(x)-1]
	beta := n.Attrs.Beta
	if beta == 0 {
		beta = 1
	}
	if c == 2 { // MTCNN's face/non-face scores: one float32 exp per pair
		return Kernel{Run: func(in, out [][]float32, _ []float32) {
			softmax2(out[0][:len(in[0])&^1], in[0], beta)
		}}, nil
	}
	return Kernel{Run: func(in, out [][]float32, _ []float32) {
		for r := 0; r+c <= len(in[0]); r += c {
			src, dst := in[0][r:r+c], out[0][r:r+c]
			m := float32(math.Inf(-1))
			for _, v := range src {
				m = max(m, v)
			}
			var sum float32
			for i, v := range src {
				e := float32(math.Exp(float64((v - m) * beta)))
				dst[i] = e
				sum += e
			}
			for i := range dst {
				dst[i] /= sum
			}
		}
	}}, nil
}
