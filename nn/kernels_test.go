package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

const guard = 16

var sentinel = float32(math.Float32frombits(0x7fc0dead)) // a NaN no kernel produces

// guarded returns a slice of n values with guard bands of sentinels on both sides; check
// reports writes into the bands.
func guarded(n int) (buf, x []float32) {
	buf = make([]float32, n+2*guard)
	for i := range buf {
		buf[i] = sentinel
	}
	return buf, buf[guard : guard+n : guard+n]
}

func checkGuards(t *testing.T, buf []float32, n int) {
	t.Helper()
	for i := 0; i < guard; i++ {
		if math.Float32bits(buf[i]) != math.Float32bits(sentinel) || math.Float32bits(buf[guard+n+i]) != math.Float32bits(sentinel) {
			t.Fatalf("guard band overwritten near index %d", i)
		}
	}
}

func randFill(r *rand.Rand, x []float32) {
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
}

var awkward = []int{1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 100}

func allGemms() []gemmImpl { return append([]gemmImpl{genericGemm}, simdGemmImpls()...) }

func TestGemmMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, impl := range allGemms() {
		for _, m := range []int{1, 3, 7, 17, 100} {
			for _, n := range []int{1, 3, 8, 15, 17, 33, 64} {
				for _, k := range []int{1, 3, 17, 100, Kc + 7} {
					lda, ldc := k+3, n+5
					a := make([]float32, m*lda)
					randFill(r, a)
					w := make([]float32, n*k) // [N,K]
					randFill(r, w)
					bias := make([]float32, n)
					randFill(r, bias)
					alpha := make([]float32, n)
					randFill(r, alpha)
					buf, c := guarded(m * ldc)
					pb := packB(w, n, k, impl.nr)
					ep := &epilogue{bias: bias, act: ActPRelu, prelu: alpha}
					gemm(&impl, m, a, lda, pb, c, ldc, ep, make([]float32, gemmScratch(&impl)))
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
							want := float64(bias[j])
							for kk := 0; kk < k; kk++ {
								want += float64(a[i*lda+kk]) * float64(w[j*k+kk])
							}
							if want < 0 {
								want *= float64(alpha[j])
							}
							if d := math.Abs(float64(got) - want); d > 1e-4*math.Sqrt(float64(k))*(1+math.Abs(want)) {
								t.Fatalf("%s m=%d n=%d k=%d: C[%d,%d]=%g want %g", impl.name, m, n, k, i, j, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestGemmSIMDMatchesGeneric compares each SIMD micro-kernel with the pure-Go one on the
// same packing-independent problem.
func TestGemmSIMDMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, impl := range simdGemmImpls() {
		for _, m := range awkward {
			for _, n := range awkward {
				k := 2*m + 5
				a := make([]float32, m*k)
				randFill(r, a)
				w := make([]float32, n*k)
				randFill(r, w)
				ref := make([]float32, m*n)
				gemm(&genericGemm, m, a, k, packB(w, n, k, genericGemm.nr), ref, n, &epilogue{act: ActRelu}, make([]float32, gemmScratch(&genericGemm)))
				buf, got := guarded(m * n)
				gemm(&impl, m, a, k, packB(w, n, k, impl.nr), got, n, &epilogue{act: ActRelu}, make([]float32, gemmScratch(&impl)))
				checkGuards(t, buf, m*n)
				for i := range ref {
					if math.Abs(float64(ref[i]-got[i])) > 1e-4*(1+math.Abs(float64(ref[i]))) {
						t.Fatalf("%s m=%d n=%d: [%d] %g vs generic %g", impl.name, m, n, i, got[i], ref[i])
					}
				}
			}
		}
	}
}

func TestElementwiseSIMDMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sizes := append([]int{0}, awkward...)
	sizes = append(sizes, 1000, 1023)
	for _, impl := range simdElementwise() {
		for _, n := range sizes {
			a := make([]float32, n)
			b := make([]float32, n)
			randFill(r, a)
			randFill(r, b)
			d0 := make([]float32, n)
			randFill(r, d0)

			ref := append([]float32(nil), d0...)
			maddGeneric(ref, a, b)
			buf, got := guarded(n)
			copy(got, d0)
			impl.madd(got, a, b)
			checkGuards(t, buf, n)
			assertClose(t, impl.name+" madd", got, ref, 1e-6)

			ref = make([]float32, n)
			addGeneric(ref, a, b)
			buf, got = guarded(n)
			impl.add(got, a, b)
			checkGuards(t, buf, n)
			assertClose(t, impl.name+" add", got, ref, 0)

			ref = append(ref[:0], d0...)
			maxIntoGeneric(ref, a)
			buf, got = guarded(n)
			copy(got, d0)
			impl.max(got, a)
			checkGuards(t, buf, n)
			assertClose(t, impl.name+" max", got, ref, 0)

			ref = append(ref[:0], a...)
			leakyGeneric(ref, 0.2)
			buf, got = guarded(n)
			copy(got, a)
			impl.leaky(got, 0.2)
			checkGuards(t, buf, n)
			assertClose(t, impl.name+" leaky", got, ref, 1e-6)

			ref = append(ref[:0], a...)
			reluGeneric(ref)
			buf, got = guarded(n)
			copy(got, a)
			impl.relu(got)
			checkGuards(t, buf, n)
			assertClose(t, impl.name+" relu", got, ref, 0)

			ref = append(ref[:0], a...)
			preluGeneric(ref, b)
			buf, got = guarded(n)
			copy(got, a)
			impl.prelu(got, b)
			checkGuards(t, buf, n)
			assertClose(t, impl.name+" prelu", got, ref, 1e-6)
		}
	}
}

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > tol*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s n=%d: [%d] = %g, want %g", what, len(want), i, got[i], want[i])
		}
	}
}

// TestTiledPReLU checks that tiling the slopes of a few-channel layer changes nothing.
func TestTiledPReLU(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []int{1, 2, 10, 17, 300} {
		for _, rows := range []int{1, 3, 40, 101} {
			alpha := make([]float32, c)
			randFill(r, alpha)
			x := make([]float32, rows*c)
			randFill(r, x)
			want := append([]float32(nil), x...)
			for i := range want {
				if want[i] < 0 {
					want[i] *= alpha[i%c]
				}
			}
			applyAct(x, c, ActPRelu, 0, tileAlpha(alpha, c))
			assertClose(t, "tiled prelu", x, want, 0)
		}
	}
}

// TestSegKernelsMatchGeneric compares the segmented (implicit-GEMM) micro-kernels with
// segGeneric, with guard bands around C.
func TestSegKernelsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, impl := range allGemms() {
		if impl.seg == nil {
			continue
		}
		for mr := 1; mr <= impl.mr; mr++ { // every row count: the assembly has one function each
			for _, nseg := range []int{1, 2, 5} {
				for _, kc := range []int{1, 3, 9, 17} {
					lda, ss, ldc := kc+2, 3*kc+5, impl.nr+3
					a := make([]float32, (nseg-1)*ss+(mr-1)*lda+kc)
					randFill(r, a)
					bp := make([]float32, nseg*kc*impl.nr)
					randFill(r, bp)
					c0 := make([]float32, mr*ldc)
					randFill(r, c0)
					want := make([]float32, mr*impl.nr)
					for i := 0; i < mr; i++ {
						for j := 0; j < impl.nr; j++ {
							acc := float64(c0[i*ldc+j])
							for s := 0; s < nseg; s++ {
								for k := 0; k < kc; k++ {
									acc += float64(a[s*ss+i*lda+k]) * float64(bp[(s*kc+k)*impl.nr+j])
								}
							}
							want[i*impl.nr+j] = float32(acc)
						}
					}
					buf, c := guarded(mr * ldc)
					copy(c, c0)
					impl.seg(mr, nseg, kc, a, lda, ss, bp, c, ldc)
					checkGuards(t, buf, mr*ldc)
					for i := 0; i < mr; i++ {
						for j := 0; j < ldc; j++ {
							got := c[i*ldc+j]
							if j >= impl.nr {
								if got != c0[i*ldc+j] {
									t.Fatalf("%s: wrote past the tile at (%d,%d)", impl.name, i, j)
								}
								continue
							}
							if w := want[i*impl.nr+j]; math.Abs(float64(got-w)) > 1e-4*(1+math.Abs(float64(w))) {
								t.Fatalf("%s mr=%d nseg=%d kc=%d: C[%d,%d] = %g, want %g", impl.name, mr, nseg, kc, i, j, got, w)
							}
						}
					}
				}
			}
		}
	}
}
