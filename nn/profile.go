package nn

import (
	"fmt"
	"runtime"
	"time"
)

// OpTime is one planned step's share of a profiled run.
type OpTime struct {
	Op       Op
	Name     string
	In, Out  []int // shapes of the first input and output
	Act      Activation
	Duration time.Duration // mean CPU time of the running thread per run (wall time off Linux)
	MACs     int64
	Impl     string // Kernel.Impl: a convolution's path ("1x1", "direct", "padded", "im2col", "flat"), "" for the default
}

// Profile runs the model reps times step by step and returns the mean time of every
// planned step, in execution order (for `wajah bench nn -profile`; not for production).
func (m *Model) Profile(reps int, inputs ...*Tensor) ([]OpTime, error) {
	p, err := m.planFor(inputs)
	if err != nil {
		return nil, err
	}
	rs := p.newState()
	for i, t := range p.inputs {
		copy(p.view(rs.arena, t), inputs[i].Data)
	}
	nodes := make([]*Node, 0, len(p.steps))
	for i := range m.g.Nodes {
		if def, _ := lookup(m.g.Nodes[i].Op); !def.Alias || p.slot[m.g.Nodes[i].Inputs[0]] < 0 {
			nodes = append(nodes, &m.g.Nodes[i])
		}
	}
	out := make([]OpTime, len(p.steps))
	for i, s := range p.steps {
		n := nodes[min(i, len(nodes)-1)]
		out[i] = OpTime{Op: n.Op, Name: n.Name, Out: p.shapes[s.out[0]], Act: n.Attrs.Act, MACs: s.k.MACs, Impl: s.k.Impl}
		if len(s.in) > 0 && s.in[0] >= 0 {
			out[i].In = p.shapes[s.in[0]]
		}
	}
	reps = max(reps, 1)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for r := 0; r < reps; r++ {
		for i, s := range p.steps {
			t0 := threadCPU()
			s.k.Run(rs.ins[i], rs.outs[i], rs.scratch)
			out[i].Duration += threadCPU() - t0
		}
	}
	for i := range out {
		out[i].Duration /= time.Duration(reps)
	}
	return out, nil
}

// TimeStep returns the best thread CPU time per run of planned step `step` (an index into
// Profile's result) over reps batches, each running the step until at least minBatch has
// passed, after one run of the whole plan to fill its inputs (bench/gemm_compare.sh times
// a layer the way TimeGEMM times a GEMM; not for production).
func (m *Model) TimeStep(step, reps int, minBatch time.Duration, inputs ...*Tensor) (time.Duration, error) {
	p, err := m.planFor(inputs)
	if err != nil {
		return 0, err
	}
	if step < 0 || step >= len(p.steps) {
		return 0, fmt.Errorf("%w: step %d of %d", ErrShape, step, len(p.steps))
	}
	rs := p.newState()
	for i, t := range p.inputs {
		copy(p.view(rs.arena, t), inputs[i].Data)
	}
	for i, s := range p.steps[:step] {
		s.k.Run(rs.ins[i], rs.outs[i], rs.scratch)
	}
	s := p.steps[step]
	return bestBatch(reps, minBatch, func() { s.k.Run(rs.ins[step], rs.outs[step], rs.scratch) }), nil
}
