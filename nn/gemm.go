package nn

import "sync"

// Packed GEMM: C[M×N] = A[M×K]·B[K×N] + bias, then a fused activation.
//
// B (the weights) is packed once at plan time into panels of Nr columns, k-major inside a
// panel, zero-padded to a multiple of Nr, so the micro-kernel reads it sequentially. A is read
// in place (row stride lda): rows are walked Mr at a time, K in blocks of Kc so one block of
// a B panel stays in L1, and rows in blocks of Mc so the A block stays in L2.
//
// Blocking parameters. Nr and Mr follow the micro-kernel chosen at start-up (AVX-512: 14×32
// in Go assembly, archsimd 4×32 kept for comparison,
// AVX2: 4×16, pure Go: 4×8; layers with ≤16 outputs use the 14×16 AVX-512 kernel); packings
// record the Nr they were made for.
const (
	Kc = 256 // K block: Kc·Nr floats of B (32 KiB at Nr=32) fit in L1
	Mc = 168 // M block: Mc·Kc floats of A (168 KiB) fit in L2; a multiple of every Mr (4, 6, 8, 14)
)

// microKernel accumulates C[mr×nr] += A[mr×kc]·Bpanel[kc×nr] where nr is the kernel's Nr,
// a holds row i at a[i*lda:], bp is kc·nr packed floats and c row i at c[i*ldc:].
type microKernel func(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int)

// segKernel is microKernel over nseg K segments whose A parts start segStride floats apart
// (kernel rows of an implicit-GEMM convolution) and whose packed B parts are consecutive:
// C stays in registers across segments.
type segKernel func(mr, nseg, kc int, a []float32, lda, segStride int, bp []float32, c []float32, ldc int)

// gemmImpl is one micro-kernel with its tile shape.
type gemmImpl struct {
	name   string
	mr, nr int
	kern   microKernel
	seg    segKernel   // nil: callers loop over segments with kern
	segEp  segEpKernel // nil: no fused epilogue (gemm_ep.go)
	res    resKernel   // nil: no fused residual (gemm_ep.go)
}

// genericGemm is the pure-Go reference micro-kernel.
var genericGemm = gemmImpl{name: "generic", mr: mrGeneric, nr: nrGeneric, kern: microGeneric, seg: segGeneric}

// segGeneric is the reference segKernel.
func segGeneric(mr, nseg, kc int, a []float32, lda, segStride int, bp []float32, c []float32, ldc int) {
	for s := 0; s < nseg; s++ {
		microGeneric(mr, kc, a[s*segStride:], lda, bp[s*kc*nrGeneric:], c, ldc)
	}
}

const mrGeneric, nrGeneric = 4, 8 // pure-Go tile

// activeGemm is chosen at start-up (gemm_simd.go overrides it on capable CPUs);
// narrowGemm and tinyGemm serve layers with few output channels, where a wide Nr wastes
// lanes.
var (
	activeGemm = genericGemm
	narrowGemm = genericGemm
	tinyGemm   = genericGemm
	wideGemm   = genericGemm // 24 columns (AVX-512: 16 + 8)
)

// pickGemm returns the micro-kernel for a product with n output columns: the one whose
// panels pad n least, the wider on a tie. A ragged panel costs a full tile plus a copy,
// so narrower tiles win where they divide n (BenchmarkGemm on the asm kernels: N=24 runs at
// 60 GFLOP/s in 14x8 tiles, 32 in 14x32; N=48 at 97 in 14x16, 59 in 14x32).
//
// The 24-wide tile is taken where it pads less than the pick, or as little as an 8-wide
// pick (N = 24: one pass over A instead of three; BenchmarkGemm 16384x24x24: 72 GFLOP/s
// against 61 in 14x8 tiles; at N = 48, 14x16 tiles stay ahead, 96 against 82).
func pickGemm(n int) *gemmImpl {
	best := &activeGemm
	pad := func(g *gemmImpl) int { return (n+g.nr-1)/g.nr*g.nr - n }
	for _, g := range []*gemmImpl{&narrowGemm, &tinyGemm} {
		if g.nr < best.nr && pad(g) < pad(best) {
			best = g
		}
	}
	if w := &wideGemm; w.nr == 24 && (pad(w) < pad(best) || pad(w) == pad(best) && best.nr < 16) {
		best = w
	}
	return best
}

func microGeneric(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	const nr = nrGeneric
	var acc [mrGeneric * nr]float32
	for i := 0; i < mr; i++ {
		ci := c[i*ldc : i*ldc+nr]
		copy(acc[i*nr:(i+1)*nr], ci)
	}
	for k := 0; k < kc; k++ {
		b := bp[k*nr : k*nr+nr]
		for i := 0; i < mr; i++ {
			av := a[i*lda+k]
			row := acc[i*nr : i*nr+nr]
			for j := range row {
				row[j] += av * b[j]
			}
		}
	}
	for i := 0; i < mr; i++ {
		copy(c[i*ldc:i*ldc+nr], acc[i*nr:(i+1)*nr])
	}
}

// packedB is B packed for one micro-kernel's Nr.
type packedB struct {
	k, n, nr int
	data     []float32 // panels of k·nr floats
}

// packB packs B given as w[N×K] row-major (B = wᵀ; OHWI filters and FC weights).
func packB(w []float32, n, k, nr int) *packedB {
	panels := (n + nr - 1) / nr
	p := &packedB{k: k, n: n, nr: nr, data: make([]float32, panels*k*nr)}
	for j := 0; j < n; j++ {
		pan, col := j/nr, j%nr
		dst := p.data[pan*k*nr:]
		src := w[j*k : j*k+k]
		for kk, v := range src {
			dst[kk*nr+col] = v
		}
	}
	return p
}

// packBKN packs B given as b[K×N] row-major (MatMul right operands).
func packBKN(b []float32, k, n, nr int) *packedB {
	panels := (n + nr - 1) / nr
	p := &packedB{k: k, n: n, nr: nr, data: make([]float32, panels*k*nr)}
	for kk := 0; kk < k; kk++ {
		for j := 0; j < n; j++ {
			p.data[(j/nr)*k*nr+kk*nr+j%nr] = b[kk*n+j]
		}
	}
	return p
}

// epilogue is the bias and activation applied to C.
type epilogue struct {
	once     sync.Once
	tile     []float32 // bias pattern of the ragged panel, see initTile
	rowsOnce sync.Once
	rows     []float32 // bias pattern of Mc contiguous rows, see initRows

	pat epPatterns // for the fused-epilogue kernels

	bias  []float32 // len N or nil
	act   Activation
	alpha float32   // LeakyRelu
	prelu []float32 // per-column alpha (len N, or tiled by tileAlpha) or one shared value
}

// gemm computes C = A·B + bias and applies the activation. c has row stride ldc; scratch must
// hold gemmScratch(impl) floats. Rows are taken Mc at a time; within a row block every K
// block and every panel is applied before the next row block, so a ragged last panel
// (N not a multiple of Nr) accumulates in an Mc×Nr scratch tile and is copied out once.
func gemm(impl *gemmImpl, m int, a []float32, lda int, b *packedB, c []float32, ldc int, ep *epilogue, scratch []float32) {
	n, k, nr, mr := b.n, b.k, b.nr, impl.mr
	full := n / nr * nr // columns covered by whole panels
	rag := n - full
	if impl.segEp != nil && k <= Kc && rag == 0 {
		if bias, alpha, ok := ep.fused(n); ok {
			gemmFused(impl, m, a, lda, b, c, ldc, bias, alpha)
			return
		}
	}
	tile := scratch[:Mc*nr]
	for i0 := 0; i0 < m; i0 += Mc {
		mc := min(Mc, m-i0)
		ep.initRows(c[i0*ldc:], ldc, full, mc)
		if rag > 0 {
			ep.initTile(tile[:mc*nr], full, nr)
		}
		for k0 := 0; k0 < k; k0 += Kc {
			kc := min(Kc, k-k0)
			for pan := 0; pan*nr < n; pan++ {
				j0 := pan * nr
				bp := b.data[pan*k*nr+k0*nr : pan*k*nr+(k0+kc)*nr]
				for i := i0; i < i0+mc; i += mr {
					rows := min(mr, i0+mc-i)
					ai := a[i*lda+k0:]
					if j0 < full {
						impl.kern(rows, kc, ai, lda, bp, c[i*ldc+j0:], ldc)
					} else {
						impl.kern(rows, kc, ai, lda, bp, tile[(i-i0)*nr:], nr)
					}
				}
			}
		}
		if rag > 0 {
			copyRagged(c[i0*ldc:], ldc, full, rag, tile, nr, mc)
		}
		cb := c[i0*ldc:]
		switch {
		case ep.act == ActNone:
		case ldc == n: // contiguous rows: one pass over the block
			applyAct(cb[:mc*n], n, ep.act, ep.alpha, ep.prelu)
		default:
			prelu := ep.prelu
			if len(prelu) > n {
				prelu = prelu[:n]
			}
			for i := 0; i < mc; i++ {
				applyActRow(cb[i*ldc:i*ldc+n], ep.act, ep.alpha, prelu)
			}
		}
	}
}

// gemmFused is gemm with one K block, whole panels and the epilogue in the kernel: the
// same row blocks, panel order and sums as gemm, so the values are gemm's.
func gemmFused(impl *gemmImpl, m int, a []float32, lda int, b *packedB, c []float32, ldc int, bias, alpha []float32) {
	n, k, nr, mr := b.n, b.k, b.nr, impl.mr
	for i0 := 0; i0 < m; i0 += Mc {
		mc := min(Mc, m-i0)
		for pan := 0; pan*nr < n; pan++ {
			j0 := pan * nr
			bp := b.data[pan*k*nr : (pan+1)*k*nr]
			for i := i0; i < i0+mc; i += mr {
				impl.segEp(min(mr, i0+mc-i), 1, k, a[i*lda:], lda, 0, bp, c[i*ldc+j0:], ldc, bias[j0:j0+nr], alpha[j0:j0+nr])
			}
		}
	}
}

// initTile fills an Mc×nr tile with the bias of columns [full, full+nr) (zero past N).
// The pattern is built once per epilogue: one copy instead of a call per row.
func (ep *epilogue) initTile(tile []float32, full, nr int) {
	ep.once.Do(func() {
		ep.tile = make([]float32, Mc*nr)
		if ep.bias != nil {
			for r := 0; r < Mc; r++ {
				copy(ep.tile[r*nr:r*nr+nr], ep.bias[full:])
			}
		}
	})
	copy(tile, ep.tile)
}

// initRows sets columns [0, full) of mc rows of C to the bias; contiguous rows take one
// copy of a prebuilt pattern.
func (ep *epilogue) initRows(c []float32, ldc, full, mc int) {
	if ldc == full {
		ep.rowsOnce.Do(func() {
			ep.rows = make([]float32, Mc*full)
			if ep.bias != nil {
				for r := 0; r < Mc; r++ {
					copy(ep.rows[r*full:], ep.bias[:full])
				}
			}
		})
		copy(c[:mc*full], ep.rows)
		return
	}
	for i := 0; i < mc; i++ {
		row := c[i*ldc : i*ldc+full]
		if ep.bias != nil {
			copy(row, ep.bias[:full])
		} else {
			clear(row)
		}
	}
}

// copyRagged copies the first rag columns of mc tile rows into C at column full.
func copyRagged(c []float32, ldc, full, rag int, tile []float32, nr, mc int) {
	for r := 0; r < mc; r++ {
		dst := c[r*ldc+full : r*ldc+full+rag]
		src := tile[r*nr : r*nr+rag]
		for j := range dst { // rows are short: a loop beats a call to copy
			dst[j] = src[j]
		}
	}
}

// gemmScratch is the scratch gemm needs.
func gemmScratch(impl *gemmImpl) int { return Mc * impl.nr }
