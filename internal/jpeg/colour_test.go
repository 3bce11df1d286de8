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
		for _, n := range []int{1, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1921} {
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
