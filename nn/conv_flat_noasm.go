//go:build !(goexperiment.simd && amd64)

package nn

// flatAsm reports whether the assembly kernels run: never without GOEXPERIMENT=simd on
// amd64, where convolutions stay on the GEMM (the Go twin is the tests' reference).
func flatAsm() bool { return flatUseAsm }

const flatAsmAvail = false

var flatUseAsm = false

func flatKernel(f *flatConv, nblk int, x, dst []float32) { flatGeneric(f, nblk, x, dst) }
