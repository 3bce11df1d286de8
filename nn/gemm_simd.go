//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

// AVX-512 and AVX2 GEMM micro-kernels; microGeneric is their reference.

// Tile shapes are chosen for Go's register allocator, which uses 15 vector registers (no
// Z16-Z31) and hoists the broadcasts: accumulators + B vectors + broadcasts must fit in 15,
// or the loop spills. avx512x6 (6×32) is kept for comparison in BenchmarkGemm.
const (
	mr512, nr512             = 4, 32 // main AVX-512 tile
	mr512Narrow, nr512Narrow = 6, 16 // AVX-512 tile for layers with ≤16 outputs
	mrAVX2, nrAVX2           = 4, 16
)

var (
	avx512Gemm = gemmImpl{name: "avx512", mr: mr512, nr: nr512, kern: micro512r4, seg: seg512r4}
	avx512x6   = gemmImpl{name: "avx512x6", mr: 6, nr: 32, kern: micro512}
	avx512n16  = gemmImpl{name: "avx512n16", mr: mr512Narrow, nr: nr512Narrow, kern: micro512n16, seg: seg512n16}
	avx2Gemm   = gemmImpl{name: "avx2", mr: mrAVX2, nr: nrAVX2, kern: microAVX2r4}
)

func init() {
	switch {
	case archsimd.X86.AVX512():
		activeGemm, narrowGemm, tinyGemm, wideGemm = asmGemm32, asmGemm16, asmGemm8, asmGemm24
	case archsimd.X86.AVX2():
		activeGemm, narrowGemm = avx2Gemm, avx2Gemm
	}
}

// simdGemmImpls lists the SIMD micro-kernels this CPU can run (for tests and benchmarks).
func simdGemmImpls() []gemmImpl {
	var out []gemmImpl
	if archsimd.X86.AVX2() {
		out = append(out, avx2Gemm)
	}
	if archsimd.X86.AVX512() {
		out = append(out, avx512Gemm, avx512x6, avx512n16, asmGemm32, asmGemm16, asmGemm8, asmGemm24)
	}
	return out
}

func micro512(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	if mr != 6 {
		for i := 0; i < mr; i++ {
			micro512x1(kc, a[i*lda:], bp, c[i*ldc:])
		}
		return
	}
	a0, a1, a2 := a[:kc], a[lda:lda+kc], a[2*lda:2*lda+kc]
	a3, a4, a5 := a[3*lda:3*lda+kc], a[4*lda:4*lda+kc], a[5*lda:5*lda+kc]
	r0, r1, r2 := c[:32], c[ldc:ldc+32], c[2*ldc:2*ldc+32]
	r3, r4, r5 := c[3*ldc:3*ldc+32], c[4*ldc:4*ldc+32], c[5*ldc:5*ldc+32]
	c00, c01 := archsimd.LoadFloat32x16Slice(r0), archsimd.LoadFloat32x16Slice(r0[16:])
	c10, c11 := archsimd.LoadFloat32x16Slice(r1), archsimd.LoadFloat32x16Slice(r1[16:])
	c20, c21 := archsimd.LoadFloat32x16Slice(r2), archsimd.LoadFloat32x16Slice(r2[16:])
	c30, c31 := archsimd.LoadFloat32x16Slice(r3), archsimd.LoadFloat32x16Slice(r3[16:])
	c40, c41 := archsimd.LoadFloat32x16Slice(r4), archsimd.LoadFloat32x16Slice(r4[16:])
	c50, c51 := archsimd.LoadFloat32x16Slice(r5), archsimd.LoadFloat32x16Slice(r5[16:])
	bp = bp[:kc*32]
	for k := 0; k < kc; k++ {
		b := bp[k*32 : k*32+32]
		b0 := archsimd.LoadFloat32x16Slice(b)
		b1 := archsimd.LoadFloat32x16Slice(b[16:])
		v := archsimd.BroadcastFloat32x16(a0[k])
		c00, c01 = b0.MulAdd(v, c00), b1.MulAdd(v, c01)
		v = archsimd.BroadcastFloat32x16(a1[k])
		c10, c11 = b0.MulAdd(v, c10), b1.MulAdd(v, c11)
		v = archsimd.BroadcastFloat32x16(a2[k])
		c20, c21 = b0.MulAdd(v, c20), b1.MulAdd(v, c21)
		v = archsimd.BroadcastFloat32x16(a3[k])
		c30, c31 = b0.MulAdd(v, c30), b1.MulAdd(v, c31)
		v = archsimd.BroadcastFloat32x16(a4[k])
		c40, c41 = b0.MulAdd(v, c40), b1.MulAdd(v, c41)
		v = archsimd.BroadcastFloat32x16(a5[k])
		c50, c51 = b0.MulAdd(v, c50), b1.MulAdd(v, c51)
	}
	c00.StoreSlice(r0)
	c01.StoreSlice(r0[16:])
	c10.StoreSlice(r1)
	c11.StoreSlice(r1[16:])
	c20.StoreSlice(r2)
	c21.StoreSlice(r2[16:])
	c30.StoreSlice(r3)
	c31.StoreSlice(r3[16:])
	c40.StoreSlice(r4)
	c41.StoreSlice(r4[16:])
	c50.StoreSlice(r5)
	c51.StoreSlice(r5[16:])
}

func micro512x1(kc int, a []float32, bp []float32, c []float32) {
	a = a[:kc]
	c = c[:32]
	c0, c1 := archsimd.LoadFloat32x16Slice(c), archsimd.LoadFloat32x16Slice(c[16:])
	bp = bp[:kc*32]
	for k, av := range a {
		b := bp[k*32 : k*32+32]
		v := archsimd.BroadcastFloat32x16(av)
		c0 = archsimd.LoadFloat32x16Slice(b).MulAdd(v, c0)
		c1 = archsimd.LoadFloat32x16Slice(b[16:]).MulAdd(v, c1)
	}
	c0.StoreSlice(c)
	c1.StoreSlice(c[16:])
}

func microAVX2x1(kc int, a []float32, bp []float32, c []float32) {
	a = a[:kc]
	c = c[:16]
	c0, c1 := archsimd.LoadFloat32x8Slice(c), archsimd.LoadFloat32x8Slice(c[8:])
	bp = bp[:kc*16]
	for k, av := range a {
		b := bp[k*16 : k*16+16]
		v := archsimd.BroadcastFloat32x8(av)
		c0 = archsimd.LoadFloat32x8Slice(b).MulAdd(v, c0)
		c1 = archsimd.LoadFloat32x8Slice(b[8:]).MulAdd(v, c1)
	}
	c0.StoreSlice(c)
	c1.StoreSlice(c[8:])
}

// micro512n16 is the narrow AVX-512 kernel: 6 rows by 16 columns.
func micro512n16(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	if mr != 6 {
		for i := 0; i < mr; i++ {
			micro512n16x1(kc, a[i*lda:], bp, c[i*ldc:])
		}
		return
	}
	a0, a1, a2 := a[:kc], a[lda:lda+kc], a[2*lda:2*lda+kc]
	a3, a4, a5 := a[3*lda:3*lda+kc], a[4*lda:4*lda+kc], a[5*lda:5*lda+kc]
	r0, r1, r2 := c[:16], c[ldc:ldc+16], c[2*ldc:2*ldc+16]
	r3, r4, r5 := c[3*ldc:3*ldc+16], c[4*ldc:4*ldc+16], c[5*ldc:5*ldc+16]
	c0, c1, c2 := archsimd.LoadFloat32x16Slice(r0), archsimd.LoadFloat32x16Slice(r1), archsimd.LoadFloat32x16Slice(r2)
	c3, c4, c5 := archsimd.LoadFloat32x16Slice(r3), archsimd.LoadFloat32x16Slice(r4), archsimd.LoadFloat32x16Slice(r5)
	bp = bp[:kc*16]
	// Equal lengths let the compiler drop the bounds checks; the broadcast is the FMA's
	// first operand because it dies there, so no register copy is needed.
	a1, a2, a3, a4, a5 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)], a4[:len(a0)], a5[:len(a0)]
	for k := range a0 {
		b := archsimd.LoadFloat32x16Slice(bp[k*16 : k*16+16])
		c0 = archsimd.BroadcastFloat32x16(a0[k]).MulAdd(b, c0)
		c1 = archsimd.BroadcastFloat32x16(a1[k]).MulAdd(b, c1)
		c2 = archsimd.BroadcastFloat32x16(a2[k]).MulAdd(b, c2)
		c3 = archsimd.BroadcastFloat32x16(a3[k]).MulAdd(b, c3)
		c4 = archsimd.BroadcastFloat32x16(a4[k]).MulAdd(b, c4)
		c5 = archsimd.BroadcastFloat32x16(a5[k]).MulAdd(b, c5)
	}
	c0.StoreSlice(r0)
	c1.StoreSlice(r1)
	c2.StoreSlice(r2)
	c3.StoreSlice(r3)
	c4.StoreSlice(r4)
	c5.StoreSlice(r5)
}

func micro512n16x1(kc int, a []float32, bp []float32, c []float32) {
	a = a[:kc]
	c = c[:16]
	c0 := archsimd.LoadFloat32x16Slice(c)
	bp = bp[:kc*16]
	for k, av := range a {
		c0 = archsimd.BroadcastFloat32x16(av).MulAdd(archsimd.LoadFloat32x16Slice(bp[k*16:k*16+16]), c0)
	}
	c0.StoreSlice(c)
}

// micro512r4 is the main AVX-512 kernel: 4 rows by 32 columns.
func micro512r4(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	if mr != 4 {
		for i := 0; i < mr; i++ {
			micro512x1(kc, a[i*lda:], bp, c[i*ldc:])
		}
		return
	}
	a0, a1, a2, a3 := a[:kc], a[lda:lda+kc], a[2*lda:2*lda+kc], a[3*lda:3*lda+kc]
	r0, r1, r2, r3 := c[:32], c[ldc:ldc+32], c[2*ldc:2*ldc+32], c[3*ldc:3*ldc+32]
	c00, c01 := archsimd.LoadFloat32x16Slice(r0), archsimd.LoadFloat32x16Slice(r0[16:])
	c10, c11 := archsimd.LoadFloat32x16Slice(r1), archsimd.LoadFloat32x16Slice(r1[16:])
	c20, c21 := archsimd.LoadFloat32x16Slice(r2), archsimd.LoadFloat32x16Slice(r2[16:])
	c30, c31 := archsimd.LoadFloat32x16Slice(r3), archsimd.LoadFloat32x16Slice(r3[16:])
	bp = bp[:kc*32]
	a1, a2, a3 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)]
	for k := range a0 {
		b := bp[k*32 : k*32+32]
		b0 := archsimd.LoadFloat32x16Slice(b)
		b1 := archsimd.LoadFloat32x16Slice(b[16:])
		v := archsimd.BroadcastFloat32x16(a0[k])
		c00, c01 = b0.MulAdd(v, c00), v.MulAdd(b1, c01)
		v = archsimd.BroadcastFloat32x16(a1[k])
		c10, c11 = b0.MulAdd(v, c10), v.MulAdd(b1, c11)
		v = archsimd.BroadcastFloat32x16(a2[k])
		c20, c21 = b0.MulAdd(v, c20), v.MulAdd(b1, c21)
		v = archsimd.BroadcastFloat32x16(a3[k])
		c30, c31 = b0.MulAdd(v, c30), v.MulAdd(b1, c31)
	}
	c00.StoreSlice(r0)
	c01.StoreSlice(r0[16:])
	c10.StoreSlice(r1)
	c11.StoreSlice(r1[16:])
	c20.StoreSlice(r2)
	c21.StoreSlice(r2[16:])
	c30.StoreSlice(r3)
	c31.StoreSlice(r3[16:])
}

// microAVX2r4 is the AVX2 kernel: 4 rows by 16 columns.
func microAVX2r4(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	if mr != 4 {
		for i := 0; i < mr; i++ {
			microAVX2x1(kc, a[i*lda:], bp, c[i*ldc:])
		}
		return
	}
	a0, a1, a2, a3 := a[:kc], a[lda:lda+kc], a[2*lda:2*lda+kc], a[3*lda:3*lda+kc]
	r0, r1, r2, r3 := c[:16], c[ldc:ldc+16], c[2*ldc:2*ldc+16], c[3*ldc:3*ldc+16]
	c00, c01 := archsimd.LoadFloat32x8Slice(r0), archsimd.LoadFloat32x8Slice(r0[8:])
	c10, c11 := archsimd.LoadFloat32x8Slice(r1), archsimd.LoadFloat32x8Slice(r1[8:])
	c20, c21 := archsimd.LoadFloat32x8Slice(r2), archsimd.LoadFloat32x8Slice(r2[8:])
	c30, c31 := archsimd.LoadFloat32x8Slice(r3), archsimd.LoadFloat32x8Slice(r3[8:])
	bp = bp[:kc*16]
	a1, a2, a3 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)]
	for k := range a0 {
		b := bp[k*16 : k*16+16]
		b0 := archsimd.LoadFloat32x8Slice(b)
		b1 := archsimd.LoadFloat32x8Slice(b[8:])
		v := archsimd.BroadcastFloat32x8(a0[k])
		c00, c01 = b0.MulAdd(v, c00), v.MulAdd(b1, c01)
		v = archsimd.BroadcastFloat32x8(a1[k])
		c10, c11 = b0.MulAdd(v, c10), v.MulAdd(b1, c11)
		v = archsimd.BroadcastFloat32x8(a2[k])
		c20, c21 = b0.MulAdd(v, c20), v.MulAdd(b1, c21)
		v = archsimd.BroadcastFloat32x8(a3[k])
		c30, c31 = b0.MulAdd(v, c30), v.MulAdd(b1, c31)
	}
	c00.StoreSlice(r0)
	c01.StoreSlice(r0[8:])
	c10.StoreSlice(r1)
	c11.StoreSlice(r1[8:])
	c20.StoreSlice(r2)
	c21.StoreSlice(r2[8:])
	c30.StoreSlice(r3)
	c31.StoreSlice(r3[8:])
}

// seg512r4 is micro512r4 over kernel-row segments (see segKernel).
func seg512r4(mr, nseg, kc int, a []float32, lda, ss int, bp []float32, c []float32, ldc int) {
	if mr != 4 {
		for s := 0; s < nseg; s++ {
			micro512r4(mr, kc, a[s*ss:], lda, bp[s*kc*32:], c, ldc)
		}
		return
	}
	r0, r1, r2, r3 := c[:32], c[ldc:ldc+32], c[2*ldc:2*ldc+32], c[3*ldc:3*ldc+32]
	c00, c01 := archsimd.LoadFloat32x16Slice(r0), archsimd.LoadFloat32x16Slice(r0[16:])
	c10, c11 := archsimd.LoadFloat32x16Slice(r1), archsimd.LoadFloat32x16Slice(r1[16:])
	c20, c21 := archsimd.LoadFloat32x16Slice(r2), archsimd.LoadFloat32x16Slice(r2[16:])
	c30, c31 := archsimd.LoadFloat32x16Slice(r3), archsimd.LoadFloat32x16Slice(r3[16:])
	for s := 0; s < nseg; s++ {
		as := a[s*ss:]
		a0, a1, a2, a3 := as[:kc], as[lda:lda+kc], as[2*lda:2*lda+kc], as[3*lda:3*lda+kc]
		bs := bp[s*kc*32 : (s+1)*kc*32]
		a1, a2, a3 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)]
		for k := range a0 {
			b := bs[k*32 : k*32+32]
			b0 := archsimd.LoadFloat32x16Slice(b)
			b1 := archsimd.LoadFloat32x16Slice(b[16:])
			v := archsimd.BroadcastFloat32x16(a0[k])
			c00, c01 = b0.MulAdd(v, c00), v.MulAdd(b1, c01)
			v = archsimd.BroadcastFloat32x16(a1[k])
			c10, c11 = b0.MulAdd(v, c10), v.MulAdd(b1, c11)
			v = archsimd.BroadcastFloat32x16(a2[k])
			c20, c21 = b0.MulAdd(v, c20), v.MulAdd(b1, c21)
			v = archsimd.BroadcastFloat32x16(a3[k])
			c30, c31 = b0.MulAdd(v, c30), v.MulAdd(b1, c31)
		}
	}
	c00.StoreSlice(r0)
	c01.StoreSlice(r0[16:])
	c10.StoreSlice(r1)
	c11.StoreSlice(r1[16:])
	c20.StoreSlice(r2)
	c21.StoreSlice(r2[16:])
	c30.StoreSlice(r3)
	c31.StoreSlice(r3[16:])
}

// seg512n16 is micro512n16 over kernel-row segments (see segKernel).
func seg512n16(mr, nseg, kc int, a []float32, lda, ss int, bp []float32, c []float32, ldc int) {
	if mr != 6 {
		for s := 0; s < nseg; s++ {
			micro512n16(mr, kc, a[s*ss:], lda, bp[s*kc*16:], c, ldc)
		}
		return
	}
	r0, r1, r2 := c[:16], c[ldc:ldc+16], c[2*ldc:2*ldc+16]
	r3, r4, r5 := c[3*ldc:3*ldc+16], c[4*ldc:4*ldc+16], c[5*ldc:5*ldc+16]
	c0, c1, c2 := archsimd.LoadFloat32x16Slice(r0), archsimd.LoadFloat32x16Slice(r1), archsimd.LoadFloat32x16Slice(r2)
	c3, c4, c5 := archsimd.LoadFloat32x16Slice(r3), archsimd.LoadFloat32x16Slice(r4), archsimd.LoadFloat32x16Slice(r5)
	for s := 0; s < nseg; s++ {
		as := a[s*ss:]
		a0, a1, a2 := as[:kc], as[lda:lda+kc], as[2*lda:2*lda+kc]
		a3, a4, a5 := as[3*lda:3*lda+kc], as[4*lda:4*lda+kc], as[5*lda:5*lda+kc]
		bs := bp[s*kc*16 : (s+1)*kc*16]
		a1, a2, a3, a4, a5 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)], a4[:len(a0)], a5[:len(a0)]
		for k := range a0 {
			b := archsimd.LoadFloat32x16Slice(bs[k*16 : k*16+16])
			c0 = archsimd.BroadcastFloat32x16(a0[k]).MulAdd(b, c0)
			c1 = archsimd.BroadcastFloat32x16(a1[k]).MulAdd(b, c1)
			c2 = archsimd.BroadcastFloat32x16(a2[k]).MulAdd(b, c2)
			c3 = archsimd.BroadcastFloat32x16(a3[k]).MulAdd(b, c3)
			c4 = archsimd.BroadcastFloat32x16(a4[k]).MulAdd(b, c4)
			c5 = archsimd.BroadcastFloat32x16(a5[k]).MulAdd(b, c5)
		}
	}
	c0.StoreSlice(r0)
	c1.StoreSlice(r1)
	c2.StoreSlice(r2)
	c3.StoreSlice(r3)
	c4.StoreSlice(r4)
	c5.StoreSlice(r5)
}
