package jpeg

// Inverse DCTs. idct8 is libjpeg's accurate integer algorithm (jidctint.c, "islow":
// Loeffler-Ligtenberg-Moschytz with 13-bit constants and 2 extra bits between passes), so
// scale 1 matches djpeg's default output. idct4/idct2/idct1 compute the reduced outputs
// from the k x k lowest-frequency coefficients only: sampling the block's band-limited
// reconstruction at the centres of k x k super-pixels, out(x) = 1/8 sum_u c_u F(u)
// cos((2x+1)u pi / 2k), c_0 = 1, c_u = sqrt 2. At k = 1 that is the block mean exactly.

const (
	constBits = 13
	pass1Bits = 2

	fix0298631336 = 2446
	fix0390180644 = 3196
	fix0541196100 = 4433
	fix0765366865 = 6270
	fix0899976223 = 7373
	fix1175875602 = 9633
	fix1501321110 = 12299
	fix1847759065 = 15137
	fix1961570560 = 16069
	fix2053119869 = 16819
	fix2562915447 = 20995
	fix3072711026 = 25172
)

// clampByte maps a level-shifted sample to 0..255.
func clampByte(v int32) uint8 {
	if uint32(v) <= 255 {
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// idct8 transforms a dequantized natural-order block into 8x8 pixels at dst (row stride);
// the SIMD build replaces it with a twin whose column pass runs on vectors (idct_simd.go).
var idct8 = idct8Generic

func idct8Generic(blk *[64]int32, dst []uint8, stride int) {
	var ws [64]int32
	idctCols(blk, &ws)
	idctRows(&ws, dst, stride)
}

// idctCols is pass 1: columns, results scaled up by 2^pass1Bits.
func idctCols(blk *[64]int32, ws *[64]int32) {
	for c := 0; c < 8; c++ {
		in := blk[c:]
		if in[8] == 0 && in[16] == 0 && in[24] == 0 && in[32] == 0 && in[40] == 0 && in[48] == 0 && in[56] == 0 {
			dc := in[0] << pass1Bits
			for r := 0; r < 8; r++ {
				ws[r*8+c] = dc
			}
			continue
		}
		z2, z3 := in[16], in[48]
		z1 := (z2 + z3) * fix0541196100
		tmp2 := z1 - z3*fix1847759065
		tmp3 := z1 + z2*fix0765366865
		z2, z3 = in[0], in[32]
		tmp0 := (z2 + z3) << constBits
		tmp1 := (z2 - z3) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2

		t0, t1, t2, t3 := in[56], in[40], in[24], in[8]
		o1, o2, o3, o4 := t0+t3, t1+t2, t0+t2, t1+t3
		z5 := (o3 + o4) * fix1175875602
		t0 *= fix0298631336
		t1 *= fix2053119869
		t2 *= fix3072711026
		t3 *= fix1501321110
		o1 *= -fix0899976223
		o2 *= -fix2562915447
		o3 = o3*-fix1961570560 + z5
		o4 = o4*-fix0390180644 + z5
		t0 += o1 + o3
		t1 += o2 + o4
		t2 += o2 + o3
		t3 += o1 + o4

		const sh = constBits - pass1Bits
		const rnd = 1 << (sh - 1)
		ws[0*8+c] = (tmp10 + t3 + rnd) >> sh
		ws[7*8+c] = (tmp10 - t3 + rnd) >> sh
		ws[1*8+c] = (tmp11 + t2 + rnd) >> sh
		ws[6*8+c] = (tmp11 - t2 + rnd) >> sh
		ws[2*8+c] = (tmp12 + t1 + rnd) >> sh
		ws[5*8+c] = (tmp12 - t1 + rnd) >> sh
		ws[3*8+c] = (tmp13 + t0 + rnd) >> sh
		ws[4*8+c] = (tmp13 - t0 + rnd) >> sh
	}
}

// idctRows is pass 2: rows, descaled by 2^(pass1Bits+3), level-shifted by 128.
func idctRows(ws *[64]int32, dst []uint8, stride int) {
	const sh = constBits + pass1Bits + 3
	const rnd = 1<<(sh-1) + 128<<sh
	for r := 0; r < 8; r++ {
		in := ws[r*8 : r*8+8 : r*8+8]
		out := dst[r*stride : r*stride+8 : r*stride+8]
		if in[1] == 0 && in[2] == 0 && in[3] == 0 && in[4] == 0 && in[5] == 0 && in[6] == 0 && in[7] == 0 {
			v := clampByte((in[0] + (1 << (pass1Bits + 2)) + 128<<(pass1Bits+3)) >> (pass1Bits + 3))
			out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = v, v, v, v, v, v, v, v
			continue
		}
		z2, z3 := in[2], in[6]
		z1 := (z2 + z3) * fix0541196100
		tmp2 := z1 - z3*fix1847759065
		tmp3 := z1 + z2*fix0765366865
		tmp0 := (in[0] + in[4]) << constBits
		tmp1 := (in[0] - in[4]) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2

		t0, t1, t2, t3 := in[7], in[5], in[3], in[1]
		o1, o2, o3, o4 := t0+t3, t1+t2, t0+t2, t1+t3
		z5 := (o3 + o4) * fix1175875602
		t0 *= fix0298631336
		t1 *= fix2053119869
		t2 *= fix3072711026
		t3 *= fix1501321110
		o1 *= -fix0899976223
		o2 *= -fix2562915447
		o3 = o3*-fix1961570560 + z5
		o4 = o4*-fix0390180644 + z5
		t0 += o1 + o3
		t1 += o2 + o4
		t2 += o2 + o3
		t3 += o1 + o4

		out[0] = clampByte((tmp10 + t3 + rnd) >> sh)
		out[7] = clampByte((tmp10 - t3 + rnd) >> sh)
		out[1] = clampByte((tmp11 + t2 + rnd) >> sh)
		out[6] = clampByte((tmp11 - t2 + rnd) >> sh)
		out[2] = clampByte((tmp12 + t1 + rnd) >> sh)
		out[5] = clampByte((tmp12 - t1 + rnd) >> sh)
		out[3] = clampByte((tmp13 + t0 + rnd) >> sh)
		out[4] = clampByte((tmp13 - t0 + rnd) >> sh)
	}
}

// reduced-IDCT matrices in 1.13 fixed point: m[x][u] = c_u cos((2x+1)u pi / 2k) / sqrt 8,
// so that applying it along both axes gives the 1/8 normalization.
var cos4 = [4][4]int32{
	{2896, 3784, 2896, 1567},
	{2896, 1567, -2896, -3784},
	{2896, -1567, -2896, 3784},
	{2896, -3784, 2896, -1567},
}

// idct4 produces 4x4 pixels from the 4x4 lowest frequencies; the SIMD build replaces it
// with idct4AVX512.
var idct4 = idct4Generic

// idct4Generic is the specification of idct4's SIMD kernel.
func idct4Generic(blk *[64]int32, dst []uint8, stride int) {
	var ws [16]int32
	// Columns: ws[x][u] = sum_v m[x][v] F(v,u) (rows of F are v), kept at 13 bits + 2.
	for u := 0; u < 4; u++ {
		f0, f1, f2, f3 := blk[u], blk[8+u], blk[16+u], blk[24+u]
		for x := 0; x < 4; x++ {
			m := &cos4[x]
			ws[x*4+u] = (m[0]*f0 + m[1]*f1 + m[2]*f2 + m[3]*f3 + 1<<10) >> 11
		}
	}
	const sh = 13 + 2
	const rnd = 1<<(sh-1) + 128<<sh
	for y := 0; y < 4; y++ {
		in := ws[y*4 : y*4+4 : y*4+4]
		out := dst[y*stride : y*stride+4 : y*stride+4]
		for x := 0; x < 4; x++ {
			m := &cos4[x]
			out[x] = clampByte((m[0]*in[0] + m[1]*in[1] + m[2]*in[2] + m[3]*in[3] + rnd) >> sh)
		}
	}
}

// idct2 produces 2x2 pixels from F(0,0), F(0,1), F(1,0), F(1,1):
// out = (F00 +- c F01 +- c F10 + c^2 F11) / 8 with c = sqrt2 cos(pi/4) = 1.
func idct2(blk *[64]int32, dst []uint8, stride int) {
	a, b, c, e := blk[0], blk[1], blk[8], blk[9]
	const rnd = 4 + 128<<3
	dst[0] = clampByte((a + b + c + e + rnd) >> 3)
	dst[1] = clampByte((a - b + c - e + rnd) >> 3)
	dst[stride] = clampByte((a + b - c - e + rnd) >> 3)
	dst[stride+1] = clampByte((a - b - c + e + rnd) >> 3)
}

// idct1 produces the block mean.
func idct1(blk *[64]int32, dst []uint8, _ int) {
	dst[0] = clampByte((blk[0] + 4 + 128<<3) >> 3)
}
