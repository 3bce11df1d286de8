//go:build goexperiment.simd && amd64

package jpeg

import "simd/archsimd"

// AVX2 twin of ycbcrRowGeneric: eight pixels' colour arithmetic per step in 32-bit lanes
// (the same 16.16 constants and clamping), then interleaved into RGB bytes; the tail
// shorter than a vector uses the generic code.

func init() {
	if archsimd.X86.AVX2() {
		ycbcrRow = ycbcrRowAVX2
	}
	if hasAVX512VBMI() {
		ycbcrRow = ycbcrRowAVX512
		ycbcrBytesRow = ycbcrBytesRowAVX512
	}
}

// simdYCbCrRows lists the SIMD kernels this CPU can run (for tests).
func simdYCbCrRows() map[string]func(out []uint8, ys, cbs, crs []int32) {
	m := map[string]func(out []uint8, ys, cbs, crs []int32){}
	if archsimd.X86.AVX2() {
		m["avx2"] = ycbcrRowAVX2
	}
	if hasAVX512VBMI() {
		m["avx512"] = ycbcrRowAVX512
	}
	return m
}

// simdYCbCrBytesRows lists the SIMD byte-input kernels this CPU can run (for tests).
func simdYCbCrBytesRows() map[string]func(out []uint8, ys, cbs, crs []uint8) {
	m := map[string]func(out []uint8, ys, cbs, crs []uint8){}
	if hasAVX512VBMI() {
		m["avx512"] = ycbcrBytesRowAVX512
	}
	return m
}

func ycbcrRowAVX2(out []uint8, ys, cbs, crs []int32) {
	n := len(ys)
	out = out[:3*n]
	cbs, crs = cbs[:n], crs[:n]
	eight := archsimd.BroadcastInt32x8(8)
	c128 := archsimd.BroadcastInt32x8(128)
	k10101 := archsimd.BroadcastInt32x8(0x10101)
	kr := archsimd.BroadcastInt32x8(91881)
	kgb := archsimd.BroadcastInt32x8(-22554)
	kgr := archsimd.BroadcastInt32x8(-46802)
	kb := archsimd.BroadcastInt32x8(116130)
	lo := archsimd.BroadcastInt32x8(0)
	hi := archsimd.BroadcastInt32x8(255 << 16)
	var r, g, b [8]int32
	x := 0
	for ; x+8 <= n; x += 8 {
		yv := archsimd.LoadInt32x8Slice(ys[x:]).Add(eight).ShiftAllRight(4).Mul(k10101)
		cb := archsimd.LoadInt32x8Slice(cbs[x:]).Add(eight).ShiftAllRight(4).Sub(c128)
		cr := archsimd.LoadInt32x8Slice(crs[x:]).Add(eight).ShiftAllRight(4).Sub(c128)
		yv.Add(cr.Mul(kr)).Max(lo).Min(hi).ShiftAllRight(16).Store(&r)
		yv.Add(cb.Mul(kgb)).Add(cr.Mul(kgr)).Max(lo).Min(hi).ShiftAllRight(16).Store(&g)
		yv.Add(cb.Mul(kb)).Max(lo).Min(hi).ShiftAllRight(16).Store(&b)
		o := out[3*x : 3*x+24 : 3*x+24]
		for i := 0; i < 8; i++ {
			o[3*i], o[3*i+1], o[3*i+2] = uint8(r[i]), uint8(g[i]), uint8(b[i])
		}
	}
	ycbcrRowGeneric(out[3*x:], ys[x:], cbs[x:], crs[x:])
}
