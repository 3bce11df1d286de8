//go:build goexperiment.simd && amd64

package nn

// Declarations of the generated kernels in gemm_bf16_amd64.s.

//go:noescape
func gemmBF16x32x1(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x2(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x3(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x4(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x5(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x6(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x7(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x8(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x9(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x10(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x11(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x12(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x13(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x32x14(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x1(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x2(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x3(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x4(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x5(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x6(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x7(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x8(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x9(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x10(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x11(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x12(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x13(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func gemmBF16x16x14(np int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func cvtBF16Asm(dst *uint16, src *float32, n int)
