//go:build !(goexperiment.simd && amd64)

package nn

// simdGemmImpls lists the SIMD micro-kernels available: none without GOEXPERIMENT=simd.
func simdGemmImpls() []gemmImpl { return nil }

// simdElementwise lists SIMD element-wise kernels: none without GOEXPERIMENT=simd.
func simdElementwise() []elementwiseImpl { return nil }
