package jpeg

import (
	"bytes"
	"testing"
)

// Every SIMD IDCT equals idct8Generic exactly, on sparse and dense random blocks (values in
// the range of dequantized 8-bit JPEG coefficients), writing only its 8x8 area.
func TestIDCTKernels(t *testing.T) {
	testIDCTKernels(t, simdIDCTs(), idct8Generic, 8)
}

// Every SIMD 4x4 IDCT equals idct4Generic exactly, the same way.
func TestIDCT4Kernels(t *testing.T) {
	testIDCTKernels(t, simdIDCT4s(), idct4Generic, 4)
}

func testIDCTKernels(t *testing.T, kernels map[string]func(blk *[64]int32, dst []uint8, stride int), ref func(blk *[64]int32, dst []uint8, stride int), k int) {
	if len(kernels) == 0 {
		t.Skip("no SIMD kernels in this build (GOEXPERIMENT=simd on amd64 with AVX2)")
	}
	seed := uint32(5)
	rnd := func(n uint32) int32 {
		seed = seed*1664525 + 1013904223
		return int32(seed>>8%(2*n)) - int32(n)
	}
	for name, kern := range kernels {
		for trial := 0; trial < 2000; trial++ {
			var blk [64]int32
			dense := trial%2 == 0
			for i := range blk {
				if dense || rnd(8) > 5 {
					blk[i] = rnd(1024) * (1 + int32(trial%7))
				}
			}
			const stride = 11
			want := bytes.Repeat([]byte{0xAB}, k*stride)
			got := bytes.Repeat([]byte{0xAB}, k*stride)
			b2 := blk
			ref(&blk, want, stride)
			kern(&b2, got, stride)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s trial %d: differs from the generic IDCT", name, trial)
			}
		}
	}
}

// dcPixel (emit's DC-only short path) equals every output pixel of each IDCT shape's full
// transform, for every DC value a dequantized 8-bit block can hold.
func TestDCPixel(t *testing.T) {
	for _, sh := range [][2]int{{8, 8}, {4, 4}, {2, 2}, {1, 1}, {8, 4}, {4, 8}, {4, 2}, {2, 4}, {2, 1}, {1, 2}, {8, 1}} {
		cs := newCompScale(sh[0], sh[1])
		out := make([]uint8, 64)
		for dc := int32(-2048 * 16); dc <= 2048*16; dc++ {
			var blk [64]int32
			blk[0] = dc
			cs.idct(&blk, out, 8)
			want := cs.dcPixel(dc)
			for y := 0; y < sh[1]; y++ {
				for x := 0; x < sh[0]; x++ {
					if out[y*8+x] != want {
						t.Fatalf("%dx%d dc %d: pixel (%d,%d) %d, dcPixel %d", sh[0], sh[1], dc, x, y, out[y*8+x], want)
					}
				}
			}
		}
	}
}
