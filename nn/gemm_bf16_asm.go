//go:build goexperiment.simd && amd64

package nn

import "golang.org/x/sys/cpu"

// AVX512_BF16 kernels (gemm_bf16_amd64.s, written by gen_gemm_bf16_amd64.go). archsimd
// reports no BF16 feature, so the CPU is asked through golang.org/x/sys/cpu, which reads the
// CPUID leaf 7 sub-leaf 1 EAX bit 5 (AVX512_BF16) and checks that the OS saves ZMM state.

//go:generate go run gen_gemm_bf16_amd64.go

type bf16AsmKernel func(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

var (
	bf16x32 = [mrAsm + 1]bf16AsmKernel{nil, gemmBF16x32x1, gemmBF16x32x2, gemmBF16x32x3, gemmBF16x32x4,
		gemmBF16x32x5, gemmBF16x32x6, gemmBF16x32x7, gemmBF16x32x8, gemmBF16x32x9, gemmBF16x32x10,
		gemmBF16x32x11, gemmBF16x32x12, gemmBF16x32x13, gemmBF16x32x14}
	bf16x16 = [mrAsm + 1]bf16AsmKernel{nil, gemmBF16x16x1, gemmBF16x16x2, gemmBF16x16x3, gemmBF16x16x4,
		gemmBF16x16x5, gemmBF16x16x6, gemmBF16x16x7, gemmBF16x16x8, gemmBF16x16x9, gemmBF16x16x10,
		gemmBF16x16x11, gemmBF16x16x12, gemmBF16x16x13, gemmBF16x16x14}

	asmBF16x32 = bf16Impl{name: "bf16-asm14x32", mr: mrAsm, nr: 32, kern: microBF16Asm32}
	asmBF16x16 = bf16Impl{name: "bf16-asm14x16", mr: mrAsm, nr: 16, kern: microBF16Asm16}
)

// hasBF16 reports whether this CPU runs the AVX512_BF16 kernels.
func hasBF16() bool { return cpu.X86.HasAVX512F && cpu.X86.HasAVX512BF16 }

func init() {
	if hasBF16() {
		activeBF16, narrowBF16, cvtBF16, bf16Native = asmBF16x32, asmBF16x16, cvtBF16Fast, true
	}
}

// simdBF16Impls lists the bf16 assembly kernels this CPU can run (tests, benchmarks).
func simdBF16Impls() []bf16Impl {
	if !hasBF16() {
		return nil
	}
	return []bf16Impl{asmBF16x32, asmBF16x16}
}

func microBF16Asm32(mr, np int, a []uint16, lda int, bp []uint16, c []float32, ldc int) {
	bf16Asm(&bf16x32, 32, mr, np, a, lda, bp, c, ldc)
}

func microBF16Asm16(mr, np int, a []uint16, lda int, bp []uint16, c []float32, ldc int) {
	bf16Asm(&bf16x16, 16, mr, np, a, lda, bp, c, ldc)
}

// bf16Asm indexes the last value the kernel touches in every slice (a bad call panics like
// a Go index instead of corrupting memory), then runs the kernel for mr rows.
func bf16Asm(tab *[mrAsm + 1]bf16AsmKernel, nr, mr, np int, a []uint16, lda int, bp []uint16, c []float32, ldc int) {
	if mr <= 0 || np <= 0 {
		return
	}
	_ = a[(mr-1)*lda+2*np-1]
	_ = bp[np*2*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	tab[mr](np, &a[0], lda, &bp[0], &c[0], ldc)
}

// cvtBF16Fast converts 32 values per instruction and the tail in Go.
func cvtBF16Fast(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	n := len(src) &^ 31
	if n > 0 {
		cvtBF16Asm(&dst[0], &src[0], n)
	}
	cvtBF16Generic(dst[n:], src[n:])
}
