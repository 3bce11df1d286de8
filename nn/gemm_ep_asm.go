//go:build goexperiment.simd && amd64

package nn

// The epilogue kernels of gemm_amd64.s (gemmAsmE, see gen_gemm_amd64.go): C starts at the
// bias and leaves through pre(x) = max(x,0) + alpha·min(x,0).

//go:noescape
func gemmAsmE32x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE32x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE16x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

// asmEpKernel is the signature of the epilogue kernels.
type asmEpKernel func(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

var (
	asmE32 = [mrAsm + 1]asmEpKernel{nil, gemmAsmE32x1, gemmAsmE32x2, gemmAsmE32x3, gemmAsmE32x4, gemmAsmE32x5, gemmAsmE32x6, gemmAsmE32x7, gemmAsmE32x8, gemmAsmE32x9, gemmAsmE32x10, gemmAsmE32x11, gemmAsmE32x12, gemmAsmE32x13, gemmAsmE32x14}
	asmE16 = [mrAsm + 1]asmEpKernel{nil, gemmAsmE16x1, gemmAsmE16x2, gemmAsmE16x3, gemmAsmE16x4, gemmAsmE16x5, gemmAsmE16x6, gemmAsmE16x7, gemmAsmE16x8, gemmAsmE16x9, gemmAsmE16x10, gemmAsmE16x11, gemmAsmE16x12, gemmAsmE16x13, gemmAsmE16x14}
)

func segEpAsm32(mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32) {
	segEpAsm(&asmE32, 32, mr, nseg, kc, a, lda, ss, bp, c, ldc, bias, alpha)
}

func segEpAsm16(mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32) {
	segEpAsm(&asmE16, 16, mr, nseg, kc, a, lda, ss, bp, c, ldc, bias, alpha)
}

// segEpAsm checks every index the kernel touches (a bad call panics like a Go index).
func segEpAsm(tab *[mrAsm + 1]asmEpKernel, nr, mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32) {
	if mr <= 0 || kc <= 0 || nseg <= 0 {
		return
	}
	_ = a[(nseg-1)*ss+(mr-1)*lda+kc-1]
	_ = bp[nseg*kc*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	_, _ = bias[nr-1], alpha[nr-1]
	tab[mr](kc, nseg, &a[0], lda, ss, &bp[0], &c[0], ldc, &bias[0], &alpha[0])
}
