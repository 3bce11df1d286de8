//go:build goexperiment.simd && amd64

package jpeg

import "simd/archsimd"

// AVX-512 (with VBMI) twin of ycbcrBytesRowGeneric: 32 pixels per
// step, the colour arithmetic in 16 32-bit lanes (the same 16.16 constants and clamping),
// narrowed to bytes (VPMOVDB) and interleaved into RGB by two byte permutes (VPERMI2B), so
// no scalar store per channel; the tail shorter than 32 pixels uses the generic code.

func hasAVX512VBMI() bool { return archsimd.X86.AVX512() && archsimd.X86.AVX512VBMI() }

// rgbIndex picks, for output bytes [64*half, 64*half+64) of 32 interleaved pixels, R from
// bytes 0..31 and G from 32..63 of the first operand and B from bytes 0..31 of the second
// (64..95 of the pair).
var rgbIndex = func() (t [2][64]uint8) {
	for j := 0; j < 96; j++ {
		p, c := j/3, j%3
		t[j/64][j%64] = uint8(32*c + p)
	}
	return t
}()

type ycc512 struct {
	c128, k10101, kr, kgb, kgr, kb, lo, hi archsimd.Int32x16
}

func newYCC512() ycc512 {
	k := archsimd.BroadcastInt32x16
	return ycc512{k(128), k(0x10101), k(91881), k(-22554), k(-46802), k(116130), k(0), k(255 << 16)}
}

// rgb converts 16 pixels (y already x 0x10101, cb and cr already minus 128) to bytes.
func (c *ycc512) rgb(yv, cb, cr archsimd.Int32x16) (r, g, b archsimd.Uint8x16) {
	r = yv.Add(cr.Mul(c.kr)).Max(c.lo).Min(c.hi).ShiftAllRight(16).TruncateToInt8().AsUint8x16()
	g = yv.Add(cb.Mul(c.kgb)).Add(cr.Mul(c.kgr)).Max(c.lo).Min(c.hi).ShiftAllRight(16).TruncateToInt8().AsUint8x16()
	b = yv.Add(cb.Mul(c.kb)).Max(c.lo).Min(c.hi).ShiftAllRight(16).TruncateToInt8().AsUint8x16()
	return r, g, b
}

// store32 interleaves 32 pixels' channels (halves lo, hi) into o (96 bytes).
func store32(o []uint8, r0, g0, b0, r1, g1, b1 archsimd.Uint8x16) {
	var z32 archsimd.Uint8x32
	var z64 archsimd.Uint8x64
	rg := z64.SetLo(z32.SetLo(r0).SetHi(r1)).SetHi(z32.SetLo(g0).SetHi(g1))
	b := z64.SetLo(z32.SetLo(b0).SetHi(b1))
	i0 := archsimd.LoadUint8x64(&rgbIndex[0])
	i1 := archsimd.LoadUint8x64(&rgbIndex[1])
	rg.ConcatPermute(b, i0).Store((*[64]uint8)(o[0:64]))
	rg.ConcatPermute(b, i1).GetLo().Store((*[32]uint8)(o[64:96]))
}

func ycbcrBytesRowAVX512(out []uint8, ys, cbs, crs []uint8) {
	n := len(ys)
	out = out[:3*n]
	cbs, crs = cbs[:n], crs[:n]
	c := newYCC512()
	ld := func(s []uint8) archsimd.Int32x16 {
		return archsimd.LoadUint8x16Slice(s).ExtendToUint32().AsInt32x16()
	}
	half := func(x int) (r, g, b archsimd.Uint8x16) {
		return c.rgb(ld(ys[x:]).Mul(c.k10101), ld(cbs[x:]).Sub(c.c128), ld(crs[x:]).Sub(c.c128))
	}
	x := 0
	for ; x+32 <= n; x += 32 {
		r0, g0, b0 := half(x)
		r1, g1, b1 := half(x + 16)
		store32(out[3*x:3*x+96], r0, g0, b0, r1, g1, b1)
	}
	ycbcrBytesRowGeneric(out[3*x:], ys[x:], cbs[x:], crs[x:])
}
