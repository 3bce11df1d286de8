//go:build goexperiment.simd && amd64

package nn

// The epilogue kernels of gemm_amd64.s (gemmAsmE, see gen_gemm_amd64.go): C starts at the
// bias and leaves through pre(x) = max(x,0) + alpha·min(x,0); gemmAsmR adds a residual
// before pre.

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

//go:noescape
func gemmAsmE24x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmE24x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)

//go:noescape
func gemmAsmR32x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR32x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR16x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

//go:noescape
func gemmAsmR24x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)

// asmEpKernel is the signature of the epilogue kernels, asmResKernel of those that add a
// residual before the activation.
type (
	asmEpKernel  func(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha *float32)
	asmResKernel func(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int, bias, alpha, r *float32, ldr int)
)

var (
	asmE32 = [mrAsm + 1]asmEpKernel{nil, gemmAsmE32x1, gemmAsmE32x2, gemmAsmE32x3, gemmAsmE32x4, gemmAsmE32x5, gemmAsmE32x6, gemmAsmE32x7, gemmAsmE32x8, gemmAsmE32x9, gemmAsmE32x10, gemmAsmE32x11, gemmAsmE32x12, gemmAsmE32x13, gemmAsmE32x14}
	asmE16 = [mrAsm + 1]asmEpKernel{nil, gemmAsmE16x1, gemmAsmE16x2, gemmAsmE16x3, gemmAsmE16x4, gemmAsmE16x5, gemmAsmE16x6, gemmAsmE16x7, gemmAsmE16x8, gemmAsmE16x9, gemmAsmE16x10, gemmAsmE16x11, gemmAsmE16x12, gemmAsmE16x13, gemmAsmE16x14}
	asmE24 = [mrAsm + 1]asmEpKernel{nil, gemmAsmE24x1, gemmAsmE24x2, gemmAsmE24x3, gemmAsmE24x4, gemmAsmE24x5, gemmAsmE24x6, gemmAsmE24x7, gemmAsmE24x8, gemmAsmE24x9, gemmAsmE24x10, gemmAsmE24x11, gemmAsmE24x12, gemmAsmE24x13, gemmAsmE24x14}
	asmR32 = [mrAsm + 1]asmResKernel{nil, gemmAsmR32x1, gemmAsmR32x2, gemmAsmR32x3, gemmAsmR32x4, gemmAsmR32x5, gemmAsmR32x6, gemmAsmR32x7, gemmAsmR32x8, gemmAsmR32x9, gemmAsmR32x10, gemmAsmR32x11, gemmAsmR32x12, gemmAsmR32x13, gemmAsmR32x14}
	asmR16 = [mrAsm + 1]asmResKernel{nil, gemmAsmR16x1, gemmAsmR16x2, gemmAsmR16x3, gemmAsmR16x4, gemmAsmR16x5, gemmAsmR16x6, gemmAsmR16x7, gemmAsmR16x8, gemmAsmR16x9, gemmAsmR16x10, gemmAsmR16x11, gemmAsmR16x12, gemmAsmR16x13, gemmAsmR16x14}
	asmR24 = [mrAsm + 1]asmResKernel{nil, gemmAsmR24x1, gemmAsmR24x2, gemmAsmR24x3, gemmAsmR24x4, gemmAsmR24x5, gemmAsmR24x6, gemmAsmR24x7, gemmAsmR24x8, gemmAsmR24x9, gemmAsmR24x10, gemmAsmR24x11, gemmAsmR24x12, gemmAsmR24x13, gemmAsmR24x14}
)

func segEpAsm32(mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32) {
	segEpAsm(&asmE32, 32, mr, nseg, kc, a, lda, ss, bp, c, ldc, bias, alpha)
}

func segEpAsm16(mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32) {
	segEpAsm(&asmE16, 16, mr, nseg, kc, a, lda, ss, bp, c, ldc, bias, alpha)
}

func segEpAsm24(mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32) {
	segEpAsm(&asmE24, 24, mr, nseg, kc, a, lda, ss, bp, c, ldc, bias, alpha)
}

func resAsm32(mr, kc int, a []float32, lda int, bp, c []float32, ldc int, bias, alpha, r []float32, ldr int) {
	resAsm(&asmR32, 32, mr, kc, a, lda, bp, c, ldc, bias, alpha, r, ldr)
}

func resAsm16(mr, kc int, a []float32, lda int, bp, c []float32, ldc int, bias, alpha, r []float32, ldr int) {
	resAsm(&asmR16, 16, mr, kc, a, lda, bp, c, ldc, bias, alpha, r, ldr)
}

func resAsm24(mr, kc int, a []float32, lda int, bp, c []float32, ldc int, bias, alpha, r []float32, ldr int) {
	resAsm(&asmR24, 24, mr, kc, a, lda, bp, c, ldc, bias, alpha, r, ldr)
}

// resAsm checks every index the kernel touches, as segEpAsm does.
func resAsm(tab *[mrAsm + 1]asmResKernel, nr, mr, kc int, a []float32, lda int, bp, c []float32, ldc int, bias, alpha, r []float32, ldr int) {
	if mr <= 0 || kc <= 0 {
		return
	}
	_ = a[(mr-1)*lda+kc-1]
	_ = bp[kc*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	_ = r[(mr-1)*ldr+nr-1]
	_, _ = bias[nr-1], alpha[nr-1]
	tab[mr](kc, 1, &a[0], lda, 0, &bp[0], &c[0], ldc, &bias[0], &alpha[0], &r[0], ldr)
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
