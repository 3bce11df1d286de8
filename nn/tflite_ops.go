package nn

import "fmt"

// TFLite builtin operator codes used here (BuiltinOperator in schema.fbs).
var tfliteSimple = map[int32]Op{
	0: OpAdd, 41: OpSub, 18: OpMul, 42: OpDiv, 55: OpMaximum, 57: OpMinimum, 78: OpPow,
	99: OpSquaredDiff, 58: OpLess, 61: OpGreater, 62: OpGreaterEqual, 63: OpLessEqual,
	71: OpEqual, 54: OpPRelu,
	19: OpRelu, 21: OpRelu6, 20: OpReluN1To1, 101: OpAbs, 59: OpNeg, 47: OpExp, 73: OpLog,
	75: OpSqrt, 76: OpRsqrt, 92: OpSquare, 14: OpSigmoid, 28: OpTanh, 53: OpCast,
	6: OpIdentity, 64: OpSelect, 123: OpSelect,
	34: OpPad, 60: OpPad, 39: OpTranspose, 65: OpSlice, 70: OpExpandDims,
}

var tfliteReduce = map[int32]Op{40: OpReduceMean, 74: OpReduceSum, 82: OpReduceMax, 89: OpReduceMin, 81: OpReduceProd}

// tfliteAct maps ActivationFunctionType.
func tfliteAct(v uint8) (Activation, error) {
	switch v {
	case 0:
		return ActNone, nil
	case 1:
		return ActRelu, nil
	case 2:
		return ActReluN1To1, nil
	case 3:
		return ActRelu6, nil
	case 4:
		return ActTanh, nil
	}
	return 0, fmt.Errorf("%w: fused activation %d", ErrUnsupported, v)
}

func tflitePadding(v uint8) Padding {
	if v == 0 {
		return PadSame
	}
	return PadValid
}

// tfliteNode converts one operator; Inputs left nil means "as in the file".
func tfliteNode(r *fbReader, code int32, custom string, opt fbTable, hasOpt bool, g *Graph, ins []int) (Node, error) {
	u8 := func(i int, def uint8) uint8 {
		if !hasOpt {
			return def
		}
		return r.fieldU8(opt, i, def)
	}
	i32 := func(i int, def int32) int {
		if !hasOpt {
			return int(def)
		}
		return int(r.fieldI32(opt, i, def))
	}
	f32 := func(i int, def float32) float32 {
		if !hasOpt {
			return def
		}
		return r.fieldF32(opt, i, def)
	}
	var n Node
	var err error
	act := func(i int) {
		if err == nil {
			n.Attrs.Act, err = tfliteAct(u8(i, 0))
		}
	}
	if op, ok := tfliteSimple[code]; ok {
		n.Op = op
		switch code {
		case 0, 41, 18, 42: // ADD SUB MUL DIV: fused_activation_function is field 0
			act(0)
		}
		return n, err
	}
	if op, ok := tfliteReduce[code]; ok {
		n.Op = op
		n.Attrs.KeepDims = u8(0, 0) != 0
		return n, nil
	}
	switch code {
	case 3: // CONV_2D
		n.Op = OpConv2D
		n.Attrs.Padding = tflitePadding(u8(0, 0))
		n.Attrs.Strides = [2]int{i32(2, 1), i32(1, 1)}
		act(3)
		n.Attrs.Dilations = [2]int{i32(5, 1), i32(4, 1)}
	case 4: // DEPTHWISE_CONV_2D
		n.Op = OpDepthwiseConv2D
		n.Attrs.Padding = tflitePadding(u8(0, 0))
		n.Attrs.Strides = [2]int{i32(2, 1), i32(1, 1)}
		n.Attrs.DepthMultiplier = i32(3, 1)
		act(4)
		n.Attrs.Dilations = [2]int{i32(6, 1), i32(5, 1)}
	case 1, 17: // AVERAGE_POOL_2D, MAX_POOL_2D
		n.Op = OpMaxPool2D
		if code == 1 {
			n.Op = OpAvgPool2D
		}
		n.Attrs.Padding = tflitePadding(u8(0, 0))
		n.Attrs.Strides = [2]int{i32(2, 1), i32(1, 1)}
		n.Attrs.Window = [2]int{i32(4, 1), i32(3, 1)}
		act(5)
	case 9: // FULLY_CONNECTED
		n.Op = OpFullyConnected
		act(0)
		if u8(1, 0) != 0 {
			return n, fmt.Errorf("%w: shuffled fully-connected weights", ErrUnsupported)
		}
		n.Attrs.KeepDims = u8(2, 0) != 0
	case 22: // RESHAPE
		n.Op = OpReshape
		if len(ins) < 2 || ins[1] < 0 {
			if hasOpt {
				n.Attrs.Shape = r.int32s(opt, 0)
			}
			n.Inputs = ins[:min(len(ins), 1)]
		}
	case 25: // SOFTMAX
		n.Op = OpSoftmax
		n.Attrs.Beta = f32(0, 1)
	case 2: // CONCATENATION
		n.Op = OpConcat
		n.Attrs.Axis = i32(0, 0)
		act(1)
	case 45: // STRIDED_SLICE
		n.Op = OpStridedSlice
		n.Attrs.BeginMask, n.Attrs.EndMask = i32(0, 0), i32(1, 0)
		n.Attrs.EllipsisMask, n.Attrs.NewAxisMask, n.Attrs.ShrinkAxisMask = i32(2, 0), i32(3, 0), i32(4, 0)
	case 98: // LEAKY_RELU
		n.Op = OpLeakyRelu
		n.Attrs.Alpha = f32(0, 0.2)
	case 43: // SQUEEZE
		n.Op = OpSqueeze
		if hasOpt {
			n.Attrs.Axes = r.int32s(opt, 0)
		}
	case 23, 97: // RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR
		n.Op = OpResizeBilinear
		if code == 97 {
			n.Op = OpResizeNearest
			n.Attrs.AlignCorners, n.Attrs.HalfPixel = u8(0, 0) != 0, u8(1, 0) != 0
		} else {
			n.Attrs.AlignCorners, n.Attrs.HalfPixel = u8(2, 0) != 0, u8(3, 0) != 0
		}
	case 32:
		return n, fmt.Errorf("%w: custom op %q", ErrUnsupported, custom)
	default:
		return n, fmt.Errorf("%w: TFLite builtin op %d", ErrUnsupported, code)
	}
	return n, err
}
