package nn

import (
	"math"
	"unsafe"
)

// bfloat16 GEMM: C[M×N] = A[M×K]·B[K×N] + bias with A and B rounded to bfloat16 (the top 16
// bits of a float32: same exponent range, 8 mantissa bits) and the products accumulated in
// float32, the arithmetic of AVX512_BF16's VDPBF16PS. B (weights) is rounded and packed once
// at plan time; A (activations) is rounded row block by row block as it is packed.
//
// Packed layout: K is padded to an even kp and taken in pairs, as VDPBF16PS multiplies one
// pair per lane. Panel p holds columns [p·nr, p·nr+nr); inside it pair q of column j is at
// q·2nr + 2j (the even k first). A row is kp values, pairs contiguous, so a kernel
// broadcasts one 32-bit pair per row and k step.

// kcBF16 is the K block of the bf16 GEMM (even): kcBF16·32 bf16 values of B (16 KiB) stay in L1.
const kcBF16 = 256

// bf16FromF32 rounds f to bfloat16 as VCVTNE2PS2BF16 does: to nearest, ties to even; a NaN
// stays a (quiet) NaN; a denormal input becomes a zero of its sign (the instruction treats
// denormal inputs as zero).
func bf16FromF32(f float32) uint16 {
	u := math.Float32bits(f)
	switch {
	case u&0x7f800000 == 0: // zero or denormal
		return uint16(u>>16) & 0x8000
	case u&0x7fffffff > 0x7f800000: // NaN
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// f32FromBF16 widens a bfloat16 (exact).
func f32FromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// cvtBF16Generic rounds src into dst (equal lengths).
func cvtBF16Generic(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = bf16FromF32(v)
	}
}

// cvtBF16 is the conversion in use (gemm_bf16_asm.go overrides it on AVX512_BF16 CPUs).
var cvtBF16 = cvtBF16Generic

// bf16Kernel accumulates C[mr×nr] += A[mr×2np]·Bpanel[2np×nr] where a holds row i at
// a[i*lda:] (np bf16 pairs), bp is np·2·nr packed values and C row i is at c[i*ldc:].
type bf16Kernel func(mr, np int, a []uint16, lda int, bp []uint16, c []float32, ldc int)

// bf16Impl is one bf16 micro-kernel with its tile shape.
type bf16Impl struct {
	name   string
	mr, nr int
	kern   bf16Kernel
}

// genericBF16 is the pure-Go reference of the bf16 kernels.
var genericBF16 = bf16Impl{name: "bf16-generic", mr: 4, nr: 16, kern: microBF16Generic16}

// activeBF16 and narrowBF16 are chosen at start-up: 32 and 16 columns per panel.
var (
	activeBF16 = genericBF16
	narrowBF16 = genericBF16
)

// bf16Native reports whether the bf16 kernels run in AVX512_BF16 assembly (set at start-up).
var bf16Native bool

// pickBF16 returns the kernel for n output columns: the one whose panels pad n least.
func pickBF16(n int) *bf16Impl {
	pad := func(g *bf16Impl) int { return (n+g.nr-1)/g.nr*g.nr - n }
	if narrowBF16.nr < activeBF16.nr && pad(&narrowBF16) < pad(&activeBF16) {
		return &narrowBF16
	}
	return &activeBF16
}

func microBF16Generic16(mr, np int, a []uint16, lda int, bp []uint16, c []float32, ldc int) {
	dotBF16Generic(mr, np, 16, a, lda, bp, c, ldc)
}

// dotBF16Generic is VDPBF16PS's arithmetic, lane by lane: per pair the odd product is added
// first, then the even one, each sum rounded to float32 (a product of two bfloat16 is exact
// in float32), denormal sums flushed to zero and denormal accumulators read as zero.
func dotBF16Generic(mr, np, nr int, a []uint16, lda int, bp []uint16, c []float32, ldc int) {
	bp = bp[:np*2*nr]
	for i := 0; i < mr; i++ {
		ai := a[i*lda : i*lda+2*np]
		ci := c[i*ldc : i*ldc+nr]
		for j := range ci {
			acc := ftz(ci[j])
			for q := 0; q < np; q++ {
				b := bp[q*2*nr+2*j : q*2*nr+2*j+2]
				acc = ftz(acc + float32(f32FromBF16(ai[2*q+1])*f32FromBF16(b[1])))
				acc = ftz(acc + float32(f32FromBF16(ai[2*q])*f32FromBF16(b[0])))
			}
			ci[j] = acc
		}
	}
}

// ftz flushes a denormal to a zero of its sign.
func ftz(f float32) float32 {
	if u := math.Float32bits(f); u&0x7f800000 == 0 {
		return math.Float32frombits(u & 0x80000000)
	}
	return f
}

// packedBF16 is B rounded to bfloat16 and packed for one kernel's nr (layout above).
type packedBF16 struct {
	k, kp, n, nr int
	data         []uint16 // panels of kp·nr values
}

// packBF16 rounds and packs B given as w[N×K] row-major (OHWI filters, FC weights).
func packBF16(w []float32, n, k, nr int) *packedBF16 {
	kp := (k + 1) &^ 1
	panels := (n + nr - 1) / nr
	p := &packedBF16{k: k, kp: kp, n: n, nr: nr, data: make([]uint16, panels*kp*nr)}
	for j := 0; j < n; j++ {
		dst := p.data[(j/nr)*kp*nr:]
		col := j % nr
		for kk, v := range w[j*k : j*k+k] {
			dst[(kk/2)*2*nr+2*col+kk%2] = bf16FromF32(v)
		}
	}
	return p
}

// gemmBF16Scratch is the scratch (float32 values) gemmBF16 needs: the ragged-panel tile and
// one Mc-row block of A in bfloat16.
func gemmBF16Scratch(impl *bf16Impl, k int) int {
	kp := (k + 1) &^ 1
	return Mc*impl.nr + Mc*kp/2
}

// asBF16 views float32 scratch as bfloat16 values (two per float32; Go has no 16-bit float
// type, and the plan hands every kernel float32 scratch).
func asBF16(s []float32) []uint16 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(s))), 2*len(s))
}

// gemmBF16 computes C = A·B + bias in bfloat16 products with float32 sums and applies the
// activation; the blocking follows gemm (rows Mc at a time, K in kcBF16 blocks, a ragged
// last panel through a tile). scratch holds gemmBF16Scratch(impl, b.k) values.
func gemmBF16(impl *bf16Impl, m int, a []float32, lda int, b *packedBF16, c []float32, ldc int, ep *epilogue, scratch []float32) {
	n, k, kp, nr, mr := b.n, b.k, b.kp, b.nr, impl.mr
	full := n / nr * nr
	rag := n - full
	tile := scratch[:Mc*nr]
	ab := asBF16(scratch[Mc*nr : Mc*nr+Mc*kp/2])
	for i0 := 0; i0 < m; i0 += Mc {
		mc := min(Mc, m-i0)
		if kp == k && lda == k { // contiguous rows: one conversion for the block
			cvtBF16(ab[:mc*k], a[i0*lda:i0*lda+mc*k])
		} else {
			for r := 0; r < mc; r++ {
				cvtBF16(ab[r*kp:r*kp+k], a[(i0+r)*lda:(i0+r)*lda+k])
				if kp > k {
					ab[r*kp+k] = 0
				}
			}
		}
		ep.initRows(c[i0*ldc:], ldc, full, mc)
		if rag > 0 {
			ep.initTile(tile[:mc*nr], full, nr)
		}
		for k0 := 0; k0 < kp; k0 += kcBF16 {
			kc := min(kcBF16, kp-k0)
			for pan := 0; pan*nr < n; pan++ {
				j0 := pan * nr
				bp := b.data[pan*kp*nr+k0*nr : pan*kp*nr+(k0+kc)*nr]
				for i := i0; i < i0+mc; i += mr {
					rows := min(mr, i0+mc-i)
					ai := ab[(i-i0)*kp+k0:]
					if j0 < full {
						impl.kern(rows, kc/2, ai, kp, bp, c[i*ldc+j0:], ldc)
					} else {
						impl.kern(rows, kc/2, ai, kp, bp, tile[(i-i0)*nr:], nr)
					}
				}
			}
		}
		if rag > 0 {
			copyRagged(c[i0*ldc:], ldc, full, rag, tile, nr, mc)
		}
		actBlock(c[i0*ldc:], ldc, n, mc, ep)
	}
}

// actBlock applies the epilogue's activation to mc rows of n values, ldc apart.
func actBlock(cb []float32, ldc, n, mc int, ep *epilogue) {
	switch {
	case ep.act == ActNone:
	case ldc == n:
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
