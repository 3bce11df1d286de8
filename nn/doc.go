// Package nn runs TensorFlow models (TFLite flatbuffers and, through nn/tfjs, TF.js graph
// models) in pure Go, with archsimd kernels when built with GOEXPERIMENT=simd.
//
// # Using a model
//
//	m, err := nn.LoadTFLite(path)        // or tfjs.Load(modelJSON), or nn.FromGraph(g)
//	in := m.Inputs()                     // name and shape; -1 marks a dynamic dimension
//	out, err := m.Run(&nn.Tensor{Shape: []int{1, 112, 112, 3}, Data: pixels})
//
// Run takes one tensor per model input, in Inputs() order, and returns fresh tensors in
// Outputs() order (the caller owns them). Activations are NHWC float32. A Model is safe for
// concurrent use: plans are built once per distinct set of input shapes and cached, and each
// Run borrows its scratch arena from a sync.Pool. Inputs are copied and never modified.
//
// Dynamic dimensions: every TFLite model gets a dynamic batch (dimension 0). Height and width
// are dynamic when the graph can be planned at other sizes (fully convolutional nets such as
// MTCNN pnet). MobileFaceNet.tflite fixes batch 2 in the file; here any batch works.
//
// Models used by wajah and how they are fed (see the package's Kotlin sources):
//   - MobileFaceNet.tflite: input [N,112,112,3] RGB (x-127.5)/128 → embeddings [N,192].
//   - pnet.tflite: [N,H,W,3] → prob [N,H',W',2], box regression [N,H',W',4].
//   - rnet.tflite: [N,24,24,3] → prob [N,2], box [N,4]; onet.tflite: [N,48,48,3] → prob
//     [N,2], box [N,4], landmarks [N,10]. MTCNN.kt feeds (x-127.5)/128 on images transposed
//     (width and height swapped); follow its code.
//
// # Internals
//
// graph.go is the IR (Graph, TensorDef, Node; canonical layouts are documented there),
// ops.go the op names and Attrs, registry.go the op registry: a file registers an op's shape
// inference and kernel compiler with Register, so importers can add ops (nn/op_tfjs_*.go)
// without editing a switch. FromGraph validates, sorts, folds constants and fuses
// (conv+bias+activation, the PReLU patterns relu(x)+a*(x-|x|) and relu(x)+a*(-relu(-x)),
// ReLU6 from Min/Max); plan.go infers shapes, compiles kernels and assigns buffers with reuse.
// Kernels: GEMM (gemm*.go, packed with blocking parameters Mr, Nr, Kc) behind convolution
// (1x1 as plain GEMM, others via im2col) and fully connected; direct depthwise; pools;
// elementwise; reductions. Each SIMD kernel (*_simd.go, amd64 with GOEXPERIMENT=simd,
// AVX-512 or AVX2 picked at start-up) has a pure-Go twin that is always compiled and is
// the reference in tests.
package nn
