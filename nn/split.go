package nn

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Tile split inside a batch-1 layer: a step whose kernel has Kernel.Split and enough work
// runs as parts over disjoint output rows that the calling goroutine and its helpers take
// from a shared counter, each worker with its own scratch; the other steps run on the
// calling goroutine. The parts compute every output
// value exactly as Run does (same kernels, same summation order), so results are
// bit-identical.

// splitMinMACs is the least work a step must have to be split (tests lower it): below it, waking a
// goroutine costs more than the share it takes (a few microseconds).
var splitMinMACs int64 = 1 << 19

// partRange returns part `part` of `parts` near-equal shares of [0, n).
func partRange(n, part, parts int) (int, int) {
	return n * part / parts, n * (part + 1) / parts
}

// splitKernel sets k.Run to the whole of split and k.Split to split.
func splitKernel(k Kernel, split func(in, out [][]float32, scratch []float32, part, parts int)) Kernel {
	k.Split = split
	k.Run = func(in, out [][]float32, s []float32) { split(in, out, s, 0, 1) }
	return k
}

// partScratch returns worker w's scratch (w >= 1; worker 0 uses rs.scratch).
func (rs *runState) partScratch(w, size int) []float32 {
	for len(rs.wscratch) < w {
		rs.wscratch = append(rs.wscratch, nil)
	}
	if len(rs.wscratch[w-1]) < size {
		rs.wscratch[w-1] = make([]float32, size)
	}
	return rs.wscratch[w-1]
}

// team is the helper goroutines of one split run. Waking a parked goroutine takes
// microseconds to tens of microseconds, more than many layers' share, so between split
// steps a helper spins on the step counter for a while (spinBudget loads) before it
// parks; the main goroutine wakes parked helpers when it publishes a step.
type team struct {
	workers int
	gen     atomic.Int64 // bumped to publish a job; -1 stops the helpers
	job     atomic.Pointer[splitJob]
	parked  []atomic.Bool
	wake    []chan struct{}
	wg      sync.WaitGroup
}

// splitJob is one split step: a helper that wakes late holds a finished job whose
// counter is spent, and does nothing.
type splitJob struct {
	step, chunks int
	next, done   atomic.Int64 // next part to take, parts finished
}

// chunksPerWorker is how many parts a split step has per worker: parts are taken from a
// shared counter, so a helper that is descheduled (the cores are shared) or wakes late
// leaves its parts to the others instead of stalling the step.
const chunksPerWorker = 4

// spinBudget is how many polls a helper spends before parking (~10-20 µs).
const spinBudget = 1 << 14

// startTeam starts workers-1 helpers for a run on rs.
func (p *plan) startTeam(rs *runState, workers int) *team {
	t := &team{workers: workers, parked: make([]atomic.Bool, workers), wake: make([]chan struct{}, workers)}
	for w := 1; w < workers; w++ {
		s := rs.partScratch(w, p.scratch)
		t.wake[w] = make(chan struct{}, 1)
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			seen := int64(0)
			for {
				g := t.await(w, seen)
				if g < 0 {
					return
				}
				seen = g
				t.job.Load().work(p, rs, s)
			}
		}()
	}
	return t
}

// await returns the step counter once it differs from seen: spinning first, then parked.
func (t *team) await(w int, seen int64) int64 {
	for {
		for n := 0; n < spinBudget; n++ {
			if g := t.gen.Load(); g != seen {
				return g
			}
			if n&255 == 255 {
				runtime.Gosched()
			}
		}
		t.parked[w].Store(true)
		if g := t.gen.Load(); g != seen { // published before we parked: no wake-up is coming
			t.parked[w].Store(false)
			return g
		}
		<-t.wake[w] // may be a stale token: the loop checks the counter again
	}
}

// publish makes step i current and wakes parked helpers.
func (t *team) publish(g int64) {
	t.gen.Store(g)
	for w := 1; w < t.workers; w++ {
		if t.parked[w].CompareAndSwap(true, false) {
			select {
			case t.wake[w] <- struct{}{}:
			default:
			}
		}
	}
}

// work takes parts of job j until none is left.
func (j *splitJob) work(p *plan, rs *runState, s []float32) {
	i, n := j.step, j.chunks
	k := p.steps[i].k
	for {
		c := int(j.next.Add(1) - 1)
		if c >= n {
			return
		}
		k.Split(rs.ins[i], rs.outs[i], s, c, n)
		j.done.Add(1)
	}
}

// stop ends the helpers.
func (t *team) stop() {
	t.publish(-1)
	t.wg.Wait()
}

// runStep runs step i, split across the team where its kernel allows (t nil: one worker).
func (p *plan) runStep(rs *runState, i int, t *team) {
	k := p.steps[i].k
	if t == nil || k.Split == nil || k.MACs < splitMinMACs {
		k.Run(rs.ins[i], rs.outs[i], rs.scratch)
		return
	}
	j := &splitJob{step: i, chunks: t.workers * chunksPerWorker}
	t.job.Store(j)
	t.publish(t.gen.Load() + 1)
	j.work(p, rs, rs.scratch)
	for n := 1; j.done.Load() != int64(j.chunks); n++ { // parts still running on helpers
		if n&255 == 0 {
			runtime.Gosched()
		}
	}
}

// coresBusy counts the cores that RunAuto calls hold: each holds one and borrows idle ones.
var coresBusy atomic.Int64

// RunAuto is RunWorkers with the worker count chosen from load: each call holds one core
// and borrows every core that no other call holds, up to GOMAXPROCS. A lone request uses
// all cores (batch split, or the tile split of each large layer); at high load every
// request runs on one (no borrowing, no goroutine overhead). The borrowed cores are
// returned when the run ends.
func (m *Model) RunAuto(inputs ...*Tensor) ([]*Tensor, error) {
	n := claimCores(runtime.GOMAXPROCS(0))
	defer coresBusy.Add(-int64(n))
	return m.RunWorkers(n, inputs...)
}

// claimCores takes the caller's core and up to limit-1 idle ones; it returns how many it
// holds (at least 1: a run never waits for a core).
func claimCores(limit int) int {
	held := 1
	coresBusy.Add(1)
	for held < limit {
		cur := coresBusy.Load()
		if cur >= int64(limit) {
			break
		}
		if coresBusy.CompareAndSwap(cur, cur+1) {
			held++
		}
	}
	return held
}
