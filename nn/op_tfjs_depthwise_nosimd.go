//go:build !(goexperiment.simd && amd64)

package nn

// dwSIMD reports whether dwPixelSIMD is a real SIMD kernel.
const dwSIMD = false

func dwPixelSIMD(dst, x []float32, base int, offs, widx []int, w, bias []float32, act Activation) {
	dwPixelGeneric(dst, x, base, offs, widx, w, bias, act)
}

func dwSpanSIMD(dst, x []float32, xbase int, offs []int, wt, bt []float32, span int, act Activation) {
	dwSpanGeneric(dst, x, xbase, offs, wt, bt, span, act)
}

// dwPixelPReLU has no kernel without SIMD: the caller takes the generic path.
func dwPixelPReLU(dst, x []float32, base int, offs, widx []int, w, bias, alpha []float32) bool {
	return false
}

// dwAsm reports whether the assembly row kernels exist: not in this build.
func dwAsm() bool { return false }

func dwRow3x3(n, xstep, ystep int, x []float32, rs, cs int, wt, b, alpha, dst []float32, act int) {
	dwRow3x3Generic(n, xstep, ystep, x, rs, cs, wt, b, alpha, dst, act)
}
