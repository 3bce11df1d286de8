//go:build !(goexperiment.simd && amd64)

package nn

// conv1x1SIMD reports whether OpTFJSConv1x1 has its own kernel; without it the op
// compiles as OpConv2D.
const conv1x1SIMD = false

func conv1x1Rows(q *c1Kernel, x, y []float32, m int, act Activation) {
	conv1x1Generic(q, x, y, 0, m, act)
}
