package nn

// Op names an operation. Ops are registered by name (registerOp, registry.go), so a new
// file of this package can add an op without touching a central switch. Importer-specific
// ops use their own prefix (for example "tfjs.Foo" in op_tfjs_*.go).
type Op string

// Built-in ops. Input lists are given as (name[, optional]); "c" marks inputs that must be
// constant at plan time.
const (
	OpConv2D          Op = "Conv2D"          // (x, filter OHWI c, bias c?, preluAlpha c?) Attrs: Strides, Dilations, Padding, Pads, Act
	OpDepthwiseConv2D Op = "DepthwiseConv2D" // (x, filter [1,kh,kw,C*M] c, bias c?, preluAlpha c?) Attrs: as Conv2D + DepthMultiplier
	OpFullyConnected  Op = "FullyConnected"  // (x, weights [N,K] c, bias c?, preluAlpha c?) Attrs: Act, KeepDims
	OpMatMul          Op = "MatMul"          // (a, b) batched; Attrs: TransposeA, TransposeB, Act
	OpMaxPool2D       Op = "MaxPool2D"       // (x) Attrs: Window, Strides, Padding, Pads, Act
	OpAvgPool2D       Op = "AvgPool2D"       // (x) Attrs: Window, Strides, Padding, Pads, Act (padding excluded from the mean)

	// Elementwise binary ops broadcast NumPy style. Attrs.Act is applied to the result.
	OpAdd          Op = "Add"
	OpSub          Op = "Sub"
	OpMul          Op = "Mul"
	OpDiv          Op = "Div"
	OpMaximum      Op = "Maximum"
	OpMinimum      Op = "Minimum"
	OpPow          Op = "Pow"
	OpSquaredDiff  Op = "SquaredDifference"
	OpGreater      Op = "Greater" // comparisons produce 1 or 0
	OpGreaterEqual Op = "GreaterEqual"
	OpLess         Op = "Less"
	OpLessEqual    Op = "LessEqual"
	OpEqual        Op = "Equal"
	OpPRelu        Op = "PRelu" // (x, alpha) x if x>0 else alpha*x

	// Elementwise unary ops.
	OpRelu      Op = "Relu"
	OpRelu6     Op = "Relu6"
	OpReluN1To1 Op = "ReluN1To1"
	OpLeakyRelu Op = "LeakyRelu" // Attrs.Alpha
	OpClip      Op = "Clip"      // Attrs.Min, Attrs.Max
	OpAbs       Op = "Abs"
	OpNeg       Op = "Neg"
	OpExp       Op = "Exp"
	OpLog       Op = "Log"
	OpSqrt      Op = "Sqrt"
	OpRsqrt     Op = "Rsqrt"
	OpSquare    Op = "Square"
	OpSigmoid   Op = "Sigmoid"
	OpTanh      Op = "Tanh"
	OpCast      Op = "Cast"     // float to float: identity; bools are already 0/1
	OpIdentity  Op = "Identity" // also used for TFLite DEQUANTIZE of float16 constants
	OpSoftmax   Op = "Softmax"  // over the last axis; Attrs.Beta (0 means 1)
	OpSelect    Op = "Select"   // (cond, a, b) broadcast

	// Shape and data movement.
	OpReshape        Op = "Reshape"        // (x, shape c?) target from input 1 or Attrs.Shape; one -1 allowed
	OpSqueeze        Op = "Squeeze"        // Attrs.Axes (empty: all size-1 dims)
	OpExpandDims     Op = "ExpandDims"     // Attrs.Axis
	OpPad            Op = "Pad"            // (x, paddings [rank,2] c) Attrs.Value is the fill
	OpConcat         Op = "Concat"         // (x...) Attrs.Axis (negative counts from the end)
	OpTranspose      Op = "Transpose"      // (x, perm c?) or Attrs.Perm
	OpSlice          Op = "Slice"          // (x, begin c, size c) size -1 means to the end
	OpStridedSlice   Op = "StridedSlice"   // (x, begin c, end c, strides c) Attrs: BeginMask, EndMask, ShrinkAxisMask, EllipsisMask, NewAxisMask
	OpResizeBilinear Op = "ResizeBilinear" // (x, size c) Attrs: AlignCorners, HalfPixel
	OpResizeNearest  Op = "ResizeNearest"  // (x, size c) Attrs: AlignCorners, HalfPixel
	OpDepthToSpace   Op = "DepthToSpace"   // (x NHWC) Attrs.BlockSize; TensorFlow's DCR order

	// Reductions over constant axes (input 1, or Attrs.Axes). Attrs.KeepDims.
	OpReduceMax  Op = "ReduceMax"
	OpReduceMin  Op = "ReduceMin"
	OpReduceSum  Op = "ReduceSum"
	OpReduceMean Op = "ReduceMean"
	OpReduceProd Op = "ReduceProd"
)

// Padding is the spatial padding rule of convolutions and pools.
type Padding uint8

const (
	PadValid    Padding = iota // no padding
	PadSame                    // TF SAME: output = ceil(in/stride), extra padding at the end
	PadExplicit                // Attrs.Pads
)

// Activation is a fused activation applied to an op's output.
type Activation uint8

const (
	ActNone      Activation = iota
	ActRelu                 // max(x, 0)
	ActRelu6                // min(max(x, 0), 6)
	ActReluN1To1            // min(max(x, -1), 1)
	ActTanh
	ActSigmoid
	ActLeakyRelu // x if x>0 else Attrs.Alpha*x
	ActPRelu     // x if x>0 else alpha[c]*x; alpha is the op's last input
)

// Attrs holds every attribute any op uses; each op reads only its own fields.
// Zero values are the common defaults (stride 1 is written as 0 or 1).
type Attrs struct {
	Strides         [2]int // H, W; 0 means 1
	Dilations       [2]int // H, W; 0 means 1
	Window          [2]int // pooling window H, W
	Padding         Padding
	Pads            [4]int // explicit padding: top, bottom, left, right
	Act             Activation
	Alpha           float32 // LeakyRelu slope (op or fused activation)
	DepthMultiplier int     // DepthwiseConv2D; 0 means 1

	Axis     int   // Concat, ExpandDims, Softmax-like ops
	Axes     []int // reductions, Squeeze
	KeepDims bool
	Shape    []int   // Reshape target when it has no shape input
	Perm     []int   // Transpose when it has no perm input
	Beta     float32 // Softmax temperature; 0 means 1
	Min, Max float32 // Clip
	Value    float32 // Pad fill value

	TransposeA, TransposeB bool // MatMul

	BeginMask, EndMask, EllipsisMask, NewAxisMask, ShrinkAxisMask int // StridedSlice

	AlignCorners, HalfPixel bool // resizes

	BlockSize int // DepthToSpace
}

func (a *Attrs) stride() (int, int)   { return one(a.Strides[0]), one(a.Strides[1]) }
func (a *Attrs) dilation() (int, int) { return one(a.Dilations[0]), one(a.Dilations[1]) }

func one(v int) int {
	if v <= 0 {
		return 1
	}
	return v
}
