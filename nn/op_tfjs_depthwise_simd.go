//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

// dwSIMD reports whether dwPixelSIMD is a real SIMD kernel (AVX2 at least).
var dwSIMD = archsimd.X86.AVX2()

// dwUse512 picks the AVX-512 kernel; tests flip it to cover the AVX2 one.
var dwUse512 = archsimd.X86.AVX512()

func dwPixelSIMD(dst, x []float32, base int, offs, widx []int, w, bias []float32, act Activation) {
	if dwUse512 {
		dwPixel512(dst, x, base, offs, widx, w, bias, act)
	} else {
		dwPixelAVX2(dst, x, base, offs, widx, w, bias, act)
	}
}

// dwPixel512 does 32 channels per step (two independent FMA chains), then 16, then
// finishes with the AVX2 code.
func dwPixel512(dst, x []float32, base int, offs, widx []int, w, bias []float32, act Activation) {
	c := len(dst)
	widx = widx[:len(offs)]
	zero := archsimd.Float32x16{}
	six := archsimd.BroadcastFloat32x16(6)
	c0 := 0
	for ; c0+32 <= c; c0 += 32 {
		var a0, a1 archsimd.Float32x16
		if bias != nil {
			a0 = archsimd.LoadFloat32x16Slice(bias[c0:])
			a1 = archsimd.LoadFloat32x16Slice(bias[c0+16:])
		}
		for t, off := range offs {
			xs := x[base+off+c0:][:32]
			ws := w[widx[t]+c0:][:32]
			a0 = archsimd.LoadFloat32x16Slice(xs).MulAdd(archsimd.LoadFloat32x16Slice(ws), a0)
			a1 = archsimd.LoadFloat32x16Slice(xs[16:]).MulAdd(archsimd.LoadFloat32x16Slice(ws[16:]), a1)
		}
		switch act {
		case ActRelu:
			a0, a1 = a0.Max(zero), a1.Max(zero)
		case ActRelu6:
			a0, a1 = a0.Max(zero).Min(six), a1.Max(zero).Min(six)
		}
		a0.StoreSlice(dst[c0:])
		a1.StoreSlice(dst[c0+16:])
	}
	for ; c0+16 <= c; c0 += 16 {
		var a0 archsimd.Float32x16
		if bias != nil {
			a0 = archsimd.LoadFloat32x16Slice(bias[c0:])
		}
		for t, off := range offs {
			a0 = archsimd.LoadFloat32x16Slice(x[base+off+c0:]).MulAdd(archsimd.LoadFloat32x16Slice(w[widx[t]+c0:]), a0)
		}
		switch act {
		case ActRelu:
			a0 = a0.Max(zero)
		case ActRelu6:
			a0 = a0.Max(zero).Min(six)
		}
		a0.StoreSlice(dst[c0:])
	}
	if c0 < c {
		var b []float32
		if bias != nil {
			b = bias[c0:]
		}
		dwPixelAVX2(dst[c0:], x, base+c0, offs, widx, w[c0:], b, act)
	}
}

// dwPixelAVX2 does 16 channels per step (two chains of 8), then 8, then 4, then scalars.
func dwPixelAVX2(dst, x []float32, base int, offs, widx []int, w, bias []float32, act Activation) {
	c := len(dst)
	widx = widx[:len(offs)]
	zero := archsimd.Float32x8{}
	six := archsimd.BroadcastFloat32x8(6)
	c0 := 0
	for ; c0+16 <= c; c0 += 16 {
		var a0, a1 archsimd.Float32x8
		if bias != nil {
			a0 = archsimd.LoadFloat32x8Slice(bias[c0:])
			a1 = archsimd.LoadFloat32x8Slice(bias[c0+8:])
		}
		for t, off := range offs {
			xs := x[base+off+c0:][:16]
			ws := w[widx[t]+c0:][:16]
			a0 = archsimd.LoadFloat32x8Slice(xs).MulAdd(archsimd.LoadFloat32x8Slice(ws), a0)
			a1 = archsimd.LoadFloat32x8Slice(xs[8:]).MulAdd(archsimd.LoadFloat32x8Slice(ws[8:]), a1)
		}
		switch act {
		case ActRelu:
			a0, a1 = a0.Max(zero), a1.Max(zero)
		case ActRelu6:
			a0, a1 = a0.Max(zero).Min(six), a1.Max(zero).Min(six)
		}
		a0.StoreSlice(dst[c0:])
		a1.StoreSlice(dst[c0+8:])
	}
	for ; c0+8 <= c; c0 += 8 {
		var a0 archsimd.Float32x8
		if bias != nil {
			a0 = archsimd.LoadFloat32x8Slice(bias[c0:])
		}
		for t, off := range offs {
			a0 = archsimd.LoadFloat32x8Slice(x[base+off+c0:]).MulAdd(archsimd.LoadFloat32x8Slice(w[widx[t]+c0:]), a0)
		}
		switch act {
		case ActRelu:
			a0 = a0.Max(zero)
		case ActRelu6:
			a0 = a0.Max(zero).Min(six)
		}
		a0.StoreSlice(dst[c0:])
	}
	if c0+4 <= c {
		var a0 archsimd.Float32x4
		if bias != nil {
			a0 = archsimd.LoadFloat32x4Slice(bias[c0:])
		}
		for t, off := range offs {
			a0 = archsimd.LoadFloat32x4Slice(x[base+off+c0:]).MulAdd(archsimd.LoadFloat32x4Slice(w[widx[t]+c0:]), a0)
		}
		switch act {
		case ActRelu:
			a0 = a0.Max(archsimd.Float32x4{})
		case ActRelu6:
			a0 = a0.Max(archsimd.Float32x4{}).Min(archsimd.BroadcastFloat32x4(6))
		}
		a0.StoreSlice(dst[c0:])
		c0 += 4
	}
	if c0 < c {
		var b []float32
		if bias != nil {
			b = bias[c0:]
		}
		dwPixelGeneric(dst[c0:], x, base+c0, offs, widx, w[c0:], b, act)
	}
}

// dwSpanSIMD computes a flat span 16 floats at a time (AVX-512; AVX2 machines use the
// generic code, as the span path only serves small layers).
func dwSpanSIMD(dst, x []float32, xbase int, offs []int, wt, bt []float32, span int, act Activation) {
	if !dwUse512 {
		dwSpanGeneric(dst, x, xbase, offs, wt, bt, span, act)
		return
	}
	n := len(dst)
	zero := archsimd.Float32x16{}
	six := archsimd.BroadcastFloat32x16(6)
	ph := 0
	j := 0
	// Two vectors per step: independent FMA chains.
	for ; j+32 <= n; j += 32 {
		ph2 := ph + 16
		if ph2 == span {
			ph2 = 0
		}
		a := archsimd.LoadFloat32x16Slice(bt[ph : ph+16])
		b := archsimd.LoadFloat32x16Slice(bt[ph2 : ph2+16])
		for t, off := range offs {
			xs := x[xbase+off+j:][:32]
			wt0 := wt[t*span:][:span]
			a = archsimd.LoadFloat32x16Slice(xs).MulAdd(archsimd.LoadFloat32x16Slice(wt0[ph:]), a)
			b = archsimd.LoadFloat32x16Slice(xs[16:]).MulAdd(archsimd.LoadFloat32x16Slice(wt0[ph2:]), b)
		}
		switch act {
		case ActRelu:
			a, b = a.Max(zero), b.Max(zero)
		case ActRelu6:
			a, b = a.Max(zero).Min(six), b.Max(zero).Min(six)
		}
		a.StoreSlice(dst[j:])
		b.StoreSlice(dst[j+16:])
		if ph = ph2 + 16; ph == span {
			ph = 0
		}
	}
	for ; j+16 <= n; j += 16 {
		a := archsimd.LoadFloat32x16Slice(bt[ph : ph+16])
		for t, off := range offs {
			a = archsimd.LoadFloat32x16Slice(x[xbase+off+j:]).MulAdd(archsimd.LoadFloat32x16Slice(wt[t*span+ph:]), a)
		}
		switch act {
		case ActRelu:
			a = a.Max(zero)
		case ActRelu6:
			a = a.Max(zero).Min(six)
		}
		a.StoreSlice(dst[j:])
		if ph += 16; ph == span {
			ph = 0
		}
	}
	if j < n {
		r := n - j
		a := loadPart16(bt[ph : ph+r])
		for t, off := range offs {
			xs := x[xbase+off+j : xbase+off+n]
			a = loadPart16(xs).MulAdd(loadPart16(wt[t*span+ph:t*span+ph+r]), a)
		}
		switch act {
		case ActRelu:
			a = a.Max(zero)
		case ActRelu6:
			a = a.Max(zero).Min(six)
		}
		storePart16(a, dst[j:])
	}
}

// dwPixelPReLU is dwPixel512 with a per-channel PReLU applied in registers (MobileFaceNet's
// depthwise layers), so the pixel is stored once instead of passing through applyActRow.
// It reports false, doing nothing, where the AVX-512 kernel is not in use.
func dwPixelPReLU(dst, x []float32, base int, offs, widx []int, w, bias, alpha []float32) bool {
	if !dwUse512 {
		return false
	}
	c := len(dst)
	alpha = alpha[:c]
	widx = widx[:len(offs)]
	zero := archsimd.Float32x16{}
	c0 := 0
	for ; c0+32 <= c; c0 += 32 {
		var a0, a1 archsimd.Float32x16
		if bias != nil {
			a0 = archsimd.LoadFloat32x16Slice(bias[c0:])
			a1 = archsimd.LoadFloat32x16Slice(bias[c0+16:])
		}
		for t, off := range offs {
			xs := x[base+off+c0:][:32]
			ws := w[widx[t]+c0:][:32]
			a0 = archsimd.LoadFloat32x16Slice(xs).MulAdd(archsimd.LoadFloat32x16Slice(ws), a0)
			a1 = archsimd.LoadFloat32x16Slice(xs[16:]).MulAdd(archsimd.LoadFloat32x16Slice(ws[16:]), a1)
		}
		al := alpha[c0:][:32]
		a0 = a0.Min(zero).MulAdd(archsimd.LoadFloat32x16Slice(al), a0.Max(zero))
		a1 = a1.Min(zero).MulAdd(archsimd.LoadFloat32x16Slice(al[16:]), a1.Max(zero))
		a0.StoreSlice(dst[c0:])
		a1.StoreSlice(dst[c0+16:])
	}
	for ; c0+16 <= c; c0 += 16 {
		var a0 archsimd.Float32x16
		if bias != nil {
			a0 = archsimd.LoadFloat32x16Slice(bias[c0:])
		}
		for t, off := range offs {
			a0 = archsimd.LoadFloat32x16Slice(x[base+off+c0:]).MulAdd(archsimd.LoadFloat32x16Slice(w[widx[t]+c0:]), a0)
		}
		a0 = a0.Min(zero).MulAdd(archsimd.LoadFloat32x16Slice(alpha[c0:]), a0.Max(zero))
		a0.StoreSlice(dst[c0:])
	}
	if c0 < c {
		var b []float32
		if bias != nil {
			b = bias[c0:]
		}
		dwPixelAVX2(dst[c0:], x, base+c0, offs, widx, w[c0:], b, ActNone)
		applyActRow(dst[c0:], ActPRelu, 0, alpha[c0:])
	}
	return true
}
