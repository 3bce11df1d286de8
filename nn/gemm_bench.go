package nn

import (
	"math/rand/v2"
	"time"
)

// TimeGEMM returns the best GFLOP/s of reps timed batches of C[m×n] = A[m×k]·B[k×n] with
// the micro-kernel the planner would pick for n columns, A read in place as the 1x1
// convolution path does (for bench/gemm_compare.sh; not for production). Each batch runs
// the product until at least minBatch has passed.
func TimeGEMM(m, n, k, reps int, minBatch time.Duration) float64 {
	r := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
	a := make([]float32, m*k)
	w := make([]float32, n*k)
	for i := range a {
		a[i] = r.Float32()
	}
	for i := range w {
		w[i] = r.Float32()
	}
	impl := pickGemm(n)
	pb := packB(w, n, k, impl.nr)
	c := make([]float32, m*n)
	scratch := make([]float32, gemmScratch(impl))
	ep := &epilogue{}
	best := 0.0
	for range max(reps, 1) {
		calls := 0
		t0 := time.Now()
		for time.Since(t0) < minBatch || calls == 0 {
			gemm(impl, m, a, k, pb, c, n, ep, scratch)
			calls++
		}
		gf := 2 * float64(m) * float64(n) * float64(k) * float64(calls) / time.Since(t0).Seconds() / 1e9
		best = max(best, gf)
	}
	return best
}
