//go:build goexperiment.simd && amd64

package nn

// Go-assembly AVX-512 micro-kernels (gemm_amd64.s, written by gen_gemm_amd64.go; see there
// why assembly). Each kernel computes C[mr×nr] += Σ_seg A_seg[mr×kc]·B_seg[kc×nr] with A
// rows lda floats apart, segments ss floats apart, packed B consecutive, C rows ldc apart.

//go:generate go run gen_gemm_amd64.go

// asmKernel is the signature shared by the generated kernels.
type asmKernel func(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

const mrAsm = 14 // rows of the assembly tiles

var (
	asm32 = [mrAsm + 1]asmKernel{nil, gemmAsm32x1, gemmAsm32x2, gemmAsm32x3, gemmAsm32x4, gemmAsm32x5,
		gemmAsm32x6, gemmAsm32x7, gemmAsm32x8, gemmAsm32x9, gemmAsm32x10, gemmAsm32x11, gemmAsm32x12,
		gemmAsm32x13, gemmAsm32x14}
	asm16 = [mrAsm + 1]asmKernel{nil, gemmAsm16x1, gemmAsm16x2, gemmAsm16x3, gemmAsm16x4, gemmAsm16x5,
		gemmAsm16x6, gemmAsm16x7, gemmAsm16x8, gemmAsm16x9, gemmAsm16x10, gemmAsm16x11, gemmAsm16x12,
		gemmAsm16x13, gemmAsm16x14}

	asm8 = [mrAsm + 1]asmKernel{nil, gemmAsm8x1, gemmAsm8x2, gemmAsm8x3, gemmAsm8x4, gemmAsm8x5,
		gemmAsm8x6, gemmAsm8x7, gemmAsm8x8, gemmAsm8x9, gemmAsm8x10, gemmAsm8x11, gemmAsm8x12,
		gemmAsm8x13, gemmAsm8x14}

	asmGemm32 = gemmImpl{name: "asm14x32", mr: mrAsm, nr: 32, kern: microAsm32, seg: segAsm32, segEp: segEpAsm32, res: resAsm32}
	asmGemm16 = gemmImpl{name: "asm14x16", mr: mrAsm, nr: 16, kern: microAsm16, seg: segAsm16, segEp: segEpAsm16, res: resAsm16}
	asmGemm8  = gemmImpl{name: "asm14x8", mr: mrAsm, nr: 8, kern: microAsm8, seg: segAsm8}
)

func microAsm8(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	segAsm(&asm8, 8, mr, 1, kc, a, lda, 0, bp, c, ldc)
}

func segAsm8(mr, nseg, kc int, a []float32, lda, ss int, bp []float32, c []float32, ldc int) {
	segAsm(&asm8, 8, mr, nseg, kc, a, lda, ss, bp, c, ldc)
}

func microAsm32(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	segAsm(&asm32, 32, mr, 1, kc, a, lda, 0, bp, c, ldc)
}

func microAsm16(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	segAsm(&asm16, 16, mr, 1, kc, a, lda, 0, bp, c, ldc)
}

func segAsm32(mr, nseg, kc int, a []float32, lda, ss int, bp []float32, c []float32, ldc int) {
	segAsm(&asm32, 32, mr, nseg, kc, a, lda, ss, bp, c, ldc)
}

func segAsm16(mr, nseg, kc int, a []float32, lda, ss int, bp []float32, c []float32, ldc int) {
	segAsm(&asm16, 16, mr, nseg, kc, a, lda, ss, bp, c, ldc)
}

// segAsm checks that every value the kernel touches is inside the slices (the indexing
// panics like any out-of-range Go index would), then runs the kernel for mr rows.
func segAsm(tab *[mrAsm + 1]asmKernel, nr, mr, nseg, kc int, a []float32, lda, ss int, bp []float32, c []float32, ldc int) {
	if mr <= 0 || kc <= 0 || nseg <= 0 {
		return
	}
	_ = a[(nseg-1)*ss+(mr-1)*lda+kc-1]
	_ = bp[nseg*kc*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	tab[mr](kc, nseg, &a[0], lda, ss, &bp[0], &c[0], ldc)
}
