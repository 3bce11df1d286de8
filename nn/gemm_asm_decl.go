//go:build goexperiment.simd && amd64

package nn

// Declarations of the generated kernels in gemm_amd64.s.

//go:noescape
func gemmAsm32x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm32x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm16x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x1(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x2(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x3(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x4(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x5(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x6(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x7(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x8(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x9(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x10(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x11(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x12(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x13(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)

//go:noescape
func gemmAsm8x14(kc, nseg int, a *float32, lda, ss int, b, c *float32, ldc int)
