//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

// SIMD twins of maddGeneric, reluGeneric and preluGeneric. Tails shorter than a vector use
// the generic code.

func init() {
	switch {
	case archsimd.X86.AVX512():
		madd, reluInPlace, preluRow, addVec, maxInto = madd512, relu512, prelu512, add512, max512
		leakyInPlace = leaky512
	case archsimd.X86.AVX2():
		madd, reluInPlace, preluRow, addVec, maxInto = maddAVX2, reluAVX2, preluAVX2, addAVX2, maxAVX2
		leakyInPlace = leakyAVX2
	}
}

// simdElementwise lists the SIMD element-wise kernels this CPU can run, by name.
func simdElementwise() []elementwiseImpl {
	var out []elementwiseImpl
	if archsimd.X86.AVX2() {
		out = append(out, elementwiseImpl{"avx2", maddAVX2, reluAVX2, preluAVX2, addAVX2, maxAVX2, leakyAVX2})
	}
	if archsimd.X86.AVX512() {
		out = append(out, elementwiseImpl{"avx512", madd512, relu512, prelu512, add512, max512, leaky512})
	}
	return out
}

func madd512(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		d := archsimd.LoadFloat32x16Slice(dst[i:])
		x := archsimd.LoadFloat32x16Slice(a[i:])
		y := archsimd.LoadFloat32x16Slice(b[i:])
		x.MulAdd(y, d).StoreSlice(dst[i:])
	}
	maddGeneric(dst[i:], a[i:], b[i:])
}

func relu512(x []float32) {
	var z archsimd.Float32x16
	i := 0
	for ; i+16 <= len(x); i += 16 {
		archsimd.LoadFloat32x16Slice(x[i:]).Max(z).StoreSlice(x[i:])
	}
	reluGeneric(x[i:])
}

func prelu512(x, a []float32) {
	n := len(x)
	a = a[:n]
	var z archsimd.Float32x16
	i := 0
	for ; i+16 <= n; i += 16 {
		v := archsimd.LoadFloat32x16Slice(x[i:])
		al := archsimd.LoadFloat32x16Slice(a[i:])
		// max(v,0) + alpha*min(v,0)
		al.MulAdd(v.Min(z), v.Max(z)).StoreSlice(x[i:])
	}
	preluGeneric(x[i:], a[i:])
}

func maddAVX2(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		d := archsimd.LoadFloat32x8Slice(dst[i:])
		x := archsimd.LoadFloat32x8Slice(a[i:])
		y := archsimd.LoadFloat32x8Slice(b[i:])
		x.MulAdd(y, d).StoreSlice(dst[i:])
	}
	maddGeneric(dst[i:], a[i:], b[i:])
}

func reluAVX2(x []float32) {
	var z archsimd.Float32x8
	i := 0
	for ; i+8 <= len(x); i += 8 {
		archsimd.LoadFloat32x8Slice(x[i:]).Max(z).StoreSlice(x[i:])
	}
	reluGeneric(x[i:])
}

func preluAVX2(x, a []float32) {
	n := len(x)
	a = a[:n]
	var z archsimd.Float32x8
	i := 0
	for ; i+8 <= n; i += 8 {
		v := archsimd.LoadFloat32x8Slice(x[i:])
		al := archsimd.LoadFloat32x8Slice(a[i:])
		al.MulAdd(v.Min(z), v.Max(z)).StoreSlice(x[i:])
	}
	preluGeneric(x[i:], a[i:])
}

func add512(y, a, b []float32) {
	n := len(y)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		archsimd.LoadFloat32x16Slice(a[i:]).Add(archsimd.LoadFloat32x16Slice(b[i:])).StoreSlice(y[i:])
	}
	addGeneric(y[i:], a[i:], b[i:])
}

func addAVX2(y, a, b []float32) {
	n := len(y)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		archsimd.LoadFloat32x8Slice(a[i:]).Add(archsimd.LoadFloat32x8Slice(b[i:])).StoreSlice(y[i:])
	}
	addGeneric(y[i:], a[i:], b[i:])
}

func max512(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		archsimd.LoadFloat32x16Slice(dst[i:]).Max(archsimd.LoadFloat32x16Slice(src[i:])).StoreSlice(dst[i:])
	}
	// The tail is scalar: the masked SlicePart loads trip checkptr under -race.
	maxIntoGeneric(dst[i:], src[i:])
}

func maxAVX2(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		archsimd.LoadFloat32x8Slice(dst[i:]).Max(archsimd.LoadFloat32x8Slice(src[i:])).StoreSlice(dst[i:])
	}
	maxIntoGeneric(dst[i:], src[i:])
}

// leaky512 computes max(v,0) + alpha*min(v,0), exact for any alpha.
func leaky512(x []float32, alpha float32) {
	var z archsimd.Float32x16
	a := archsimd.BroadcastFloat32x16(alpha)
	i := 0
	for ; i+16 <= len(x); i += 16 {
		v := archsimd.LoadFloat32x16Slice(x[i:])
		a.MulAdd(v.Min(z), v.Max(z)).StoreSlice(x[i:])
	}
	leakyGeneric(x[i:], alpha)
}

func leakyAVX2(x []float32, alpha float32) {
	var z archsimd.Float32x8
	a := archsimd.BroadcastFloat32x8(alpha)
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := archsimd.LoadFloat32x8Slice(x[i:])
		a.MulAdd(v.Min(z), v.Max(z)).StoreSlice(x[i:])
	}
	leakyGeneric(x[i:], alpha)
}
