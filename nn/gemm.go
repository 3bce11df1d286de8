package nn

// Packed GEMM: C[M×N] = A[M×K]·B[K×N] + bias, then a fused activation.
//
// B (the weights) is packed once at plan time into panels of Nr columns, k-major inside a
// panel, zero-padded to a multiple of Nr, so the micro-kernel reads it sequentially. A is read
// in place (row stride lda): rows are walked Mr at a time, K in blocks of Kc so one block of
// a B panel stays in L1, and rows in blocks of Mc so the A block stays in L2.
//
// Blocking parameters. Nr and Mr follow the micro-kernel chosen at start-up (AVX-512: 6×32,
// AVX2: 6×16, pure Go: 4×8; layers with ≤16 outputs use the 8×16 AVX-512 kernel); packings
// record the Nr they were made for.
const (
	Kc = 256 // K block: Kc·Nr floats of B (32 KiB at Nr=32) fit in L1
	Mc = 96  // M block: Mc·Kc floats of A (96 KiB) fit in L2; a multiple of every Mr (4, 6, 8)
)

// microKernel accumulates C[mr×nr] += A[mr×kc]·Bpanel[kc×nr] where nr is the kernel's Nr,
// a holds row i at a[i*lda:], bp is kc·nr packed floats and c row i at c[i*ldc:].
type microKernel func(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int)

// gemmImpl is one micro-kernel with its tile shape.
type gemmImpl struct {
	name   string
	mr, nr int
	kern   microKernel
}

// genericGemm is the pure-Go reference micro-kernel.
var genericGemm = gemmImpl{name: "generic", mr: 4, nr: 8, kern: microGeneric}

// activeGemm is chosen at start-up (gemm_simd.go overrides it on capable CPUs);
// narrowGemm serves layers with few output channels, where a wide Nr wastes lanes.
var (
	activeGemm = genericGemm
	narrowGemm = genericGemm
)

// pickGemm returns the micro-kernel for a product with n output columns.
func pickGemm(n int) *gemmImpl {
	if n <= narrowGemm.nr && narrowGemm.nr < activeGemm.nr {
		return &narrowGemm
	}
	return &activeGemm
}

func microGeneric(mr, kc int, a []float32, lda int, bp []float32, c []float32, ldc int) {
	const nr = 8
	var acc [4 * nr]float32
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
	bias  []float32 // len N or nil
	act   Activation
	alpha float32   // LeakyRelu
	prelu []float32 // per-column alpha (len N, or tiled by tileAlpha) or one shared value
}

// gemm computes C = A·B + bias and applies the activation. c has row stride ldc; scratch must
// hold gemmScratch(impl) floats.
func gemm(impl *gemmImpl, m int, a []float32, lda int, b *packedB, c []float32, ldc int, ep *epilogue, scratch []float32) {
	n, k, nr, mr := b.n, b.k, b.nr, impl.mr
	tile := scratch[:mr*nr]
	for i := 0; i < m; i++ { // initialise C with the bias
		row := c[i*ldc : i*ldc+n]
		if ep.bias != nil {
			copy(row, ep.bias)
		} else {
			clear(row)
		}
	}
	for k0 := 0; k0 < k; k0 += Kc {
		kc := min(Kc, k-k0)
		for i0 := 0; i0 < m; i0 += Mc {
			mc := min(Mc, m-i0)
			for pan := 0; pan*nr < n; pan++ {
				j0 := pan * nr
				bp := b.data[pan*k*nr+k0*nr : pan*k*nr+(k0+kc)*nr]
				full := j0+nr <= n
				for i := i0; i < i0+mc; i += mr {
					rows := min(mr, i0+mc-i)
					ai := a[i*lda+k0:]
					if full {
						impl.kern(rows, kc, ai, lda, bp, c[i*ldc+j0:], ldc)
						continue
					}
					w := n - j0 // ragged last panel: go through a tile
					for r := 0; r < rows; r++ {
						copy(tile[r*nr:r*nr+w], c[(i+r)*ldc+j0:(i+r)*ldc+n])
					}
					impl.kern(rows, kc, ai, lda, bp, tile, nr)
					for r := 0; r < rows; r++ {
						copy(c[(i+r)*ldc+j0:(i+r)*ldc+n], tile[r*nr:r*nr+w])
					}
				}
			}
		}
	}
	switch {
	case ep.act == ActNone:
	case ldc == n: // contiguous rows: one pass over the block
		applyAct(c[:m*n], n, ep.act, ep.alpha, ep.prelu)
	default:
		prelu := ep.prelu
		if len(prelu) > n {
			prelu = prelu[:n]
		}
		for i := 0; i < m; i++ {
			applyActRow(c[i*ldc:i*ldc+n], ep.act, ep.alpha, prelu)
		}
	}
}

// gemmScratch is the scratch gemm needs.
func gemmScratch(impl *gemmImpl) int { return impl.mr * impl.nr }
