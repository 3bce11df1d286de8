package tfjs

import (
	"fmt"
	"strconv"

	"github.com/wajah-id/wajah/nn"
)

// converter turns a resolved TF.js graph into nn's IR. TF layouts are rewritten into the
// IR's canonical ones here: conv filters HWIO → OHWI, MatMul right operands [K,N] → [N,K].
type converter struct {
	g       *nn.Graph
	tensor  map[ref]int    // TF output → IR tensor
	derived map[string]int // memo for transformed constants (a filter shared by two convs)
	// relaxedBatch is set when the file fixed the input batch to 1 and we made it dynamic;
	// Reshape targets that start with that 1 then follow the batch.
	relaxedBatch bool
}

// convert builds the IR graph for g.
func convert(gr *graph) (*nn.Graph, error) {
	c := &converter{g: &nn.Graph{}, tensor: map[ref]int{}, derived: map[string]int{}}
	for _, n := range gr.inputs {
		if err := c.placeholder(n); err != nil {
			return nil, err
		}
	}
	for _, n := range gr.order {
		if n.op == "Placeholder" {
			continue
		}
		if err := c.node(n); err != nil {
			return nil, err
		}
	}
	for _, o := range gr.outputs {
		t, err := c.in(o)
		if err != nil {
			return nil, err
		}
		// Outputs carry the TF node name callers know (e.g. "Identity_1"), so an output
		// that is an alias of an inner tensor gets its own named copy.
		name := refName(o)
		if c.g.Tensors[t].Name != name || c.g.Tensors[t].IsConst() || isIn(c.g.Inputs, t) || isIn(c.g.Outputs, t) {
			out := c.g.AddTensor(name, nil, nil)
			c.g.AddNode(nn.OpIdentity, name, []int{t}, []int{out}, nn.Attrs{})
			t = out
		}
		c.g.Outputs = append(c.g.Outputs, t)
	}
	return c.g, nil
}

func isIn(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func refName(r ref) string {
	if r.out == 0 {
		return r.n.name
	}
	return r.n.name + ":" + strconv.Itoa(r.out)
}

func (c *converter) placeholder(n *node) error {
	v, ok := n.attr["shape"]
	if !ok || v.Shape == nil {
		return fmt.Errorf("placeholder %q has no shape: %w", n.name, ErrUnsupported)
	}
	dims, err := shapeDims(v.Shape)
	if err != nil {
		return fmt.Errorf("placeholder %q: %w", n.name, err)
	}
	// Image inputs always take a dynamic batch, even when the converter fixed it to 1.
	if len(dims) == 4 && dims[0] != -1 {
		if dims[0] == 1 {
			c.relaxedBatch = true
		}
		dims[0] = -1
	}
	t := c.g.AddTensor(n.name, dims, nil)
	c.g.Inputs = append(c.g.Inputs, t)
	c.tensor[ref{n: n}] = t
	return nil
}

// in returns the IR tensor of a TF output, creating constant tensors on first use.
func (c *converter) in(r ref) (int, error) {
	if t, ok := c.tensor[r]; ok {
		return t, nil
	}
	if r.n.op == "Const" && r.out == 0 {
		t := c.g.AddTensor(r.n.name, r.n.value.dims, floats(r.n.value))
		c.tensor[r] = t
		return t, nil
	}
	return 0, fmt.Errorf("node %q: output %d of %q is not produced: %w", r.n.name, r.out, r.n.op, ErrUnsupported)
}

// floats returns a constant's data as float32 (the IR stores integer tensors that way).
func floats(t *constTensor) []float32 {
	if t.f32 != nil {
		return t.f32
	}
	out := make([]float32, len(t.i32))
	for i, v := range t.i32 {
		out[i] = float32(v)
	}
	return out
}

// constOf returns the constant behind input i of n, or an error naming the node.
func constOf(n *node, i int) (*constTensor, error) {
	if i >= len(n.in) {
		return nil, fmt.Errorf("node %q (%s) has %d inputs, want more than %d: %w", n.name, n.op, len(n.in), i, ErrFormat)
	}
	r := n.in[i]
	for r.n.op == "Identity" && len(r.n.in) == 1 {
		r = r.n.in[0]
	}
	if r.n.op != "Const" || r.out != 0 {
		return nil, fmt.Errorf("node %q (%s): input %d must be a constant: %w", n.name, n.op, i, ErrUnsupported)
	}
	return r.n.value, nil
}

func (c *converter) inputs(n *node, want int) ([]int, error) {
	if len(n.in) < want {
		return nil, fmt.Errorf("node %q (%s) has %d inputs, want %d: %w", n.name, n.op, len(n.in), want, ErrFormat)
	}
	ts := make([]int, len(n.in))
	for i, r := range n.in {
		t, err := c.in(r)
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	return ts, nil
}

// emit adds an IR node producing n's output 0.
func (c *converter) emit(n *node, op nn.Op, ins []int, a nn.Attrs) error {
	if !nn.Registered(op) {
		return fmt.Errorf("node %q: op %s (from %s) has no kernel: %w", n.name, op, n.op, ErrUnsupported)
	}
	out := c.g.AddTensor(n.name, nil, nil)
	c.g.AddNode(op, n.name, ins, []int{out}, a)
	c.tensor[ref{n: n}] = out
	return nil
}

var unaryOps = map[string]nn.Op{
	"Relu": nn.OpRelu, "Relu6": nn.OpRelu6, "Sigmoid": nn.OpSigmoid, "Tanh": nn.OpTanh,
	"Abs": nn.OpAbs, "Neg": nn.OpNeg, "Exp": nn.OpExp, "Log": nn.OpLog, "Sqrt": nn.OpSqrt,
	"Rsqrt": nn.OpRsqrt, "Square": nn.OpSquare, "Softmax": nn.OpSoftmax, "Cast": nn.OpCast,
}

var binaryOps = map[string]nn.Op{
	"Add": nn.OpAdd, "AddV2": nn.OpAdd, "BiasAdd": nn.OpAdd, "Sub": nn.OpSub, "Mul": nn.OpMul,
	"RealDiv": nn.OpDiv, "Div": nn.OpDiv, "Maximum": nn.OpMaximum, "Minimum": nn.OpMinimum,
	"Pow": nn.OpPow, "SquaredDifference": nn.OpSquaredDiff, "Greater": nn.OpGreater,
	"GreaterEqual": nn.OpGreaterEqual, "Less": nn.OpLess, "LessEqual": nn.OpLessEqual,
	"Equal": nn.OpEqual, "Prelu": nn.OpPRelu,
}

var reduceOps = map[string]nn.Op{
	"Mean": nn.OpReduceMean, "Sum": nn.OpReduceSum, "Max": nn.OpReduceMax,
	"Min": nn.OpReduceMin, "Prod": nn.OpReduceProd,
}

// node converts one TF node.
func (c *converter) node(n *node) error {
	if f, err := n.attrString("data_format", "NHWC"); err != nil || f != "NHWC" {
		return fmt.Errorf("node %q (%s): data_format %q: %w", n.name, n.op, f, ErrUnsupported)
	}
	if op, ok := unaryOps[n.op]; ok {
		ins, err := c.inputs(n, 1)
		if err != nil {
			return err
		}
		return c.emit(n, op, ins[:1], nn.Attrs{})
	}
	if op, ok := binaryOps[n.op]; ok {
		ins, err := c.inputs(n, 2)
		if err != nil {
			return err
		}
		return c.emit(n, op, ins[:2], nn.Attrs{})
	}
	if op, ok := reduceOps[n.op]; ok {
		return c.reduce(n, op)
	}
	switch n.op {
	case "Const":
		return nil // materialised on first use
	case "Identity", "StopGradient", "NoOp", "Snapshot":
		if len(n.in) < 1 {
			return fmt.Errorf("node %q (%s) has no input: %w", n.name, n.op, ErrFormat)
		}
		t, err := c.in(n.in[0])
		if err != nil {
			return err
		}
		c.tensor[ref{n: n}] = t
		return nil
	case "Conv2D", "_FusedConv2D":
		return c.conv(n, false)
	case "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
		return c.conv(n, true)
	case "MatMul", "_FusedMatMul":
		return c.matmul(n)
	case "MaxPool", "AvgPool":
		return c.pool(n)
	case "wajah.AddRelu", "wajah.AddRelu6": // from rewrite.go
		ins, err := c.inputs(n, 2)
		if err != nil {
			return err
		}
		act := nn.ActRelu
		if n.op == "wajah.AddRelu6" {
			act = nn.ActRelu6
		}
		return c.emit(n, nn.OpAdd, ins[:2], nn.Attrs{Act: act})
	case "LeakyRelu":
		ins, err := c.inputs(n, 1)
		if err != nil {
			return err
		}
		alpha, err := n.attrFloat("alpha", 0.2)
		if err != nil {
			return err
		}
		return c.emit(n, nn.OpLeakyRelu, ins[:1], nn.Attrs{Alpha: float32(alpha)})
	case "Pad", "PadV2", "MirrorPad":
		return c.pad(n)
	case "Reshape":
		return c.reshape(n)
	case "Squeeze":
		ins, err := c.inputs(n, 1)
		if err != nil {
			return err
		}
		axes, err := n.attrInts("squeeze_dims")
		if err != nil {
			return err
		}
		return c.emit(n, nn.OpSqueeze, ins[:1], nn.Attrs{Axes: axes})
	case "ExpandDims", "ConcatV2", "Concat":
		return c.axisOp(n)
	case "Transpose":
		ins, err := c.inputs(n, 2)
		if err != nil {
			return err
		}
		return c.emit(n, nn.OpTranspose, ins[:2], nn.Attrs{})
	case "StridedSlice":
		return c.stridedSlice(n)
	case "Slice":
		ins, err := c.inputs(n, 3)
		if err != nil {
			return err
		}
		return c.emit(n, nn.OpSlice, ins[:3], nn.Attrs{})
	case "DepthToSpace":
		ins, err := c.inputs(n, 1)
		if err != nil {
			return err
		}
		b, err := n.attrInt("block_size", 0)
		if err != nil {
			return err
		}
		return c.emit(n, nn.OpDepthToSpace, ins[:1], nn.Attrs{BlockSize: b})
	case "ResizeBilinear", "ResizeNearestNeighbor":
		ins, err := c.inputs(n, 2)
		if err != nil {
			return err
		}
		ac, err := n.attrBool("align_corners", false)
		if err != nil {
			return err
		}
		hp, err := n.attrBool("half_pixel_centers", false)
		if err != nil {
			return err
		}
		op := nn.OpResizeBilinear
		if n.op == "ResizeNearestNeighbor" {
			op = nn.OpResizeNearest
		}
		return c.emit(n, op, ins[:2], nn.Attrs{AlignCorners: ac, HalfPixel: hp})
	}
	return fmt.Errorf("op %q in node %q: %w", n.op, n.name, ErrUnsupported)
}

// spatial reads strides, dilations and padding of a conv or pool.
func spatial(n *node, a *nn.Attrs) error {
	s, err := n.attrInts("strides")
	if err != nil {
		return err
	}
	if s == nil {
		s = []int{1, 1, 1, 1}
	}
	d, err := n.attrInts("dilations")
	if err != nil {
		return err
	}
	if d == nil {
		d = []int{1, 1, 1, 1}
	}
	if len(s) != 4 || len(d) != 4 || s[0] != 1 || s[3] != 1 || d[0] != 1 || d[3] != 1 ||
		s[1] < 1 || s[2] < 1 || d[1] < 1 || d[2] < 1 {
		return fmt.Errorf("node %q (%s): strides %v dilations %v: %w", n.name, n.op, s, d, ErrUnsupported)
	}
	a.Strides = [2]int{s[1], s[2]}
	a.Dilations = [2]int{d[1], d[2]}
	p, err := n.attrString("padding", "VALID")
	if err != nil {
		return err
	}
	switch p {
	case "VALID":
		a.Padding = nn.PadValid
	case "SAME":
		a.Padding = nn.PadSame
	case "EXPLICIT":
		e, err := n.attrInts("explicit_paddings")
		if err != nil {
			return err
		}
		if len(e) != 8 || e[0] != 0 || e[1] != 0 || e[6] != 0 || e[7] != 0 {
			return fmt.Errorf("node %q: explicit_paddings %v: %w", n.name, e, ErrUnsupported)
		}
		for _, v := range e {
			if v < 0 {
				return fmt.Errorf("node %q: explicit_paddings %v: %w", n.name, e, ErrFormat)
			}
		}
		a.Padding = nn.PadExplicit
		a.Pads = [4]int{e[2], e[3], e[4], e[5]}
	default:
		return fmt.Errorf("node %q: padding %q: %w", n.name, p, ErrUnsupported)
	}
	return nil
}

// fused reads fused_ops of _Fused* nodes: an optional BiasAdd then an optional activation.
// It returns the bias and PReLU alpha input positions (-1 when absent).
func fused(n *node, a *nn.Attrs, firstArg int) (bias, alpha int, err error) {
	bias, alpha = -1, -1
	ops, err := n.attrStrings("fused_ops")
	if err != nil {
		return 0, 0, err
	}
	arg := firstArg
	for i, op := range ops {
		switch {
		case op == "BiasAdd" && i == 0:
			bias = arg
			arg++
		case i == len(ops)-1 && op == "Relu":
			a.Act = nn.ActRelu
		case i == len(ops)-1 && op == "Relu6":
			a.Act = nn.ActRelu6
		case i == len(ops)-1 && op == "Sigmoid":
			a.Act = nn.ActSigmoid
		case i == len(ops)-1 && op == "Tanh":
			a.Act = nn.ActTanh
		case i == len(ops)-1 && op == "LeakyRelu":
			f, err := n.attrFloat("leakyrelu_alpha", 0.2)
			if err != nil {
				return 0, 0, err
			}
			a.Act, a.Alpha = nn.ActLeakyRelu, float32(f)
		case i == len(ops)-1 && op == "Prelu":
			a.Act = nn.ActPRelu
			alpha = arg
			arg++
		default:
			return 0, 0, fmt.Errorf("node %q (%s): fused_ops %v: %w", n.name, n.op, ops, ErrUnsupported)
		}
	}
	if arg > len(n.in) {
		return 0, 0, fmt.Errorf("node %q (%s): fused_ops %v need %d inputs, have %d: %w", n.name, n.op, ops, arg, len(n.in), ErrFormat)
	}
	return bias, alpha, nil
}

// conv converts Conv2D and depthwise convolutions, fused or not.
func (c *converter) conv(n *node, depthwise bool) error {
	if len(n.in) < 2 {
		return fmt.Errorf("node %q (%s) has %d inputs: %w", n.name, n.op, len(n.in), ErrFormat)
	}
	var a nn.Attrs
	if err := spatial(n, &a); err != nil {
		return err
	}
	bias, alpha, err := fused(n, &a, 2)
	if err != nil {
		return err
	}
	x, err := c.in(n.in[0])
	if err != nil {
		return err
	}
	w, err := constOf(n, 1)
	if err != nil {
		return err
	}
	if len(w.dims) != 4 || w.f32 == nil {
		return fmt.Errorf("node %q (%s): filter shape %v: %w", n.name, n.op, w.dims, ErrFormat)
	}
	kh, kw, ci, co := w.dims[0], w.dims[1], w.dims[2], w.dims[3]
	var filt int
	if depthwise {
		// HWCM has the IR's [1,kh,kw,C*M] memory order: only the shape changes.
		a.DepthMultiplier = co
		filt = c.derivedConst(n.in[1].n.name+"#dw", []int{1, kh, kw, ci * co}, func() []float32 { return w.f32 })
	} else {
		filt = c.derivedConst(n.in[1].n.name+"#ohwi", []int{co, kh, kw, ci}, func() []float32 { return hwioToOHWI(w.f32, kh, kw, ci, co) })
	}
	ins := []int{x, filt, -1, -1}
	if bias >= 0 {
		if ins[2], err = c.in(n.in[bias]); err != nil {
			return err
		}
	}
	if alpha >= 0 {
		if ins[3], err = c.in(n.in[alpha]); err != nil {
			return err
		}
	}
	for len(ins) > 2 && ins[len(ins)-1] == -1 {
		ins = ins[:len(ins)-1]
	}
	op := nn.OpConv2D
	if n.op == "_FusedConv2D" && kh == 1 && kw == 1 {
		// nn's kernel for these models' pointwise convolutions (op_tfjs_conv1x1.go); TF
		// already fused bias and activation, which the planner would not fuse into it.
		op = nn.OpTFJSConv1x1
	}
	if depthwise {
		// nn's direct depthwise kernel for these models (op_tfjs_depthwise.go); it takes
		// the bias and activation from the node, fused by rewrite.go.
		op = nn.OpTFJSDepthwise
	}
	return c.emit(n, op, ins, a)
}

// derivedConst adds (once) a constant computed from another.
func (c *converter) derivedConst(key string, dims []int, data func() []float32) int {
	if t, ok := c.derived[key]; ok {
		return t
	}
	t := c.g.AddTensor(key, dims, data())
	c.derived[key] = t
	return t
}

func hwioToOHWI(w []float32, kh, kw, ci, co int) []float32 {
	out := make([]float32, len(w))
	for y := 0; y < kh; y++ {
		for x := 0; x < kw; x++ {
			for i := 0; i < ci; i++ {
				src := w[((y*kw+x)*ci+i)*co:][:co]
				for o, v := range src {
					out[((o*kh+y)*kw+x)*ci+i] = v
				}
			}
		}
	}
	return out
}

// matmul converts MatMul with a constant right operand to FullyConnected, else to MatMul.
func (c *converter) matmul(n *node) error {
	if len(n.in) < 2 {
		return fmt.Errorf("node %q (%s) has %d inputs: %w", n.name, n.op, len(n.in), ErrFormat)
	}
	var a nn.Attrs
	bias, alpha, err := fused(n, &a, 2)
	if err != nil {
		return err
	}
	ta, err := n.attrBool("transpose_a", false)
	if err != nil {
		return err
	}
	tb, err := n.attrBool("transpose_b", false)
	if err != nil {
		return err
	}
	x, err := c.in(n.in[0])
	if err != nil {
		return err
	}
	extra := []int{-1, -1}
	for i, p := range []int{bias, alpha} {
		if p >= 0 {
			if extra[i], err = c.in(n.in[p]); err != nil {
				return err
			}
		}
	}
	w, werr := constOf(n, 1)
	if werr != nil || ta || len(w.dims) != 2 || w.f32 == nil {
		if bias >= 0 || alpha >= 0 {
			return fmt.Errorf("node %q (%s): fused MatMul needs a constant 2-D right operand: %w", n.name, n.op, ErrUnsupported)
		}
		y, err := c.in(n.in[1])
		if err != nil {
			return err
		}
		return c.emit(n, nn.OpMatMul, []int{x, y}, nn.Attrs{TransposeA: ta, TransposeB: tb, Act: a.Act})
	}
	k, m := w.dims[0], w.dims[1]
	var wt int
	if tb { // already [N,K]
		wt = c.derivedConst(n.in[1].n.name+"#nk", []int{k, m}, func() []float32 { return w.f32 })
	} else {
		wt = c.derivedConst(n.in[1].n.name+"#nk", []int{m, k}, func() []float32 { return transpose2D(w.f32, k, m) })
	}
	ins := []int{x, wt, extra[0], extra[1]}
	for len(ins) > 2 && ins[len(ins)-1] == -1 {
		ins = ins[:len(ins)-1]
	}
	return c.emit(n, nn.OpFullyConnected, ins, a)
}

func transpose2D(w []float32, rows, cols int) []float32 {
	out := make([]float32, len(w))
	for r := 0; r < rows; r++ {
		for c, v := range w[r*cols : (r+1)*cols] {
			out[c*rows+r] = v
		}
	}
	return out
}

func (c *converter) pool(n *node) error {
	ins, err := c.inputs(n, 1)
	if err != nil {
		return err
	}
	var a nn.Attrs
	if err := spatial(n, &a); err != nil {
		return err
	}
	k, err := n.attrInts("ksize")
	if err != nil {
		return err
	}
	if len(k) != 4 || k[0] != 1 || k[3] != 1 || k[1] < 1 || k[2] < 1 {
		return fmt.Errorf("node %q (%s): ksize %v: %w", n.name, n.op, k, ErrUnsupported)
	}
	a.Window = [2]int{k[1], k[2]}
	op := nn.OpMaxPool2D
	if n.op == "AvgPool" {
		op = nn.OpAvgPool2D
	}
	return c.emit(n, op, ins[:1], a)
}

func (c *converter) pad(n *node) error {
	if n.op == "MirrorPad" {
		return fmt.Errorf("op %q in node %q: %w", n.op, n.name, ErrUnsupported)
	}
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	var a nn.Attrs
	if n.op == "PadV2" && len(n.in) > 2 {
		v, err := constOf(n, 2)
		if err != nil {
			return err
		}
		if f := floats(v); len(f) == 1 {
			a.Value = f[0]
		} else {
			return fmt.Errorf("node %q (%s): pad value is not a scalar: %w", n.name, n.op, ErrFormat)
		}
	}
	return c.emit(n, nn.OpPad, ins[:2], a)
}

// reshape converts Reshape. When the file fixed the input batch to 1 and we made it dynamic,
// a target that starts with that 1 (and has no -1) is read as batch-preserving: [1,512,16]
// becomes [-1,512,16], which is what the same model converted with a dynamic batch holds.
func (c *converter) reshape(n *node) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	if !c.relaxedBatch {
		return c.emit(n, nn.OpReshape, ins[:2], nn.Attrs{})
	}
	s, err := constOf(n, 1)
	if err != nil {
		return c.emit(n, nn.OpReshape, ins[:2], nn.Attrs{})
	}
	shape := floats(s)
	if len(shape) < 2 || shape[0] != 1 {
		return c.emit(n, nn.OpReshape, ins[:2], nn.Attrs{})
	}
	for _, v := range shape {
		if v == -1 {
			return c.emit(n, nn.OpReshape, ins[:2], nn.Attrs{})
		}
	}
	target := append([]float32{-1}, shape[1:]...)
	t := c.derivedConst(n.in[1].n.name+"#batch", []int{len(target)}, func() []float32 { return target })
	return c.emit(n, nn.OpReshape, []int{ins[0], t}, nn.Attrs{})
}

func (c *converter) reduce(n *node, op nn.Op) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	if _, err := constOf(n, 1); err != nil {
		return err
	}
	keep, err := n.attrBool("keep_dims", false)
	if err != nil {
		return err
	}
	return c.emit(n, op, ins[:2], nn.Attrs{KeepDims: keep})
}

// axisOp converts ops whose axis is a constant input: ExpandDims (x, axis) and ConcatV2
// (x..., axis); the legacy Concat has the axis first.
func (c *converter) axisOp(n *node) error {
	if len(n.in) < 2 {
		return fmt.Errorf("node %q (%s) has %d inputs: %w", n.name, n.op, len(n.in), ErrFormat)
	}
	axisAt, data := len(n.in)-1, n.in[:len(n.in)-1]
	if n.op == "Concat" {
		axisAt, data = 0, n.in[1:]
	}
	v, err := constOf(n, axisAt)
	if err != nil {
		return err
	}
	f := floats(v)
	if len(f) != 1 {
		return fmt.Errorf("node %q (%s): axis is not a scalar: %w", n.name, n.op, ErrFormat)
	}
	ins := make([]int, len(data))
	for i, r := range data {
		if ins[i], err = c.in(r); err != nil {
			return err
		}
	}
	op := nn.OpConcat
	if n.op == "ExpandDims" {
		op = nn.OpExpandDims
	}
	return c.emit(n, op, ins, nn.Attrs{Axis: int(f[0])})
}

func (c *converter) stridedSlice(n *node) error {
	ins, err := c.inputs(n, 4)
	if err != nil {
		return err
	}
	var a nn.Attrs
	for _, m := range []struct {
		key string
		dst *int
	}{{"begin_mask", &a.BeginMask}, {"end_mask", &a.EndMask}, {"ellipsis_mask", &a.EllipsisMask},
		{"new_axis_mask", &a.NewAxisMask}, {"shrink_axis_mask", &a.ShrinkAxisMask}} {
		if v, ok := n.attr[m.key]; ok {
			if v.I == nil {
				return n.badAttr(m.key, "int")
			}
			*m.dst = int(*v.I)
		}
	}
	return c.emit(n, nn.OpStridedSlice, ins[:4], a)
}
