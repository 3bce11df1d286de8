package nn

import "math"

// clampAct applies the activations the tfjs kernels fuse (ReLU, ReLU6; others pass) to
// one value: their pure-Go references use it per output.
func clampAct(s float32, act Activation) float32 {
	switch act {
	case ActRelu:
		return max(s, 0)
	case ActRelu6:
		return min(max(s, 0), 6)
	}
	return s
}

// applyActRow applies a fused activation in place to one row of channels. prelu holds
// per-channel slopes (len(x)) or one shared slope.
func applyActRow(x []float32, act Activation, alpha float32, prelu []float32) {
	switch act {
	case ActNone:
	case ActRelu:
		reluInPlace(x)
	case ActRelu6:
		for i, v := range x {
			x[i] = min(max(v, 0), 6)
		}
	case ActReluN1To1:
		for i, v := range x {
			x[i] = min(max(v, -1), 1)
		}
	case ActTanh:
		for i, v := range x {
			x[i] = float32(math.Tanh(float64(v)))
		}
	case ActSigmoid:
		for i, v := range x {
			x[i] = sigmoid(v)
		}
	case ActLeakyRelu:
		leakyInPlace(x, alpha)
	case ActPRelu:
		if len(prelu) == 1 {
			a := prelu[0]
			for i, v := range x {
				if v < 0 {
					x[i] = v * a
				}
			}
			return
		}
		preluRow(x, prelu[:len(x)])
	}
}

// applyAct applies act to x viewed as rows of c channels.
func applyAct(x []float32, c int, act Activation, alpha float32, prelu []float32) {
	if act == ActNone {
		return
	}
	if act != ActPRelu || len(prelu) <= 1 {
		applyActRow(x, act, alpha, prelu)
		return
	}
	// prelu is c slopes or, from tileAlpha, a multiple of c: walk x in chunks of its length
	chunk := len(prelu)
	for i := 0; i < len(x); i += chunk {
		end := min(i+chunk, len(x))
		preluRow(x[i:end], prelu[:end-i])
	}
}

// tileAlpha repeats per-channel PReLU slopes so that layers with few channels still run
// the element-wise kernel over long vectors. The result starts with alpha and its length is
// a multiple of c.
func tileAlpha(alpha []float32, c int) []float32 {
	const span = 256
	if len(alpha) != c || c == 0 || c >= span {
		return alpha
	}
	out := make([]float32, 0, (span+c-1)/c*c)
	for len(out) < span {
		out = append(out, alpha...)
	}
	return out
}

func reluGeneric(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

func preluGeneric(x, a []float32) {
	a = a[:len(x)]
	for i, v := range x {
		if v < 0 {
			x[i] = v * a[i]
		}
	}
}

func leakyGeneric(x []float32, alpha float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = v * alpha
		}
	}
}

// reluInPlace, preluRow and leakyInPlace dispatch to SIMD when available (act_simd.go).
var (
	reluInPlace  = reluGeneric
	preluRow     = preluGeneric
	leakyInPlace = leakyGeneric
)

func sigmoid(v float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(v))))
}

// activationOf names the fused activation for errors.
func actAlpha(n *Node, consts [][]float32) ([]float32, error) {
	if n.Attrs.Act != ActPRelu {
		return nil, nil
	}
	if len(consts) < 4 || consts[3] == nil {
		return nil, shapeErr(n, "PReLU activation needs a constant alpha as input 3")
	}
	return consts[3], nil
}

// elementwiseImpl groups one instruction set's element-wise kernels (for tests).
type elementwiseImpl struct {
	name  string
	madd  func(dst, a, b []float32)
	relu  func(x []float32)
	prelu func(x, a []float32)
	add   func(y, a, b []float32)
	max   func(dst, src []float32)
	leaky func(x []float32, alpha float32)
}
