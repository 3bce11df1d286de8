//go:build !(goexperiment.simd && amd64)

package nn

func softmax2(y, x []float32, beta float32) { softmax2Generic(y, x, beta) }
