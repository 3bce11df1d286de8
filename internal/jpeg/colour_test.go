package jpeg

import (
	"bytes"
	"testing"
)

// Every SIMD byte-input colour kernel equals ycbcrBytesRowGeneric byte for byte at awkward
// lengths, on every byte value, and writes nothing past the row (guard bytes); the generic
// equals ycbcrRowGeneric on the same samples x16.
func TestYCbCrBytesRowKernels(t *testing.T) {
	seed := uint32(11)
	rnd := func() uint8 {
		seed = seed*1664525 + 1013904223
		return uint8(seed >> 20)
	}
	kernels := simdYCbCrBytesRows()
	kernels["generic-vs-int32"] = func(out []uint8, ys, cbs, crs []uint8) {
		w := func(s []uint8) []int32 {
			r := make([]int32, len(s))
			for i, v := range s {
				r[i] = int32(v) << 4
			}
			return r
		}
		ycbcrRowGeneric(out, w(ys), w(cbs), w(crs))
	}
	for name, k := range kernels {
		for _, n := range []int{1, 3, 15, 16, 31, 32, 33, 63, 64, 65, 100, 1921} {
			ys, cbs, crs := make([]uint8, n), make([]uint8, n), make([]uint8, n)
			for i := range ys {
				ys[i], cbs[i], crs[i] = rnd(), rnd(), rnd()
			}
			want := bytes.Repeat([]byte{0xAB}, 3*n+8)
			got := bytes.Repeat([]byte{0xAB}, 3*n+8)
			ycbcrBytesRowGeneric(want[:3*n], ys, cbs, crs)
			k(got[:3*n], ys, cbs, crs)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s n=%d: differs from the generic kernel", name, n)
			}
		}
	}
}

// h2Row equals the table-driven horizontal upsampling for every width.
func TestH2Row(t *testing.T) {
	for w := 1; w <= 40; w++ {
		p := make([]uint8, 64)
		for i := range p {
			p[i] = uint8(i*37 + w)
		}
		u := newUpsampler(p, 64, -1, 2, 1, w, 1)
		u.row(0, make([]int32, w)) // fills vtmp
		want := make([]int32, w)
		u.hRowGeneric(want)
		got := make([]int32, w)
		h2Row(got, u.vtmp)
		for x := range got {
			if got[x] != want[x] {
				t.Fatalf("w=%d x=%d: %d, want %d", w, x, got[x], want[x])
			}
		}
	}
}

// h2RowBytesGeneric and v2RowBytesGeneric equal the int32 upsampler rounded to bytes, and
// every SIMD upsampling kernel equals them byte for byte at awkward widths, on every byte
// value, writing nothing past the row (guard bytes).
func TestUpsampleRowBytes(t *testing.T) {
	seed := uint32(13)
	rnd := func() uint8 {
		seed = seed*1664525 + 1013904223
		return uint8(seed >> 20)
	}
	h2s, v2s := simdUpsamplers()
	h2s["generic"], v2s["generic"] = h2RowBytesGeneric, v2RowBytesGeneric
	for _, n := range []int{1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1001} {
		near, far := make([]uint8, n), make([]uint8, n)
		for i := range near {
			near[i], far[i] = rnd(), rnd()
		}
		if n == 3 {
			copy(near, []uint8{255, 255, 255})
			copy(far, []uint8{255, 0, 255})
		}
		// The int32 path: a 2-row plane (near, far) sampled by fx, fy at output row 1 (near
		// row 0 and far row 1, blended 3:1) for fy 2, or row 0 alone for fy 1.
		plane := append(append([]uint8{}, near...), far...)
		ref := func(fx, fy, w int) []uint8 {
			h, y := 1, 0
			if fy == 2 {
				h, y = 4, 1
			}
			u := newUpsampler(plane, n, -1, fx, fy, w, h)
			v := make([]int32, w)
			u.row(y, v)
			b := make([]uint8, w)
			for x := range v {
				b[x] = uint8((v[x] + 8) >> 4)
			}
			return b
		}
		for _, fy := range []int{1, 2} {
			f := far
			if fy == 1 {
				f = near
			}
			want := ref(2, fy, 2*n)
			for name, k := range h2s {
				got := bytes.Repeat([]byte{0xAB}, 2*n+8)
				k(got[:2*n], near, f, make([]uint16, n+2))
				if !bytes.Equal(got[:2*n], want) || !bytes.Equal(got[2*n:], bytes.Repeat([]byte{0xAB}, 8)) {
					t.Fatalf("h2 %s n=%d fy=%d: differs from the int32 upsampler", name, n, fy)
				}
			}
		}
		want := ref(1, 2, n)
		for name, k := range v2s {
			got := bytes.Repeat([]byte{0xAB}, n+8)
			k(got[:n], near, far)
			if !bytes.Equal(got[:n], want) || !bytes.Equal(got[n:], bytes.Repeat([]byte{0xAB}, 8)) {
				t.Fatalf("v2 %s n=%d: differs from the int32 upsampler", name, n)
			}
		}
	}
}

// ycbcrRowGeneric is the colour conversion on the upsampler's x16 samples (rounded to 8
// bits as embed's YCbCr path does), the reference ycbcrBytesRowGeneric is checked against.
func ycbcrRowGeneric(out []uint8, ys, cbs, crs []int32) {
	out = out[:3*len(ys)]
	cbs, crs = cbs[:len(ys)], crs[:len(ys)]
	for x, yv := range ys {
		yy := ((yv + 8) >> 4) * 0x10101
		cb := (cbs[x]+8)>>4 - 128
		cr := (crs[x]+8)>>4 - 128
		out[3*x] = clamp16(yy + 91881*cr)
		out[3*x+1] = clamp16(yy - 22554*cb - 46802*cr)
		out[3*x+2] = clamp16(yy + 116130*cb)
	}
}
