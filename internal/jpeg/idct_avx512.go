//go:build goexperiment.simd && amd64

package jpeg

import (
	"encoding/binary"
	"simd/archsimd"
)

// idct8AVX512 is idct8Generic with both passes on vectors: pass 1 as idct8AVX2, then an
// 8x8 transpose (unpack 32/64 + 128-bit lane selects) so that pass 2's row butterflies run
// on all eight rows at once, a transpose back and one VPMOVDB per row. The arithmetic is
// idctRows' without its zero-row short cut, which gives the same value (the tests compare
// it with idct8Generic). AVX-512 only for VPMOVDB (narrowing 32-bit lanes to bytes).
func idct8AVX512(blk *[64]int32, dst []uint8, stride int) {
	var ws [64]int32
	idctColsAVX2(blk, &ws)
	var a [8]archsimd.Int32x8
	for r := range a {
		a[r] = archsimd.LoadInt32x8((*[8]int32)(ws[8*r : 8*r+8]))
	}
	transpose8(&a)
	k := archsimd.BroadcastInt32x8
	in0, in1, in2, in3, in4, in5, in6, in7 := a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]

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

	const sh = constBits + pass1Bits + 3
	rnd := k(1<<(sh-1) + 128<<sh)
	lo, hi := k(0), k(255)
	px := func(v archsimd.Int32x8) archsimd.Int32x8 { return v.Add(rnd).ShiftAllRight(sh).Max(lo).Min(hi) }
	a[0], a[7] = px(tmp10.Add(t3)), px(tmp10.Sub(t3))
	a[1], a[6] = px(tmp11.Add(t2)), px(tmp11.Sub(t2))
	a[2], a[5] = px(tmp12.Add(t1)), px(tmp12.Sub(t1))
	a[3], a[4] = px(tmp13.Add(t0)), px(tmp13.Sub(t0))
	transpose8(&a)
	for r := range a {
		v := uint64(a[r].TruncateToInt8().AsInt64x2().GetElem(0))
		binary.LittleEndian.PutUint64(dst[r*stride:r*stride+8], v)
	}
}

// transpose8 transposes the 8x8 matrix whose rows are a's vectors.
func transpose8(a *[8]archsimd.Int32x8) {
	t0, t1 := a[0].InterleaveLoGrouped(a[1]), a[0].InterleaveHiGrouped(a[1])
	t2, t3 := a[2].InterleaveLoGrouped(a[3]), a[2].InterleaveHiGrouped(a[3])
	t4, t5 := a[4].InterleaveLoGrouped(a[5]), a[4].InterleaveHiGrouped(a[5])
	t6, t7 := a[6].InterleaveLoGrouped(a[7]), a[6].InterleaveHiGrouped(a[7])
	lo := func(x, y archsimd.Int32x8) archsimd.Int32x8 {
		return x.AsInt64x4().InterleaveLoGrouped(y.AsInt64x4()).AsInt32x8()
	}
	hi := func(x, y archsimd.Int32x8) archsimd.Int32x8 {
		return x.AsInt64x4().InterleaveHiGrouped(y.AsInt64x4()).AsInt32x8()
	}
	// u0: rows 0-3 of column 0 (lane group 0) and of column 4 (group 1); likewise u1..u3.
	u0, u1, u2, u3 := lo(t0, t2), hi(t0, t2), lo(t1, t3), hi(t1, t3)
	u4, u5, u6, u7 := lo(t4, t6), hi(t4, t6), lo(t5, t7), hi(t5, t7)
	a[0], a[4] = u0.Select128FromPair(0, 2, u4), u0.Select128FromPair(1, 3, u4)
	a[1], a[5] = u1.Select128FromPair(0, 2, u5), u1.Select128FromPair(1, 3, u5)
	a[2], a[6] = u2.Select128FromPair(0, 2, u6), u2.Select128FromPair(1, 3, u6)
	a[3], a[7] = u3.Select128FromPair(0, 2, u7), u3.Select128FromPair(1, 3, u7)
}
