package nn

// Implicit-GEMM convolution for unpadded convolutions with unit width dilation (MTCNN's
// VALID 3x3 and 2x2 layers). In NHWC the kw·C inputs of one kernel row are contiguous, and
// consecutive output pixels of a row start sw·C floats apart, so each kernel row is a GEMM
// K block whose A rows are read straight from the input with lda = sw·C: no im2col copy.

// directOK reports whether a convolution can use convDirect.
func directOK(g *convGeom) bool {
	return g.padTop == 0 && g.padLeft == 0 && g.dw == 1 &&
		(g.oh-1)*g.sh+(g.kh-1)*g.dh < g.h && (g.ow-1)*g.sw+g.kw-1 < g.w
}

// convDirect computes y = conv(x) + bias with the activation; tile holds Mc·Nr floats.
func convDirect(impl *gemmImpl, g *convGeom, x []float32, b *packedB, y []float32, ep *epilogue, tile []float32) {
	convDirectRange(impl, g, x, b, y, ep, tile, 0, g.n*g.oh)
}

// convDirectRange is convDirect for output rows [r0, r1) counted over batch and height
// (row r is batch r/oh, height r%oh).
func convDirectRange(impl *gemmImpl, g *convGeom, x []float32, b *packedB, y []float32, ep *epilogue, tile []float32, r0, r1 int) {
	n, k, nr, mr := b.n, b.k, b.nr, impl.mr
	full := n / nr * nr
	rag := n - full
	kwc := g.kw * g.c
	lda := g.sw * g.c
	var fb, fa []float32
	fused := false
	if impl.segEp != nil && impl.seg != nil && k <= Kc && rag == 0 {
		fb, fa, fused = ep.fused(n)
	}
	for r := r0; r < r1; r++ {
		bi, oy := r/g.oh, r%g.oh
		out := y[(bi*g.oh+oy)*g.ow*n:]
		for i0 := 0; i0 < g.ow; i0 += Mc {
			mc := min(Mc, g.ow-i0)
			if fused { // bias and activation inside the kernel (gemm_ep.go)
				aBase := ((bi*g.h+oy*g.sh)*g.w + i0*g.sw) * g.c
				segStride := g.dh * g.w * g.c
				for pan := 0; pan*nr < n; pan++ {
					j0 := pan * nr
					bp := b.data[pan*k*nr : (pan+1)*k*nr]
					for i := i0; i < i0+mc; i += mr {
						impl.segEp(min(mr, i0+mc-i), g.kh, kwc, x[aBase+(i-i0)*lda:], lda, segStride, bp, out[i*n+j0:], n, fb[j0:j0+nr], fa[j0:j0+nr])
					}
				}
				continue
			}
			ep.initRows(out[i0*n:], n, full, mc)
			if rag > 0 {
				ep.initTile(tile[:mc*nr], full, nr)
			}
			if impl.seg != nil && k <= Kc { // all kernel rows in one pass, C in registers
				aBase := ((bi*g.h+oy*g.sh)*g.w + i0*g.sw) * g.c
				segStride := g.dh * g.w * g.c
				for pan := 0; pan*nr < n; pan++ {
					j0 := pan * nr
					bp := b.data[pan*k*nr : (pan+1)*k*nr]
					for i := i0; i < i0+mc; i += mr {
						rows := min(mr, i0+mc-i)
						ai := x[aBase+(i-i0)*lda:]
						if j0 < full {
							impl.seg(rows, g.kh, kwc, ai, lda, segStride, bp, out[i*n+j0:], n)
						} else {
							impl.seg(rows, g.kh, kwc, ai, lda, segStride, bp, tile[(i-i0)*nr:], nr)
						}
					}
				}
			} else {
				convDirectRows(impl, g, x, b, out, tile, bi, oy, i0, mc)
			}
			if rag > 0 {
				copyRagged(out[i0*n:], n, full, rag, tile, nr, mc)
			}
			applyAct(out[i0*n:(i0+mc)*n], n, ep.act, ep.alpha, ep.prelu)
		}
	}
}

// convDirectRows accumulates one row block kernel row by kernel row (K larger than Kc, or
// no segmented kernel).
func convDirectRows(impl *gemmImpl, g *convGeom, x []float32, b *packedB, out, tile []float32, bi, oy, i0, mc int) {
	n, k, nr, mr := b.n, b.k, b.nr, impl.mr
	full := n / nr * nr
	kwc := g.kw * g.c
	lda := g.sw * g.c
	for ky := 0; ky < g.kh; ky++ {
		iy := oy*g.sh + ky*g.dh
		aBase := ((bi*g.h+iy)*g.w + i0*g.sw) * g.c
		for k0 := 0; k0 < kwc; k0 += Kc {
			kc := min(Kc, kwc-k0)
			kk := ky*kwc + k0 // offset in the packed K dimension
			for pan := 0; pan*nr < n; pan++ {
				j0 := pan * nr
				bp := b.data[pan*k*nr+kk*nr : pan*k*nr+(kk+kc)*nr]
				for i := i0; i < i0+mc; i += mr {
					rows := min(mr, i0+mc-i)
					ai := x[aBase+(i-i0)*lda+k0:]
					if j0 < full {
						impl.kern(rows, kc, ai, lda, bp, out[i*n+j0:], n)
					} else {
						impl.kern(rows, kc, ai, lda, bp, tile[(i-i0)*nr:], nr)
					}
				}
			}
		}
	}
}

// paddedGeom returns the geometry of x zero-padded so that the convolution needs no
// padding (for convDirect), and whether that applies (unit width dilation).
func paddedGeom(g *convGeom) (convGeom, bool) {
	if g.dw != 1 {
		return convGeom{}, false
	}
	p := *g
	p.h = max(g.h+g.padTop, (g.oh-1)*g.sh+(g.kh-1)*g.dh+1)
	p.w = max(g.w+g.padLeft, (g.ow-1)*g.sw+g.kw)
	p.padTop, p.padLeft = 0, 0
	return p, true
}

// padInput copies x (geometry g) into xp (geometry p, zero borders).
func padInput(g, p *convGeom, x, xp []float32) {
	clear(xp)
	row := g.w * g.c
	for b := 0; b < g.n; b++ {
		for y := 0; y < g.h; y++ {
			dst := ((b*p.h+y+g.padTop)*p.w + g.padLeft) * g.c
			src := (b*g.h + y) * row
			copy(xp[dst:dst+row], x[src:src+row])
		}
	}
}
