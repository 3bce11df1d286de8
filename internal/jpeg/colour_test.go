package jpeg

import (
	"bytes"
	"testing"
)

// Every SIMD colour kernel equals ycbcrRowGeneric byte for byte at awkward lengths, on
// values that clamp both ways, and writes nothing past the row (guard bytes).
func TestYCbCrRowKernels(t *testing.T) {
	kernels := simdYCbCrRows()
	if len(kernels) == 0 {
		t.Skip("no SIMD kernels in this build (GOEXPERIMENT=simd on amd64 with AVX2)")
	}
	seed := uint32(9)
	rnd := func() int32 {
		seed = seed*1664525 + 1013904223
		return int32(seed>>16) % (256 * 16)
	}
	for name, k := range kernels {
		for _, n := range []int{1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1921} {
			ys, cbs, crs := make([]int32, n), make([]int32, n), make([]int32, n)
			for i := range ys {
				ys[i], cbs[i], crs[i] = rnd(), rnd(), rnd()
			}
			want := make([]uint8, 3*n+8)
			got := make([]uint8, 3*n+8)
			for i := range got {
				got[i], want[i] = 0xAB, 0xAB
			}
			ycbcrRowGeneric(want[:3*n], ys, cbs, crs)
			k(got[:3*n], ys, cbs, crs)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s n=%d: differs from the generic kernel", name, n)
			}
		}
	}
}

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
		u := newUpsampler(p, 64, 2, 1, w, 1)
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
