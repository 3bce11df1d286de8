//go:build goexperiment.simd && amd64

package index

import "simd/archsimd"

func init() {
	switch {
	case archsimd.X86.AVX512():
		dot, dot4, dotName = dotAVX512, dot4AVX512, "avx512"
	case archsimd.X86.AVX2():
		dot, dot4, dotName = dotAVX2, dot4AVX2, "avx2"
	}
}

// simdKernels lists the kernels this CPU can run, for the comparison tests.
func simdKernels() map[string]func(a, b []float32) float32 {
	k := map[string]func(a, b []float32) float32{}
	if archsimd.X86.AVX512() {
		k["avx512"] = dotAVX512
	}
	if archsimd.X86.AVX2() {
		k["avx2"] = dotAVX2
	}
	return k
}

// simdKernels4 lists the four-way kernels this CPU can run.
func simdKernels4() map[string]func(q, a, b, c, d []float32) (float32, float32, float32, float32) {
	k := map[string]func(q, a, b, c, d []float32) (float32, float32, float32, float32){}
	if archsimd.X86.AVX512() {
		k["avx512"] = dot4AVX512
	}
	if archsimd.X86.AVX2() {
		k["avx2"] = dot4AVX2
	}
	return k
}

// dotAVX512 uses two 16-lane FMA accumulators (32 floats per step). Loads go through
// array pointers and the slices are advanced in place, which removes the index
// arithmetic and most bounds checks from the loop. The tail is scalar: archsimd's
// masked SlicePart loads trip checkptr under -race, and embeddings are multiples of 16.
func dotAVX512(a, b []float32) float32 {
	b = b[:len(a)]
	var acc0, acc1 archsimd.Float32x16
	for len(a) >= 32 && len(b) >= 32 {
		acc0 = archsimd.LoadFloat32x16((*[16]float32)(a[:16])).MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[:16])), acc0)
		acc1 = archsimd.LoadFloat32x16((*[16]float32)(a[16:32])).MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[16:32])), acc1)
		a, b = a[32:], b[32:]
	}
	if len(a) >= 16 && len(b) >= 16 {
		acc0 = archsimd.LoadFloat32x16((*[16]float32)(a[:16])).MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[:16])), acc0)
		a, b = a[16:], b[16:]
	}
	r := fold16(acc0.Add(acc1))
	archsimd.ClearAVXUpperBits()
	return sum4(r) + dotTail(a, b)
}

// dotAVX2 is the 8-lane variant for CPUs without AVX-512.
func dotAVX2(a, b []float32) float32 {
	b = b[:len(a)]
	var acc0, acc1 archsimd.Float32x8
	for len(a) >= 16 && len(b) >= 16 {
		acc0 = archsimd.LoadFloat32x8((*[8]float32)(a[:8])).MulAdd(archsimd.LoadFloat32x8((*[8]float32)(b[:8])), acc0)
		acc1 = archsimd.LoadFloat32x8((*[8]float32)(a[8:16])).MulAdd(archsimd.LoadFloat32x8((*[8]float32)(b[8:16])), acc1)
		a, b = a[16:], b[16:]
	}
	if len(a) >= 8 && len(b) >= 8 {
		acc0 = archsimd.LoadFloat32x8((*[8]float32)(a[:8])).MulAdd(archsimd.LoadFloat32x8((*[8]float32)(b[:8])), acc0)
		a, b = a[8:], b[8:]
	}
	r := fold8(acc0.Add(acc1))
	archsimd.ClearAVXUpperBits()
	return sum4(r) + dotTail(a, b)
}

// fold8 and fold16 reduce to four lanes with VEX/EVEX instructions only.
func fold8(v archsimd.Float32x8) archsimd.Float32x4 { return v.GetLo().Add(v.GetHi()) }

func fold16(v archsimd.Float32x16) archsimd.Float32x4 { return fold8(v.GetLo().Add(v.GetHi())) }

// sum4 finishes a reduction in scalar code. Callers clear the upper register halves
// first (VZEROUPPER): Go compiles scalar float32 maths to legacy SSE, which runs with a
// false dependency on every dirty 256/512-bit register otherwise, slowing the kernels
// and all the float code after them (heap compares in the search) severalfold.
func sum4(v archsimd.Float32x4) float32 {
	var t [4]float32
	v.Store(&t)
	return (t[0] + t[1]) + (t[2] + t[3])
}

func dotTail(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// dot4AVX512 scores one query against four vectors, loading each query chunk once and
// paying one call for four products: the graph search scores neighbours in batches.
func dot4AVX512(q, a, b, c, d []float32) (float32, float32, float32, float32) {
	n := len(q)
	a, b, c, d = a[:n], b[:n], c[:n], d[:n]
	var s0, s1, s2, s3 archsimd.Float32x16
	// Two accumulator sets halve the FMA dependency chains (192 dims: 6 deep, not 12).
	var t0, t1, t2, t3 archsimd.Float32x16
	for len(q) >= 32 && len(a) >= 32 && len(b) >= 32 && len(c) >= 32 && len(d) >= 32 {
		x := archsimd.LoadFloat32x16((*[16]float32)(q[:16]))
		y := archsimd.LoadFloat32x16((*[16]float32)(q[16:32]))
		s0 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(a[:16])), s0)
		s1 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[:16])), s1)
		s2 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(c[:16])), s2)
		s3 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(d[:16])), s3)
		t0 = y.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(a[16:32])), t0)
		t1 = y.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[16:32])), t1)
		t2 = y.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(c[16:32])), t2)
		t3 = y.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(d[16:32])), t3)
		q, a, b, c, d = q[32:], a[32:], b[32:], c[32:], d[32:]
	}
	s0, s1, s2, s3 = s0.Add(t0), s1.Add(t1), s2.Add(t2), s3.Add(t3)
	for len(q) >= 16 && len(a) >= 16 && len(b) >= 16 && len(c) >= 16 && len(d) >= 16 {
		x := archsimd.LoadFloat32x16((*[16]float32)(q[:16]))
		s0 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(a[:16])), s0)
		s1 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(b[:16])), s1)
		s2 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(c[:16])), s2)
		s3 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(d[:16])), s3)
		q, a, b, c, d = q[16:], a[16:], b[16:], c[16:], d[16:]
	}
	r0, r1, r2, r3 := fold16(s0), fold16(s1), fold16(s2), fold16(s3)
	archsimd.ClearAVXUpperBits()
	return sum4(r0) + dotTail(q, a), sum4(r1) + dotTail(q, b), sum4(r2) + dotTail(q, c), sum4(r3) + dotTail(q, d)
}

// dot4AVX2 is the 8-lane variant.
func dot4AVX2(q, a, b, c, d []float32) (float32, float32, float32, float32) {
	n := len(q)
	a, b, c, d = a[:n], b[:n], c[:n], d[:n]
	var s0, s1, s2, s3 archsimd.Float32x8
	for len(q) >= 8 && len(a) >= 8 && len(b) >= 8 && len(c) >= 8 && len(d) >= 8 {
		x := archsimd.LoadFloat32x8((*[8]float32)(q[:8]))
		s0 = x.MulAdd(archsimd.LoadFloat32x8((*[8]float32)(a[:8])), s0)
		s1 = x.MulAdd(archsimd.LoadFloat32x8((*[8]float32)(b[:8])), s1)
		s2 = x.MulAdd(archsimd.LoadFloat32x8((*[8]float32)(c[:8])), s2)
		s3 = x.MulAdd(archsimd.LoadFloat32x8((*[8]float32)(d[:8])), s3)
		q, a, b, c, d = q[8:], a[8:], b[8:], c[8:], d[8:]
	}
	r0, r1, r2, r3 := fold8(s0), fold8(s1), fold8(s2), fold8(s3)
	archsimd.ClearAVXUpperBits()
	return sum4(r0) + dotTail(q, a), sum4(r1) + dotTail(q, b), sum4(r2) + dotTail(q, c), sum4(r3) + dotTail(q, d)
}
