package nn

import "sync"

// Graph is the format-neutral intermediate representation every importer produces and the
// planner consumes. Tensors are addressed by index into Graph.Tensors; nodes list the indices
// they read and write. A graph need not be in topological order: FromGraph sorts it.
//
// Canonical layouts (importers convert to these; kernels assume them):
//
//   - Activations: NHWC (batch, height, width, channels), float32.
//   - Conv2D filter: OHWI [outC, kh, kw, inC] (TFLite's layout). TF.js/TF HWIO must be
//     transposed by the importer.
//   - DepthwiseConv2D filter: [1, kh, kw, inC*mult] (TFLite's layout). Output channel
//     c*mult+m reads input channel c. TF's HWCM [kh, kw, inC, mult] has the same memory
//     order, so an importer only reshapes it.
//   - FullyConnected weights: [outN, inK] (TFLite's layout): y = x·Wᵀ + b, with x flattened
//     to [-1, inK]. TF MatMul with a constant [K, N] right operand should be transposed into
//     FullyConnected by the importer (or use OpMatMul, which takes both operands as data).
//   - Bias: [outC]. PRelu alpha: broadcastable to the input (usually [C]).
//   - Non-float tensors (int32 shapes, bools) are stored as float32 values; ops that take
//     indices or shapes read them from constant inputs.
type Graph struct {
	Tensors []TensorDef
	Nodes   []Node
	Inputs  []int // tensor indices fed by Model.Run, in order
	Outputs []int // tensor indices returned by Model.Run, in order
}

// TensorDef is one tensor of a graph. Shape uses -1 for dimensions known only at run time
// (batch, or height and width of fully convolutional nets). Data is non-nil exactly for
// constants, and then len(Data) equals the product of Shape.
type TensorDef struct {
	Name  string
	Shape []int
	Data  []float32
}

// IsConst reports whether the tensor holds constant data.
func (t *TensorDef) IsConst() bool { return t.Data != nil }

// Node is one operation. Optional inputs that are absent are written as -1
// (for example a convolution without bias).
type Node struct {
	Name    string // for error messages; usually the first output's name
	Op      Op
	Inputs  []int
	Outputs []int
	Attrs   Attrs

	memo *sync.Map // set by FromGraph: weight packings shared by every plan of a model
	prec Precision // set by Model.WithPrecision
}

// cached returns build()'s result, computed once per node and key for the model's lifetime
// (packed weights do not depend on input shapes, so plans share them).
func (n *Node) cached(key string, build func() any) any {
	if n.memo == nil {
		return build()
	}
	if v, ok := n.memo.Load(key); ok {
		return v
	}
	v, _ := n.memo.LoadOrStore(key, build())
	return v
}

// AddTensor appends a tensor and returns its index.
func (g *Graph) AddTensor(name string, shape []int, data []float32) int {
	g.Tensors = append(g.Tensors, TensorDef{Name: name, Shape: append([]int(nil), shape...), Data: data})
	return len(g.Tensors) - 1
}

// AddNode appends a node and returns its index.
func (g *Graph) AddNode(op Op, name string, inputs, outputs []int, attrs Attrs) int {
	g.Nodes = append(g.Nodes, Node{Name: name, Op: op, Inputs: inputs, Outputs: outputs, Attrs: attrs})
	return len(g.Nodes) - 1
}

// TensorByName returns the index of the first tensor with that name, or -1.
func (g *Graph) TensorByName(name string) int {
	for i := range g.Tensors {
		if g.Tensors[i].Name == name {
			return i
		}
	}
	return -1
}

// numel is the element count of a fully known shape (1 for a scalar).
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
