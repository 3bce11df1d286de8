//go:build goexperiment.simd && amd64

package index

import "simd/archsimd"

func init() {
	switch {
	case archsimd.X86.AVX512():
		dot, dotName = dotAVX512, "avx512"
	case archsimd.X86.AVX2():
		dot, dotName = dotAVX2, "avx2"
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
	acc0 = acc0.Add(acc1)
	return hsum8(acc0.GetLo().Add(acc0.GetHi())) + dotTail(a, b)
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
	return hsum8(acc0.Add(acc1)) + dotTail(a, b)
}

func hsum8(v archsimd.Float32x8) float32 {
	s4 := v.GetLo().Add(v.GetHi())
	var t [4]float32
	s4.Store(&t)
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
