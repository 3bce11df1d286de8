package nn

// Padded bands for the depthwise row kernels. A SAME-padded 3x3 stride-1 layer otherwise runs its
// border pixels (a row at the top and bottom, a pixel at each end of every row) through
// the per-pixel path, with a tap list per pixel: on MobileFaceNet's 14x14 layers that is a
// quarter of the pixels, and those layers ran at 22 GFLOP/s. Here a part copies a band of
// input rows into zero-padded scratch (kept small enough to stay in L2) and the row
// kernels run every output pixel of the band, borders included, as interior ones.

// dwBandFloats bounds a band's padded input (128 KB: L2-resident with the output rows).
const dwBandFloats = 32 << 10

// dwBand is a depthwise layer run through padded bands.
type dwBand struct {
	g     convGeom  // the layer as given
	inner *dwKernel // the same weights over a band: no padding, oh = rows
	rows  int       // output rows per band
	pw    int       // padded width
}

// newDWBand returns the banded form of k, or nil where the row kernels do not serve it
// (channel groups only: c a multiple of 16, stride 1) or the layer has no border to pad.
func newDWBand(k *dwKernel) *dwBand {
	g := k.g
	if k.groups == nil || !k.rowAsm() || g.sh != 1 || g.sw != 1 {
		return nil // stride 2 (SAME pads only the bottom and right): the copy cost more than it saved
	}
	pw := max(g.w+g.padLeft, (g.ow-1)*g.sw+g.kw)
	ph := max(g.h+g.padTop, (g.oh-1)*g.sh+g.kh)
	if g.padTop == 0 && g.padLeft == 0 && pw == g.w && ph == g.h {
		return nil
	}
	// Where borders are under a tenth of the pixels (56x56) the copy cost more than it
	// saved (BenchmarkDWBand: 56x56x64 40-42 band vs 42-46 rows; 28x28x128 38-43 vs 36-38;
	// 14x14x256 33-36 vs 24-29 GFLOP/s).
	if border := g.oh*g.ow - max(g.oh-2, 0)*max(g.ow-2, 0); 10*border < g.oh*g.ow {
		return nil
	}
	rows := max(1, (dwBandFloats/(pw*g.c)-g.kh)/g.sh+1)
	rows = min(rows, g.oh)
	ig := g
	ig.n, ig.h, ig.w, ig.oh = 1, (rows-1)*g.sh+g.kh, pw, rows
	ig.padTop, ig.padLeft = 0, 0
	inner := newDWKernel(ig, k.w, k.bias, k.act, k.alpha, k.prelu)
	if inner.groups == nil || !inner.rowAsm() {
		return nil
	}
	return &dwBand{g: g, inner: inner, rows: rows, pw: pw}
}

// planned is k's Kernel: through padded bands where newDWBand serves the layer.
func (k *dwKernel) planned(macs int64) Kernel {
	if d := newDWBand(k); d != nil {
		return d.kernel(macs)
	}
	return k.kernel(macs)
}

// scratch is the floats of one band.
func (d *dwBand) scratch() int { return d.inner.g.h * d.pw * d.g.c }

// kernel wraps d with a row split; each part pads its own bands.
func (d *dwBand) kernel(macs int64) Kernel {
	g := &d.g
	return splitKernel(Kernel{MACs: macs, Scratch: d.scratch(), Impl: "band"}, func(in, out [][]float32, s []float32, part, parts int) {
		r0, r1 := partRange(g.n*g.oh, part, parts)
		for r := r0; r < r1; {
			b, oy := r/g.oh, r%g.oh
			oy1 := min(g.oh, oy+d.rows, oy+r1-r)
			band := s[:((oy1-oy-1)*g.sh+g.kh)*d.pw*g.c]
			d.fill(band, in[0], b, oy*g.sh-g.padTop)
			d.inner.rows(band, 0, 0, oy1-oy, out[0][r*g.ow*g.c:])
			r += oy1 - oy
		}
	})
}

// fill copies input rows iy0... of batch element b into band, padded with zeros: band row
// j is input row iy0+j shifted right by padLeft.
func (d *dwBand) fill(band, x []float32, b, iy0 int) {
	g := &d.g
	c, prow, row := g.c, d.pw*g.c, g.w*g.c
	for j := 0; j < len(band)/prow; j++ {
		dst := band[j*prow : (j+1)*prow]
		iy := iy0 + j
		if iy < 0 || iy >= g.h {
			clear(dst)
			continue
		}
		clear(dst[:g.padLeft*c])
		copy(dst[g.padLeft*c:], x[(b*g.h+iy)*row:(b*g.h+iy+1)*row])
		clear(dst[g.padLeft*c+row:])
	}
}
