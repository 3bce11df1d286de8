//go:build goexperiment.simd && amd64

package nn

// The 24-wide assembly kernels (gemm_amd64.s): one Z and one Y accumulator per row, for
// layers with 24 outputs (blazeface): 14x8 tiles take three passes over A and a broadcast
// per 8 columns, 14x32 tiles waste a quarter of their lanes.

//go:noescape
func gemmAsm24x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm24x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

var (
	asm24 = [mrAsm + 1]asmKernel{nil, gemmAsm24x1, gemmAsm24x2, gemmAsm24x3, gemmAsm24x4, gemmAsm24x5, gemmAsm24x6, gemmAsm24x7, gemmAsm24x8, gemmAsm24x9, gemmAsm24x10, gemmAsm24x11, gemmAsm24x12, gemmAsm24x13, gemmAsm24x14}

	asmGemm24 = gemmImpl{name: "asm14x24", mr: mrAsm, nr: 24, kern: microAsm24, seg: segAsm24, segEp: segEpAsm24, res: resAsm24}
)

func microAsm24(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	segAsm(&asm24, 24, mr, 1, kc, a, lda, 0, bp, c, ldc)
}

func segAsm24(mr, nseg, kc int, a []float32, lda, ss int, bp []float32, c []float32, ldc int) {
	segAsm(&asm24, 24, mr, nseg, kc, a, lda, ss, bp, c, ldc)
}
