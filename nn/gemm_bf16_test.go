package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func allBF16() []bf16Impl { return append([]bf16Impl{genericBF16}, simdBF16Impls()...) }

// TestBF16FromF32 pins the rounding: nearest, ties to even, NaN kept, denormals to zero.
func TestBF16FromF32(t *testing.T) {
	for _, c := range []struct {
		in   uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, // 1
		{0x3f808000, 0x3f80}, // tie, even below
		{0x3f818000, 0x3f82}, // tie, even above
		{0x3f808001, 0x3f81}, // above the tie
		{0x3f807fff, 0x3f80}, // below the tie
		{0xbf80c000, 0xbf81}, // negative rounds by magnitude
		{0x7f7fffff, 0x7f80}, // largest float rounds to +Inf
		{0x7f800000, 0x7f80}, // +Inf
		{0xff800000, 0xff80}, // -Inf
		{0x7f800001, 0x7fc0}, // signalling NaN comes back quiet
		{0xffc12345, 0xffc1}, // quiet NaN keeps its top payload
		{0x00000001, 0x0000}, // denormals read as zero
		{0x807fffff, 0x8000},
		{0x00800000, 0x0080}, // smallest normal
	} {
		if got := bf16FromF32(math.Float32frombits(c.in)); got != c.want {
			t.Errorf("bf16(%#08x) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
}

// TestCvtBF16MatchesGeneric runs the conversion in use (VCVTNE2PS2BF16 on AVX512_BF16) on
// random bit patterns, specials included, at awkward lengths with guard bands: bit for bit.
func TestCvtBF16MatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	specials := []uint32{0, 0x80000000, 1, 0x807fffff, 0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000,
		0x7f800001, 0x7fc00000, 0xffffffff, 0x3f808000, 0x3f818000, 0x3f807fff}
	for _, n := range []int{0, 1, 5, 31, 32, 33, 64, 95, 1000} {
		src := make([]float32, n)
		for i := range src {
			switch i % 4 {
			case 0:
				src[i] = math.Float32frombits(specials[r.IntN(len(specials))])
			case 1:
				src[i] = math.Float32frombits(r.Uint32())
			default:
				src[i] = float32(r.NormFloat64())
			}
		}
		want := make([]uint16, n)
		cvtBF16Generic(want, src)
		buf := make([]uint16, n+2*guard)
		for i := range buf {
			buf[i] = 0xdead
		}
		got := buf[guard : guard+n]
		cvtBF16(got, src)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("n=%d [%d] %#08x: got %#04x want %#04x", n, i, math.Float32bits(src[i]), got[i], want[i])
			}
		}
		for i := 0; i < guard; i++ {
			if buf[i] != 0xdead || buf[guard+n+i] != 0xdead {
				t.Fatalf("n=%d: guard band overwritten", n)
			}
		}
	}
}

// TestGemmBF16MatchesNaive compares every bf16 kernel, through gemmBF16 at awkward sizes
// (odd K, K over one block, ragged N, strided A and C) with guard bands, to a float64 product
// of the bf16-rounded operands. Sums of K float32-rounded terms: the bound is K·2^-23 of the
// sum of magnitudes.
func TestGemmBF16MatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	rb := func(f float32) float64 { return float64(f32FromBF16(bf16FromF32(f))) }
	for _, impl := range allBF16() {
		for _, m := range []int{1, 3, 14, 17, 100, Mc + 5} {
			for _, n := range []int{1, 3, 15, 16, 17, 33, 64} {
				for _, k := range []int{1, 2, 3, 17, 64, kcBF16 + 7} {
					lda, ldc := k+3, n+5
					a := make([]float32, m*lda)
					randFill(r, a)
					w := make([]float32, n*k)
					randFill(r, w)
					bias := make([]float32, n)
					randFill(r, bias)
					alpha := make([]float32, n)
					randFill(r, alpha)
					buf, c := guarded(m * ldc)
					pb := packBF16(w, n, k, impl.nr)
					ep := &epilogue{bias: bias, act: ActPRelu, prelu: alpha}
					gemmBF16(&impl, m, a, lda, pb, c, ldc, ep, make([]float32, gemmBF16Scratch(&impl, k)))
					checkGuards(t, buf, m*ldc)
					for i := 0; i < m; i++ {
						for j := 0; j < ldc; j++ {
							got := c[i*ldc+j]
							if j >= n {
								if math.Float32bits(got) != math.Float32bits(sentinel) {
									t.Fatalf("%s m=%d n=%d k=%d: wrote row gap (%d,%d)", impl.name, m, n, k, i, j)
								}
								continue
							}
							want, mag := float64(bias[j]), math.Abs(float64(bias[j]))
							for kk := 0; kk < k; kk++ {
								p := rb(a[i*lda+kk]) * rb(w[j*k+kk])
								want += p
								mag += math.Abs(p)
							}
							if want < 0 {
								want *= float64(alpha[j])
								mag *= math.Abs(float64(alpha[j]))
							}
							if d := math.Abs(float64(got) - want); d > float64(k+1)*0x1p-23*mag+1e-30 {
								t.Fatalf("%s m=%d n=%d k=%d: C[%d,%d]=%g want %g", impl.name, m, n, k, i, j, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestGemmBF16SIMDMatchesGeneric: each assembly kernel against the pure-Go twin on the same
// problem. Every lane sums the same terms in the same order, so they agree bit for bit.
func TestGemmBF16SIMDMatchesGeneric(t *testing.T) {
	if len(simdBF16Impls()) == 0 {
		t.Skip("no AVX512_BF16 kernels in this build or on this CPU")
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, impl := range simdBF16Impls() {
		for _, m := range awkward {
			for _, n := range awkward {
				for _, k := range []int{1, 2, 2*m + 5, kcBF16 + 9} {
					a := make([]float32, m*k)
					randFill(r, a)
					w := make([]float32, n*k)
					randFill(r, w)
					bias := make([]float32, n)
					randFill(r, bias)
					ref := make([]float32, m*n)
					gemmBF16(&genericBF16, m, a, k, packBF16(w, n, k, genericBF16.nr), ref, n, &epilogue{bias: bias, act: ActRelu}, make([]float32, gemmBF16Scratch(&genericBF16, k)))
					buf, got := guarded(m * n)
					gemmBF16(&impl, m, a, k, packBF16(w, n, k, impl.nr), got, n, &epilogue{bias: bias, act: ActRelu}, make([]float32, gemmBF16Scratch(&impl, k)))
					checkGuards(t, buf, m*n)
					for i := range ref {
						if math.Float32bits(ref[i]) != math.Float32bits(got[i]) {
							t.Fatalf("%s m=%d n=%d k=%d: [%d] %g vs generic %g", impl.name, m, n, k, i, got[i], ref[i])
						}
					}
				}
			}
		}
	}
}

// BenchmarkGemmBF16 times the bf16 GEMM (A conversion included) beside the fp32 kernel
// pickGemm chooses, at MobileFaceNet's 1x1-convolution shapes (MxKxN).
func BenchmarkGemmBF16(b *testing.B) {
	for _, s := range []struct{ m, k, n int }{{3136, 64, 128}, {784, 128, 64}, {784, 64, 128}, {196, 128, 256}, {196, 256, 128}} {
		a := goldenInput([]int{1, s.m * s.k})
		w := goldenInput([]int{1, s.n * s.k})
		c := make([]float32, s.m*s.n)
		flops := 2 * float64(s.m*s.k*s.n)
		b.Run(fmt.Sprintf("%dx%dx%d/fp32", s.m, s.k, s.n), func(b *testing.B) {
			impl := pickGemm(s.n)
			pb, scratch, ep := packB(w, s.n, s.k, impl.nr), make([]float32, gemmScratch(impl)), &epilogue{}
			for b.Loop() {
				gemm(impl, s.m, a, s.k, pb, c, s.n, ep, scratch)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("%dx%dx%d/bf16", s.m, s.k, s.n), func(b *testing.B) {
			impl := pickBF16(s.n)
			pb, scratch, ep := packBF16(w, s.n, s.k, impl.nr), make([]float32, gemmBF16Scratch(impl, s.k)), &epilogue{}
			for b.Loop() {
				gemmBF16(impl, s.m, a, s.k, pb, c, s.n, ep, scratch)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGemmBF16Kernel times one bf16 micro-kernel call on L1-resident operands (the
// kernel's ceiling; compare BenchmarkGemmAsmKernel for fp32).
func BenchmarkGemmBF16Kernel(b *testing.B) {
	for _, impl := range allBF16() {
		for _, kc := range []int{64, 256} {
			b.Run(fmt.Sprintf("%s/kc%d", impl.name, kc), func(b *testing.B) {
				a := make([]uint16, impl.mr*kc)
				cvtBF16(a, goldenInput([]int{1, impl.mr * kc}))
				bp := make([]uint16, kc*impl.nr)
				cvtBF16(bp, goldenInput([]int{1, kc * impl.nr}))
				c := make([]float32, impl.mr*impl.nr)
				for b.Loop() {
					impl.kern(impl.mr, kc/2, a, kc, bp, c, impl.nr)
				}
				b.ReportMetric(2*float64(impl.mr*impl.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
