//go:build goexperiment.simd && amd64

package jpeg

import "simd/archsimd"

// AVX2 twin of idct8Generic: pass 1 (the column butterflies of idctCols) on all eight
// columns at once, one 8-lane vector per row of coefficients, with the same constants and
// rounding, so the result is identical; pass 2 is the scalar idctRows.

func init() {
	if archsimd.X86.AVX2() {
		idct8 = idct8AVX2
	}
	if archsimd.X86.AVX512() {
		idct8 = idct8AVX512
		idct4 = idct4AVX512
	}
}

// simdIDCT4s lists the SIMD 4x4 IDCTs this CPU can run (for tests).
func simdIDCT4s() map[string]func(blk *[64]int32, dst []uint8, stride int) {
	m := map[string]func(blk *[64]int32, dst []uint8, stride int){}
	if archsimd.X86.AVX512() {
		m["avx512"] = idct4AVX512
	}
	return m
}

// simdIDCTs lists the SIMD IDCTs this CPU can run (for tests).
func simdIDCTs() map[string]func(blk *[64]int32, dst []uint8, stride int) {
	m := map[string]func(blk *[64]int32, dst []uint8, stride int){}
	if archsimd.X86.AVX2() {
		m["avx2"] = idct8AVX2
	}
	if archsimd.X86.AVX512() {
		m["avx512"] = idct8AVX512
	}
	return m
}

func idct8AVX2(blk *[64]int32, dst []uint8, stride int) {
	var ws [64]int32
	idctColsAVX2(blk, &ws)
	idctRows(&ws, dst, stride)
}

func idctColsAVX2(blk *[64]int32, ws *[64]int32) {
	row := func(r int) archsimd.Int32x8 { return archsimd.LoadInt32x8((*[8]int32)(blk[8*r : 8*r+8])) }
	k := archsimd.BroadcastInt32x8
	in0, in1, in2, in3 := row(0), row(1), row(2), row(3)
	in4, in5, in6, in7 := row(4), row(5), row(6), row(7)

	z1 := in2.Add(in6).Mul(k(fix0541196100))
	tmp2 := z1.Sub(in6.Mul(k(fix1847759065)))
	tmp3 := z1.Add(in2.Mul(k(fix0765366865)))
	tmp0 := in0.Add(in4).ShiftAllLeft(constBits)
	tmp1 := in0.Sub(in4).ShiftAllLeft(constBits)
	tmp10, tmp13 := tmp0.Add(tmp3), tmp0.Sub(tmp3)
	tmp11, tmp12 := tmp1.Add(tmp2), tmp1.Sub(tmp2)

	t0, t1, t2, t3 := in7, in5, in3, in1
	o1, o2, o3, o4 := t0.Add(t3), t1.Add(t2), t0.Add(t2), t1.Add(t3)
	z5 := o3.Add(o4).Mul(k(fix1175875602))
	t0 = t0.Mul(k(fix0298631336))
	t1 = t1.Mul(k(fix2053119869))
	t2 = t2.Mul(k(fix3072711026))
	t3 = t3.Mul(k(fix1501321110))
	o1 = o1.Mul(k(-fix0899976223))
	o2 = o2.Mul(k(-fix2562915447))
	o3 = o3.Mul(k(-fix1961570560)).Add(z5)
	o4 = o4.Mul(k(-fix0390180644)).Add(z5)
	t0 = t0.Add(o1).Add(o3)
	t1 = t1.Add(o2).Add(o4)
	t2 = t2.Add(o2).Add(o3)
	t3 = t3.Add(o1).Add(o4)

	const sh = constBits - pass1Bits
	rnd := k(1 << (sh - 1))
	store := func(r int, v archsimd.Int32x8) { v.Add(rnd).ShiftAllRight(sh).Store((*[8]int32)(ws[8*r : 8*r+8])) }
	store(0, tmp10.Add(t3))
	store(7, tmp10.Sub(t3))
	store(1, tmp11.Add(t2))
	store(6, tmp11.Sub(t2))
	store(2, tmp12.Add(t1))
	store(5, tmp12.Sub(t1))
	store(3, tmp13.Add(t0))
	store(4, tmp13.Sub(t0))
}
