//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

// conv1x1SIMD reports whether OpTFJSConv1x1 has its own kernel (AVX-512); without it
// the op compiles as OpConv2D.
var conv1x1SIMD = archsimd.X86.AVX512()

// conv1x1Rows computes m pixels, per 32-column block: 4 pixels at a time for blocks wider
// than 16 columns, 8 at a time for narrower ones, then the rest one by one. (Go allocates
// 16 vector registers, so 4x2 and 8x1 accumulator tiles are the largest that do not spill.)
func conv1x1Rows(q *c1Kernel, x, y []float32, m int, act Activation) {
	if !conv1x1SIMD {
		conv1x1Generic(q, x, y, 0, m, act)
		return
	}
	k, n, np := q.k, q.n, q.np
	for j0 := 0; j0 < n; j0 += 32 {
		cols := min(32, n-j0)
		w, bias := q.w[j0:], q.bias[j0:]
		p := 0
		if cols > 16 {
			for ; p+4 <= m; p += 4 {
				c1x4(x[p*k:(p+4)*k], k, w, np, bias, y[p*n+j0:], n, cols, act)
			}
		} else {
			for ; p+8 <= m; p += 8 {
				c1x8(x[p*k:(p+8)*k], k, w, np, bias, y[p*n+j0:], n, cols, act)
			}
		}
		for ; p < m; p++ {
			c1x1(x[p*k:(p+1)*k], w, np, bias, y[p*n+j0:], cols, act)
		}
	}
}

// act512 applies a ReLU or ReLU6 in registers.
func act512(v archsimd.Float32x16, act Activation) archsimd.Float32x16 {
	switch act {
	case ActRelu:
		return v.Max(archsimd.Float32x16{})
	case ActRelu6:
		return v.Max(archsimd.Float32x16{}).Min(archsimd.BroadcastFloat32x16(6))
	}
	return v
}

// storePart16 stores the first len(s) (< 16) lanes of v. A masked store touches only those
// lanes, but archsimd's pointer conversion needs 16 floats of backing array (checkptr,
// under -race, rejects less), so at the very end of a buffer it goes through a copy.
func storePart16(v archsimd.Float32x16, s []float32) {
	if cap(s) >= 16 {
		v.StoreSlicePart(s)
		return
	}
	var t [16]float32
	v.StoreSlice(t[:])
	copy(s, t[:len(s)])
}

// loadPart16 loads len(s) (< 16) floats, zeros elsewhere; see storePart16.
func loadPart16(s []float32) archsimd.Float32x16 {
	if cap(s) >= 16 {
		return archsimd.LoadFloat32x16SlicePart(s)
	}
	var t [16]float32
	copy(t[:], s)
	return archsimd.LoadFloat32x16Slice(t[:])
}

// store writes the first cols (1..32) lanes of c0|c1 to dst.
func store2(c0, c1 archsimd.Float32x16, dst []float32, cols int) {
	if cols >= 16 {
		c0.StoreSlice(dst[:16])
		if cols > 16 {
			storePart16(c1, dst[16:cols])
		}
		return
	}
	storePart16(c0, dst[:cols])
}

// c1x4 computes 4 pixels (x rows of k) × cols (17..32) columns. w and bias start at the
// block's first column, w with row stride np; y rows have stride n.
func c1x4(x []float32, k int, w []float32, np int, bias []float32, y []float32, n, cols int, act Activation) {
	x0, x1, x2, x3 := x[:k], x[k:2*k], x[2*k:3*k], x[3*k:4*k]
	b0, b1 := archsimd.LoadFloat32x16Slice(bias[:16]), archsimd.LoadFloat32x16Slice(bias[16:32])
	c00, c01, c10, c11 := b0, b1, b0, b1
	c20, c21, c30, c31 := b0, b1, b0, b1
	for i := 0; i < k; i++ {
		wr := w[i*np : i*np+32]
		w0, w1 := archsimd.LoadFloat32x16Slice(wr), archsimd.LoadFloat32x16Slice(wr[16:])
		v := archsimd.BroadcastFloat32x16(x0[i])
		c00, c01 = w0.MulAdd(v, c00), w1.MulAdd(v, c01)
		v = archsimd.BroadcastFloat32x16(x1[i])
		c10, c11 = w0.MulAdd(v, c10), w1.MulAdd(v, c11)
		v = archsimd.BroadcastFloat32x16(x2[i])
		c20, c21 = w0.MulAdd(v, c20), w1.MulAdd(v, c21)
		v = archsimd.BroadcastFloat32x16(x3[i])
		c30, c31 = w0.MulAdd(v, c30), w1.MulAdd(v, c31)
	}
	store2(act512(c00, act), act512(c01, act), y[0:], cols)
	store2(act512(c10, act), act512(c11, act), y[n:], cols)
	store2(act512(c20, act), act512(c21, act), y[2*n:], cols)
	store2(act512(c30, act), act512(c31, act), y[3*n:], cols)
}

// c1x8 computes 8 pixels × cols (1..16) columns.
func c1x8(x []float32, k int, w []float32, np int, bias []float32, y []float32, n, cols int, act Activation) {
	x0, x1, x2, x3 := x[:k], x[k:2*k], x[2*k:3*k], x[3*k:4*k]
	x4, x5, x6, x7 := x[4*k:5*k], x[5*k:6*k], x[6*k:7*k], x[7*k:8*k]
	b0 := archsimd.LoadFloat32x16Slice(bias[:16])
	c0, c1, c2, c3, c4, c5, c6, c7 := b0, b0, b0, b0, b0, b0, b0, b0
	for i := 0; i < k; i++ {
		w0 := archsimd.LoadFloat32x16Slice(w[i*np : i*np+16])
		c0 = w0.MulAdd(archsimd.BroadcastFloat32x16(x0[i]), c0)
		c1 = w0.MulAdd(archsimd.BroadcastFloat32x16(x1[i]), c1)
		c2 = w0.MulAdd(archsimd.BroadcastFloat32x16(x2[i]), c2)
		c3 = w0.MulAdd(archsimd.BroadcastFloat32x16(x3[i]), c3)
		c4 = w0.MulAdd(archsimd.BroadcastFloat32x16(x4[i]), c4)
		c5 = w0.MulAdd(archsimd.BroadcastFloat32x16(x5[i]), c5)
		c6 = w0.MulAdd(archsimd.BroadcastFloat32x16(x6[i]), c6)
		c7 = w0.MulAdd(archsimd.BroadcastFloat32x16(x7[i]), c7)
	}
	storePart16(act512(c0, act), y[0:cols])
	storePart16(act512(c1, act), y[n:n+cols])
	storePart16(act512(c2, act), y[2*n:2*n+cols])
	storePart16(act512(c3, act), y[3*n:3*n+cols])
	storePart16(act512(c4, act), y[4*n:4*n+cols])
	storePart16(act512(c5, act), y[5*n:5*n+cols])
	storePart16(act512(c6, act), y[6*n:6*n+cols])
	storePart16(act512(c7, act), y[7*n:7*n+cols])
}

// c1x1 computes one pixel × cols (≤32) columns.
func c1x1(x []float32, w []float32, np int, bias []float32, y []float32, cols int, act Activation) {
	c0 := archsimd.LoadFloat32x16Slice(bias[:16])
	var c1 archsimd.Float32x16
	two := cols > 16
	if two {
		c1 = archsimd.LoadFloat32x16Slice(bias[16:32])
	}
	for i, v := range x {
		b := archsimd.BroadcastFloat32x16(v)
		c0 = archsimd.LoadFloat32x16Slice(w[i*np:i*np+16]).MulAdd(b, c0)
		if two {
			c1 = archsimd.LoadFloat32x16Slice(w[i*np+16:i*np+32]).MulAdd(b, c1)
		}
	}
	store2(act512(c0, act), act512(c1, act), y, cols)
}
