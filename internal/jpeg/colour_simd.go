//go:build goexperiment.simd && amd64

package jpeg

import "simd/archsimd"

// The colour and upsampling kernels this CPU runs, chosen once at start-up.

func init() {
	if hasAVX512VBMI() {
		ycbcrBytesRow = ycbcrBytesRowAVX512
	}
	if archsimd.X86.AVX512() {
		h2RowBytes = h2RowBytesAVX512
		v2RowBytes = v2RowBytesAVX512
	}
}

// simdUpsamplers lists the SIMD upsampling kernels this CPU can run (for tests).
func simdUpsamplers() (h2 map[string]func(out, near, far []uint8, cs []uint16), v2 map[string]func(out, near, far []uint8)) {
	h2, v2 = map[string]func(out, near, far []uint8, cs []uint16){}, map[string]func(out, near, far []uint8){}
	if archsimd.X86.AVX512() {
		h2["avx512"], v2["avx512"] = h2RowBytesAVX512, v2RowBytesAVX512
	}
	return h2, v2
}

// simdYCbCrBytesRows lists the SIMD byte-input kernels this CPU can run (for tests).
func simdYCbCrBytesRows() map[string]func(out []uint8, ys, cbs, crs []uint8) {
	m := map[string]func(out []uint8, ys, cbs, crs []uint8){}
	if hasAVX512VBMI() {
		m["avx512"] = ycbcrBytesRowAVX512
	}
	return m
}
