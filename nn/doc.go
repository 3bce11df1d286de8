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
// Errors wrap the sentinels in errors.go: ErrFormat (corrupt file), ErrUnsupported (unknown
// op, named with its node; quantized tensors), ErrShape (inputs that do not fit), ErrGraph.
// LoadTFLite accepts float32 models and float16 weights behind DEQUANTIZE (folded at load).
//
// Also: m.MACs(shapes...) gives the multiply-adds of one Run (GFLOP/s reports);
// m.Profile(reps, inputs...) times every planned step (`wajah bench nn -profile`);
// ParseTFLite parses bytes; PatchTFLiteInputShape rewrites a file's input shape for reference
// tooling.
//
// # Adding ops (importers)
//
// Build a Graph (AddTensor, AddNode; constants carry Data) in the canonical layouts of
// graph.go and call FromGraph. An op the runtime lacks is added in its own file with
//
//	func init() { nn.Register(op, nn.OpDef{Infer: ..., Compile: ...}) }
//
// Infer maps input shapes (and constant inputs) to output shapes; Compile returns a Kernel
// whose Run reads in and writes out for those fixed shapes and must not fail. Ops marked
// Alias (Reshape, Squeeze, Identity) share their input's buffer.
//
// # Correctness and speed
//
// golden_test.go compares every TFLite model with TFLite's own interpreter (max error ≤
// 1e-4 of the peak, cosine ≥ 0.99999; -update regenerates). `go test -bench Models ./nn`
// and `wajah bench nn [-tflite-eval DIR] [-tfjs-oracle DIR] [-batch 1,8] [-profile]` time the
// models, optionally next to TFLite WASM and TF.js WASM in the same run.
//
// # Internals
//
// graph.go is the IR (Graph, TensorDef, Node; canonical layouts are documented there),
// ops.go the op names and Attrs, registry.go the op registry: a file registers an op's shape
// inference and kernel compiler with Register, so importers can add ops (nn/op_tfjs_*.go)
// without editing a switch. FromGraph validates, sorts, folds constants and fuses
// (conv+bias+activation, the PReLU patterns relu(x)+a*(x-|x|) and relu(x)+a*(-relu(-x)),
// ReLU6 from Min/Max); plan.go infers shapes, compiles kernels and assigns buffers with reuse.
// Kernels: GEMM (gemm*.go, B packed in Nr-wide panels, blocked by Mc rows and Kc depth, Mr×Nr
// micro-kernels) behind fully connected and convolution: 1x1 as plain GEMM, k×k as an
// implicit GEMM that reads kernel rows straight from the (zero-padded) NHWC input
// (conv_direct.go), im2col only for dilated widths; register-blocked depthwise; pools;
// elementwise; reductions. Each SIMD kernel (*_simd.go, amd64 with GOEXPERIMENT=simd,
// AVX-512 or AVX2 picked at start-up) has a pure-Go twin that is always compiled and is
// the reference in tests.
package nn
