package nn

import (
	"math/rand/v2"
	"runtime"
	"time"
)

// Timers for bench/gemm_compare.sh (not for production). Each returns the best of reps
// batches, each running its work until at least minBatch of the calling thread's CPU time
// has passed (wall time off Linux): on a machine shared with other jobs, CPU time leaves
// out the turns the thread waits, and the script takes OpenBLAS's time the same way.

// TimeGEMM returns the GFLOP/s of C[m×n] = A[m×k]·B[k×n] with the micro-kernel the
// planner would pick for n columns, A read in place as the 1x1 convolution path does.
func TimeGEMM(m, n, k, reps int, minBatch time.Duration) float64 {
	r := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
	a, w := benchRand(r, m*k), benchRand(r, n*k)
	impl := pickGemm(n)
	pb := packB(w, n, k, impl.nr)
	c := make([]float32, m*n)
	scratch := make([]float32, gemmScratch(impl))
	ep := &epilogue{}
	d := bestBatch(reps, minBatch, func() { gemm(impl, m, a, k, pb, c, n, ep, scratch) })
	return 2 * float64(m) * float64(n) * float64(k) / d.Seconds() / 1e9
}

// TimeBlockPointwise returns the GFLOP/s of a fused depthwise block's pointwise half
// (OpDWBlock: y = ReLU(t·W + bias + r) over bands of dwBlockRows pixels, the code the block
// runs) for m pixels, k depthwise channels and n outputs; the depthwise half is not timed.
func TimeBlockPointwise(m, n, k, reps int, minBatch time.Duration) float64 {
	r := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
	t, w, bias, res := benchRand(r, m*k), benchRand(r, n*k), benchRand(r, n), benchRand(r, m*n)
	pw := newDWBlockPW(n, k, bias, ActRelu, 0, func(nr int) *packedB { return packB(w, n, k, nr) })
	y := make([]float32, m*n)
	gs := make([]float32, pw.scratch())
	d := bestBatch(reps, minBatch, func() {
		for p0 := 0; p0 < m; p0 += dwBlockRows {
			px := min(dwBlockRows, m-p0)
			pw.band(px, t[p0*k:(p0+px)*k], y[p0*n:(p0+px)*n], res[p0*n:(p0+px)*n], gs)
		}
	})
	return 2 * float64(m) * float64(n) * float64(k) / d.Seconds() / 1e9
}

func benchRand(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()
	}
	return x
}

// bestBatch returns the least thread CPU time per call of f over reps batches.
func bestBatch(reps int, minBatch time.Duration, f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f() // warm: caches, and the epilogue's patterns built on first use
	best := time.Duration(0)
	for range max(reps, 1) {
		calls, n := 0, 1
		t0 := threadCPU()
		for { // reading the clock is a system call: read it after 1, 2, 4... calls
			for range n {
				f()
			}
			calls += n
			if threadCPU()-t0 >= minBatch {
				break
			}
			n *= 2
		}
		if d := (threadCPU() - t0) / time.Duration(calls); best == 0 || d < best {
			best = d
		}
	}
	return max(best, 1)
}
