package jpeg

// idctRect produces kx x ky pixels (kx, ky in 1, 2, 4, 8) from the kx x ky lowest
// frequencies: the same band-limited resampling as idct4, separable, for components whose
// two sampling ratios differ (4:2:2, 4:4:0 at reduced scales).
func idctRect(blk *[64]int32, dst []uint8, stride, kx, ky int) {
	mx, my := cosTab(kx), cosTab(ky)
	var ws [64]int32 // ws[y*8+u]
	for u := 0; u < kx; u++ {
		for y := 0; y < ky; y++ {
			var s int32
			for v := 0; v < ky; v++ {
				s += my[y*8+v] * blk[v*8+u]
			}
			ws[y*8+u] = (s + 1<<10) >> 11
		}
	}
	const sh = 13 + 2
	const rnd = 1<<(sh-1) + 128<<sh
	for y := 0; y < ky; y++ {
		out := dst[y*stride : y*stride+kx]
		for x := 0; x < kx; x++ {
			var s int32
			for u := 0; u < kx; u++ {
				s += mx[x*8+u] * ws[y*8+u]
			}
			out[x] = clampByte((s + rnd) >> sh)
		}
	}
}

// cosTab returns the k-point matrix m[x*8+u] = c_u cos((2x+1)u pi / 2k) / sqrt 8 in 1.13
// fixed point (c_0 = 1, c_u = sqrt 2).
func cosTab(k int) *[64]int32 {
	switch k {
	case 1:
		return &cosTab1
	case 2:
		return &cosTab2
	case 4:
		return &cosTab4
	}
	return &cosTab8
}

var cosTab1 = [64]int32{
	2896, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
}

var cosTab2 = [64]int32{
	2896, 2896, 0, 0, 0, 0, 0, 0,
	2896, -2896, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
}

var cosTab4 = [64]int32{
	2896, 3784, 2896, 1567, 0, 0, 0, 0,
	2896, 1567, -2896, -3784, 0, 0, 0, 0,
	2896, -1567, -2896, 3784, 0, 0, 0, 0,
	2896, -3784, 2896, -1567, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
}

var cosTab8 = [64]int32{
	2896, 4017, 3784, 3406, 2896, 2276, 1567, 799,
	2896, 3406, 1567, -799, -2896, -4017, -3784, -2276,
	2896, 2276, -1567, -4017, -2896, 799, 3784, 3406,
	2896, 799, -3784, -2276, 2896, 3406, -1567, -4017,
	2896, -799, -3784, 2276, 2896, -3406, -1567, 4017,
	2896, -2276, -1567, 4017, -2896, -799, 3784, -3406,
	2896, -3406, 1567, 799, -2896, 4017, -3784, 2276,
	2896, -4017, 3784, -3406, 2896, -2276, 1567, -799,
}
