//go:build !(goexperiment.simd && amd64)

package index

// simdKernels: none without GOEXPERIMENT=simd on amd64; the generic kernel is used.
func simdKernels() map[string]func(a, b []float32) float32 { return nil }

func simdKernels4() map[string]func(q, a, b, c, d []float32) (float32, float32, float32, float32) {
	return nil
}
