package tflite

import (
	"fmt"

	"github.com/wajah-id/wajah/nn"
)

// TFLite builtin operator codes used here (BuiltinOperator in schema.fbs).
var tfliteSimple = map[int32]nn.Op{
	0: nn.OpAdd, 41: nn.OpSub, 18: nn.OpMul, 42: nn.OpDiv, 55: nn.OpMaximum, 57: nn.OpMinimum, 78: nn.OpPow,
	99: nn.OpSquaredDiff, 58: nn.OpLess, 61: nn.OpGreater, 62: nn.OpGreaterEqual, 63: nn.OpLessEqual,
	71: nn.OpEqual, 54: nn.OpPRelu,
	19: nn.OpRelu, 21: nn.OpRelu6, 20: nn.OpReluN1To1, 101: nn.OpAbs, 59: nn.OpNeg, 47: nn.OpExp, 73: nn.OpLog,
	75: nn.OpSqrt, 76: nn.OpRsqrt, 92: nn.OpSquare, 14: nn.OpSigmoid, 28: nn.OpTanh, 53: nn.OpCast,
	6: nn.OpIdentity, 64: nn.OpSelect, 123: nn.OpSelect,
	34: nn.OpPad, 60: nn.OpPad, 39: nn.OpTranspose, 65: nn.OpSlice, 70: nn.OpExpandDims,
}

var tfliteReduce = map[int32]nn.Op{40: nn.OpReduceMean, 74: nn.OpReduceSum, 82: nn.OpReduceMax, 89: nn.OpReduceMin, 81: nn.OpReduceProd}

// tfliteAct maps ActivationFunctionType.
func tfliteAct(v uint8) (nn.Activation, error) {
	switch v {
	case 0:
		return nn.ActNone, nil
	case 1:
		return nn.ActRelu, nil
	case 2:
		return nn.ActReluN1To1, nil
	case 3:
		return nn.ActRelu6, nil
	case 4:
		return nn.ActTanh, nil
	}
	return 0, fmt.Errorf("%w: fused activation %d", nn.ErrUnsupported, v)
}

func tflitePadding(v uint8) nn.Padding {
	if v == 0 {
		return nn.PadSame
	}
	return nn.PadValid
}

// tfliteNode converts one operator; Inputs left nil means "as in the file".
func tfliteNode(r *fbReader, code int32, custom string, opt fbTable, hasOpt bool, g *nn.Graph, ins []int) (nn.Node, error) {
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
	var n nn.Node
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
		n.Op = nn.OpConv2D
		n.Attrs.Padding = tflitePadding(u8(0, 0))
		n.Attrs.Strides = [2]int{i32(2, 1), i32(1, 1)}
		act(3)
		n.Attrs.Dilations = [2]int{i32(5, 1), i32(4, 1)}
	case 4: // DEPTHWISE_CONV_2D
		n.Op = nn.OpDepthwiseConv2D
		n.Attrs.Padding = tflitePadding(u8(0, 0))
		n.Attrs.Strides = [2]int{i32(2, 1), i32(1, 1)}
		n.Attrs.DepthMultiplier = i32(3, 1)
		act(4)
		n.Attrs.Dilations = [2]int{i32(6, 1), i32(5, 1)}
	case 1, 17: // AVERAGE_POOL_2D, MAX_POOL_2D
		n.Op = nn.OpMaxPool2D
		if code == 1 {
			n.Op = nn.OpAvgPool2D
		}
		n.Attrs.Padding = tflitePadding(u8(0, 0))
		n.Attrs.Strides = [2]int{i32(2, 1), i32(1, 1)}
		n.Attrs.Window = [2]int{i32(4, 1), i32(3, 1)}
		act(5)
	case 9: // FULLY_CONNECTED
		n.Op = nn.OpFullyConnected
		act(0)
		if u8(1, 0) != 0 {
			return n, fmt.Errorf("%w: shuffled fully-connected weights", nn.ErrUnsupported)
		}
		n.Attrs.KeepDims = u8(2, 0) != 0
	case 22: // RESHAPE
		n.Op = nn.OpReshape
		if len(ins) < 2 || ins[1] < 0 {
			if hasOpt {
				n.Attrs.Shape = r.int32s(opt, 0)
			}
			n.Inputs = ins[:min(len(ins), 1)]
		}
	case 25: // SOFTMAX
		n.Op = nn.OpSoftmax
		n.Attrs.Beta = f32(0, 1)
	case 2: // CONCATENATION
		n.Op = nn.OpConcat
		n.Attrs.Axis = i32(0, 0)
		act(1)
	case 45: // STRIDED_SLICE
		n.Op = nn.OpStridedSlice
		n.Attrs.BeginMask, n.Attrs.EndMask = i32(0, 0), i32(1, 0)
		n.Attrs.EllipsisMask, n.Attrs.NewAxisMask, n.Attrs.ShrinkAxisMask = i32(2, 0), i32(3, 0), i32(4, 0)
	case 98: // LEAKY_RELU
		n.Op = nn.OpLeakyRelu
		n.Attrs.Alpha = f32(0, 0.2)
	case 43: // SQUEEZE
		n.Op = nn.OpSqueeze
		if hasOpt {
			n.Attrs.Axes = r.int32s(opt, 0)
		}
	case 23, 97: // RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR
		n.Op = nn.OpResizeBilinear
		if code == 97 {
			n.Op = nn.OpResizeNearest
			n.Attrs.AlignCorners, n.Attrs.HalfPixel = u8(0, 0) != 0, u8(1, 0) != 0
		} else {
			n.Attrs.AlignCorners, n.Attrs.HalfPixel = u8(2, 0) != 0, u8(3, 0) != 0
		}
	case 32:
		return n, fmt.Errorf("%w: custom op %q", nn.ErrUnsupported, custom)
	default:
		return n, fmt.Errorf("%w: TFLite builtin op %d", nn.ErrUnsupported, code)
	}
	return n, err
}
