//go:build !(goexperiment.simd && amd64)

package nn

// simdBF16Impls lists the bf16 assembly kernels: none without GOEXPERIMENT=simd on amd64
// (the bf16 path then runs its pure-Go twin).
func simdBF16Impls() []bf16Impl { return nil }
