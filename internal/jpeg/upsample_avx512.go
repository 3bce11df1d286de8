//go:build goexperiment.simd && amd64

package jpeg

import "simd/archsimd"

// AVX-512 (BW) twins of h2RowBytesGeneric and v2RowBytesGeneric: 32 chroma samples per
// step in 16-bit lanes (the blends stay below 2^12). h2's two outputs per sample are
// packed as even | odd<<8 in one 16-bit lane, which stored little-endian is the
// interleaved byte row, so no shuffle is needed. Tails use the generic code.

func h2RowBytesAVX512(out, near, far []uint8, cs []uint16) {
	n := len(near)
	far, cs, out = far[:n], cs[:n+2], out[:2*n]
	i := 0
	for ; i+32 <= n; i += 32 {
		a := archsimd.LoadUint8x32Slice(near[i:]).ExtendToUint16()
		b := archsimd.LoadUint8x32Slice(far[i:]).ExtendToUint16()
		a.ShiftAllLeft(1).Add(a).Add(b).StoreSlice(cs[i+1:])
	}
	for ; i < n; i++ {
		cs[i+1] = 3*uint16(near[i]) + uint16(far[i])
	}
	cs[0], cs[n+1] = cs[1], cs[n]
	eight := archsimd.BroadcastUint16x32(8)
	i = 0
	for ; i+32 <= n; i += 32 {
		l := archsimd.LoadUint16x32Slice(cs[i:])
		c := archsimd.LoadUint16x32Slice(cs[i+1:])
		r := archsimd.LoadUint16x32Slice(cs[i+2:])
		c = c.ShiftAllLeft(1).Add(c).Add(eight)
		e := c.Add(l).ShiftAllRight(4)
		o := c.Add(r).ShiftAllRight(4).ShiftAllLeft(8)
		e.Or(o).AsUint8x64().StoreSlice(out[2*i:])
	}
	h2Pass(out[2*i:], cs[i:])
}

func v2RowBytesAVX512(out, near, far []uint8) {
	n := len(near)
	far, out = far[:n], out[:n]
	two := archsimd.BroadcastUint16x32(2)
	i := 0
	for ; i+32 <= n; i += 32 {
		a := archsimd.LoadUint8x32Slice(near[i:]).ExtendToUint16()
		b := archsimd.LoadUint8x32Slice(far[i:]).ExtendToUint16()
		a.ShiftAllLeft(1).Add(a).Add(b).Add(two).ShiftAllRight(2).TruncateToUint8().StoreSlice(out[i:])
	}
	v2RowBytesGeneric(out[i:], near[i:], far[i:])
}
