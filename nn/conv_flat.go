package nn

import "math"

// Flat-lane direct convolution for layers with few input channels: the first layers
// (pnet's 3->10, rnet's 3->28, onet's 3->32, MobileFaceNet's 3->64), where im2col + GEMM
// has a K (27) too short to hide its packing and C traffic and, for channel counts that
// are not a multiple of 16, leaves tile lanes idle. See
// gen_conv_flat_amd64.go for the scheme. A group of P output pixels is V = P·Cout/16
// vectors along the flat NHWC output row; lane l of vector v is pixel (16v+l)/Cout and
// channel (16v+l)%Cout. Per tap (ky, kx, ci) a group reads one or two 16-float windows of
// the input (A at its first pixel's value for that tap, B winB floats later) and each lane
// of vector v takes the element idx[v][l] = pixel·sw·C - win[v] of its window (A for the
// first na vectors): no im2col, no idle lanes, the output written in place.

// flatWindow is the floats of one window (a vector).
const flatWindow = 16

// flatConv is one planned flat-lane convolution.
type flatConv struct {
	g           convGeom // as run: padded, so no padding is left
	cout        int
	vecs, grp   int       // V and G (groups per kernel block)
	pix         int       // P, pixels per group
	xstep       int       // input floats between groups
	na, winB    int       // vectors reading window A; window B's offset from A
	win         []int     // per vector, its window's offset (0 or winB)
	taps        []int     // per tap, the float offset of its first input from a group's base
	maxTap      int       // largest taps value
	w           []float32 // [tap][V][16] weights per lane
	idx         []int32   // [V][16] window index per lane
	bias, alpha []float32 // [V][16]: bias and pre-activation slope per lane
	act         Activation
	lalpha      float32 // LeakyReLU slope for applyAct when act is not fused
	postAct     bool    // act runs as applyAct after the kernel (ReLU6, tanh...)
	prelu       []float32
	padded      bool // input is padded into scratch first
	masked      bool // one-pixel groups of ceil(Cout/16) vectors, the last stored under mask
	mask        int  // the last vector's lanes (masked)
	orig        convGeom
	kern        func(f *flatConv, nblk int, x []float32, dst []float32)
}

// flatGroups is G for each V (the assembly's register budget; the Go twin follows it),
// flatGroupsBcast for one-pixel groups (Cout a multiple of 16, no index vectors).
var (
	flatGroups      = [8]int{0, 8, 8, 6, 5, 3, 2, 2}
	flatGroupsBcast = [8]int{0, 12, 12, 8, 6, 5, 4, 3}
)

// Masked one-pixel groups (flatMasked): V up to flatMaskedVecs, G from flatMaskedMinG to
// flatGroupsBcast[V] (gen_conv_flat_amd64.go's maskedVecs, maskedMinG).
const (
	flatMaskedVecs = 4
	flatMaskedMinG = 2
)

// flatMasked reports whether cout output channels run as masked one-pixel groups: a
// pixel is V = ceil(cout/16) vectors, at least 7/8 of their lanes used (rnet's 28 in 32),
// each tap's input broadcast as for a multiple of 16. The permuted groups' VPERMPS
// competes with the FMAs for this core's vector ports: rnet's 3->28 ran at 65 GFLOP/s
// permuted against OpenBLAS's 80 on its im2col'd matrix.
func flatMasked(cout int) bool {
	v := (cout + 15) / 16
	return cout%16 != 0 && v <= flatMaskedVecs && 8*cout >= 7*16*v
}

// flatMaskedGroups is G for masked groups of v vectors on rows of ow pixels: the fewest
// pixels computed (blocks tiling the row), then the largest G, from the upper half of
// the range (fewer G reload the tap's weights more often).
func flatMaskedGroups(v, ow int) int {
	hi := flatGroupsBcast[v]
	best, cost := hi, (ow+hi-1)/hi*hi
	for g := hi - 1; g >= max(flatMaskedMinG, (hi+1)/2); g-- {
		if c := (ow + g - 1) / g * g; c < cost {
			best, cost = g, c
		}
	}
	return best
}

// asmGroups is G of the assembly kernel for this V and P.
func (f *flatConv) asmGroups() int {
	if f.masked {
		if f.grp >= flatMaskedMinG && f.grp <= flatGroupsBcast[f.vecs] {
			return f.grp
		}
		return 0
	}
	if f.pix == 1 {
		return flatGroupsBcast[f.vecs]
	}
	return flatGroups[f.vecs]
}

// flatVecs returns V and P for cout output channels.
func flatVecs(cout int) (vecs, pix int) {
	gcd := 16
	for cout%gcd != 0 {
		gcd /= 2
	}
	return cout / gcd, 16 / gcd
}

// flatOK reports whether a convolution of geometry g (as given, before padding) with cout
// outputs can run as a flat-lane convolution: few input channels and taps, V <= 7, and
// one group's pixels inside two windows. With Cout a multiple of 16 a group is one pixel
// whose tap input is broadcast (convFlatB).
func flatOK(g *convGeom, cout int) bool {
	if g.c > 4 || g.kh*g.kw < 2 || g.kh*g.kw*g.c > 80 {
		return false
	}
	if flatMasked(cout) {
		return true
	}
	v, _ := flatVecs(cout)
	if v >= len(flatGroups) {
		return false
	}
	_, _, ok := flatWindows(cout, g.sw*g.c)
	return ok
}

// flatWindows splits the V vectors of a group between window A (the first na, whose
// pixels lie within one vector of the group's start: pixel·step < 16 with step = sw·C)
// and window B, which starts winB floats later at vector na's first pixel; ok reports
// whether B holds the rest.
func flatWindows(cout, step int) (na, winB int, ok bool) {
	v, _ := flatVecs(cout)
	lo := func(i int) int { return 16 * i / cout }
	hi := func(i int) int { return (16*i + 15) / cout }
	for na < v && hi(na)*step < flatWindow {
		na++
	}
	if na == 0 {
		return 0, 0, false
	}
	if na == v {
		return na, 0, true
	}
	winB = lo(na) * step
	return na, winB, hi(v-1)*step-winB < flatWindow
}

// newFlatConv plans the convolution (flatOK must hold). w is [cout][kh][kw][c].
func newFlatConv(g convGeom, cout int, w, bias, prelu []float32, act Activation, lalpha float32) *flatConv {
	f := &flatConv{orig: g, g: g, cout: cout, act: act, lalpha: lalpha}
	if g.padTop != 0 || g.padLeft != 0 || (g.oh-1)*g.sh+(g.kh-1)*g.dh >= g.h || (g.ow-1)*g.sw+(g.kw-1)*g.dw >= g.w {
		f.g, _ = paddedGeomDil(&g)
		f.padded = true
	}
	c, pg := g.c, &f.g
	if flatMasked(cout) {
		f.masked = true
		f.vecs, f.pix = (cout+15)/16, 1
		f.grp = flatMaskedGroups(f.vecs, pg.ow)
		f.mask = 1<<(cout-16*(f.vecs-1)) - 1
		f.na = f.vecs
	} else {
		f.vecs, f.pix = flatVecs(cout)
		f.grp = f.asmGroups()
		f.na, f.winB, _ = flatWindows(cout, pg.sw*c)
	}
	f.xstep = f.pix * pg.sw * c
	f.win = make([]int, f.vecs)
	for v := f.na; v < f.vecs; v++ {
		f.win[v] = f.winB
	}
	k := g.kh * g.kw * c
	for ky := 0; ky < g.kh; ky++ {
		for kx := 0; kx < g.kw; kx++ {
			for ci := 0; ci < c; ci++ {
				off := (ky*pg.dh*pg.w+kx*pg.dw)*c + ci
				f.taps = append(f.taps, off)
				f.maxTap = max(f.maxTap, off)
			}
		}
	}
	vl := f.vecs * 16
	f.w = make([]float32, len(f.taps)*vl)
	f.idx = make([]int32, vl)
	f.bias = make([]float32, vl)
	f.alpha = make([]float32, vl)
	for l := 0; l < vl; l++ {
		p, ch := l/cout, l%cout
		if f.masked && l >= cout {
			continue // never stored: zero weights and bias
		}
		f.idx[l] = int32(p*pg.sw*c - f.win[l/16])
		for t := range f.taps {
			f.w[t*vl+l] = w[ch*k+t]
		}
		if bias != nil {
			f.bias[l] = bias[ch]
		}
		switch act {
		case ActNone:
			f.alpha[l] = 1
		case ActRelu:
			f.alpha[l] = 0
		case ActLeakyRelu:
			f.alpha[l] = lalpha
		case ActPRelu:
			if len(prelu) == 1 {
				f.alpha[l] = prelu[0]
			} else {
				f.alpha[l] = prelu[ch]
			}
		default:
			f.alpha[l] = 1
			f.postAct = true
		}
	}
	if f.postAct {
		f.prelu = prelu
	}
	f.kern = flatKernel
	return f
}

// paddedGeomDil is paddedGeom for any width dilation.
func paddedGeomDil(g *convGeom) (convGeom, bool) {
	p := *g
	p.h = max(g.h+g.padTop, (g.oh-1)*g.sh+(g.kh-1)*g.dh+1)
	p.w = max(g.w+g.padLeft, (g.ow-1)*g.sw+(g.kw-1)*g.dw+1)
	p.padTop, p.padLeft = 0, 0
	return p, true
}

// groupOut is the output floats of one group (P·Cout; V·16 but for masked groups).
func (f *flatConv) groupOut() int { return f.pix * f.cout }

// blockPix is the output pixels of one kernel block.
func (f *flatConv) blockPix() int { return f.grp * f.pix }

// need is how many input floats a call over nblk blocks reads from its base.
func (f *flatConv) need(nblk int) int {
	return (nblk*f.grp-1)*f.xstep + f.maxTap + f.winB + flatWindow
}

// scratch is the floats one part needs: the padded input, a bounded copy of the input a
// row's kernel call reads past the end of x, and one block's output.
func (f *flatConv) scratch() int {
	s := f.need((f.g.ow+f.blockPix()-1)/f.blockPix()) + f.grp*f.vecs*16
	if f.padded {
		s += f.g.n * f.g.h * f.g.w * f.g.c
	}
	return s
}

// kernel returns the planned Kernel, split by output rows.
func (f *flatConv) kernel(macs int64) Kernel {
	rows := f.g.n * f.g.oh
	split := func(in, out [][]float32, s []float32, part, parts int) {
		x := in[0]
		if f.padded {
			size := f.g.n * f.g.h * f.g.w * f.g.c
			padInput(&f.orig, &f.g, x, s[:size]) // each part pads the whole input, as convDirect's path does
			x, s = s[:size], s[size:]
		}
		r0, r1 := partRange(rows, part, parts)
		f.rows(x, out[0], s, r0, r1)
	}
	return splitKernel(Kernel{MACs: macs, Scratch: f.scratch(), Impl: "flat"}, split)
}

// rows computes output rows [r0, r1) (over batch and height) from the unpadded-geometry
// input x into y; s is scratch.
func (f *flatConv) rows(x, y, s []float32, r0, r1 int) {
	g := &f.g
	bp := f.blockPix()
	vl := f.vecs * 16
	rowOut := g.ow * f.cout
	full := g.ow / bp
	rem := g.ow - full*bp
	tile := s[:f.grp*vl]
	buf := s[f.grp*vl:]
	for r := r0; r < r1; r++ {
		bi, oy := r/g.oh, r%g.oh
		base := (bi*g.h + oy*g.sh) * g.w * g.c
		out := y[r*rowOut : (r+1)*rowOut]
		if full > 0 {
			f.call(full, x, base, buf, out)
		}
		if rem > 0 {
			f.call(1, x, base+full*f.grp*f.xstep, buf, tile)
			copy(out[full*bp*f.cout:], tile[:rem*f.cout])
		}
		if f.postAct {
			applyAct(out, f.cout, f.act, f.lalpha, f.prelu)
		}
	}
}

// call runs nblk blocks from input offset base, through a bounded copy in buf when the
// kernel's windows would read past the end of x.
func (f *flatConv) call(nblk int, x []float32, base int, buf, dst []float32) {
	n := f.need(nblk)
	if base+n > len(x) {
		buf = buf[:n]
		m := copy(buf, x[base:])
		clear(buf[m:])
		f.kern(f, nblk, buf, dst)
		return
	}
	f.kern(f, nblk, x[base:base+n], dst)
}

// flatGeneric is the pure-Go twin of the assembly kernels: the same blocks, lanes, tap
// order and fused multiply-adds.
func flatGeneric(f *flatConv, nblk int, x, dst []float32) {
	vl, ps := f.vecs*16, f.groupOut()
	_ = x[f.need(nblk)-1]
	_ = dst[nblk*f.grp*ps-1]
	for gi := 0; gi < nblk*f.grp; gi++ {
		gx := x[gi*f.xstep:]
		d := dst[gi*ps : (gi+1)*ps]
		for l := range d {
			acc := f.bias[l]
			o := f.win[l/16] + int(f.idx[l])
			for t, off := range f.taps {
				acc = float32(math.FMA(float64(gx[off+o]), float64(f.w[t*vl+l]), float64(acc)))
			}
			d[l] = max(acc, 0) + f.alpha[l]*min(acc, 0)
		}
	}
}
