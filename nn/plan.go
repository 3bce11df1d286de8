package nn

import (
	"fmt"
	"sync"
)

// plan is a graph compiled for one set of input shapes: kernels in order plus an arena
// layout in which tensors whose lifetimes do not overlap share memory.
type plan struct {
	steps     []step
	shapes    [][]int // per tensor
	slot      []int   // per tensor: arena slot, -1 for constants
	slotOff   []int
	slotSize  []int
	arenaSize int
	scratch   int
	macs      int64
	inputs    []int // tensor ids
	outputs   []int
	consts    [][]float32 // per tensor
	pool      sync.Pool   // *runState
}

type step struct {
	k       Kernel
	in, out []int // tensor ids, -1 for absent
}

// runState is one run's arena with every kernel's views bound to it.
type runState struct {
	arena   []float32
	ins     [][][]float32
	outs    [][][]float32
	scratch []float32

	wscratch [][]float32 // scratch of split workers 1.. (split.go), made on first use
}

// arenaAlign keeps every buffer 64-byte aligned relative to the arena start.
const arenaAlign = 16

// maxArena bounds a plan's memory (floats) so absurd input sizes fail instead of exhausting
// memory.
const maxArena = 1 << 28

func buildPlan(g *Graph, inShapes [][]int) (*plan, error) {
	nt := len(g.Tensors)
	p := &plan{shapes: make([][]int, nt), slot: make([]int, nt), consts: make([][]float32, nt)}
	for i := range p.slot {
		p.slot[i] = -1
	}
	known := make([]bool, nt)
	for i, t := range g.Tensors {
		if t.Data != nil {
			known[i] = true
			p.shapes[i] = t.Shape
			p.consts[i] = t.Data
		}
	}
	var slotSize []int
	newSlot := func(size int) int {
		slotSize = append(slotSize, size)
		return len(slotSize) - 1
	}
	for i, t := range g.Inputs {
		p.shapes[t] = inShapes[i]
		known[t] = true
		if p.slot[t] < 0 {
			p.slot[t] = newSlot(numel(inShapes[i]))
		}
	}
	p.inputs = g.Inputs
	p.outputs = g.Outputs
	total := 0
	for ni := range g.Nodes {
		n := &g.Nodes[ni]
		def, ok := lookup(n.Op)
		if !ok {
			return nil, fmt.Errorf("%w: op %s (node %q)", ErrUnsupported, n.Op, n.Name)
		}
		in := make([][]int, len(n.Inputs))
		cs := make([][]float32, len(n.Inputs))
		for j, t := range n.Inputs {
			if t < 0 {
				continue
			}
			if !known[t] {
				return nil, fmt.Errorf("%w: node %q reads tensor %q before it is computed", ErrGraph, n.Name, g.Tensors[t].Name)
			}
			in[j] = nonNil(p.shapes[t])
			cs[j] = p.consts[t]
		}
		outs, err := def.Infer(n, in, cs)
		if err != nil {
			return nil, err
		}
		if len(outs) != len(n.Outputs) {
			return nil, fmt.Errorf("%w: node %q: %d outputs inferred, %d declared", ErrGraph, n.Name, len(outs), len(n.Outputs))
		}
		for j, t := range n.Outputs {
			sz := numelChecked(outs[j])
			if sz == 0 || sz > maxArena {
				return nil, shapeErr(n, "output shape %v is empty or too large", outs[j])
			}
			total += sz
			if total > maxArena {
				return nil, shapeErr(n, "model needs more than %d values of activations", maxArena)
			}
			p.shapes[t] = outs[j]
			known[t] = true
		}
		if def.Alias {
			src := n.Inputs[0]
			if p.slot[src] < 0 { // constant input: materialise via a copy kernel instead
				def = OpDef{Compile: compileCopy}
			} else {
				p.slot[n.Outputs[0]] = p.slot[src]
				continue
			}
		}
		k, err := def.Compile(n, in, cs, outs)
		if err != nil {
			return nil, err
		}
		for _, t := range n.Outputs {
			p.slot[t] = newSlot(numel(p.shapes[t]))
		}
		p.steps = append(p.steps, step{k: k, in: n.Inputs, out: n.Outputs})
		p.scratch = max(p.scratch, k.Scratch)
		p.macs += k.MACs
	}
	for _, t := range g.Outputs {
		if !known[t] {
			return nil, fmt.Errorf("%w: output %q is never computed", ErrGraph, g.Tensors[t].Name)
		}
	}
	p.layout(slotSize)
	return p, nil
}

// nonNil keeps scalar shapes distinguishable from absent inputs (nil).
func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func compileCopy(_ *Node, _ [][]int, _ [][]float32, _ [][]int) (Kernel, error) {
	return Kernel{Run: func(in, out [][]float32, _ []float32) { copy(out[0], in[0]) }}, nil
}

// layout assigns arena offsets: a slot lives from the step that writes it to the last step
// that reads it; freed ranges are reused best-fit. Outputs are allocated before the step's
// inputs are freed, so a kernel never writes over its own inputs.
func (p *plan) layout(slotSize []int) {
	ns := len(slotSize)
	last := make([]int, ns) // last step reading each slot
	for i := range last {
		last[i] = -1
	}
	for si, s := range p.steps {
		for _, t := range s.in {
			if t >= 0 && p.slot[t] >= 0 {
				last[p.slot[t]] = si
			}
		}
	}
	end := len(p.steps)
	for _, t := range p.outputs {
		if p.slot[t] >= 0 {
			last[p.slot[t]] = end
		}
	}
	for _, t := range p.inputs {
		if last[p.slot[t]] < 0 {
			last[p.slot[t]] = 0
		}
	}
	type block struct{ off, size int }
	var free []block
	top := 0
	off := make([]int, ns)
	alloc := func(size int) int {
		size = (size + arenaAlign - 1) / arenaAlign * arenaAlign
		best := -1
		for i, b := range free {
			if b.size >= size && (best < 0 || b.size < free[best].size) {
				best = i
			}
		}
		if best < 0 {
			o := top
			top += size
			return o
		}
		b := free[best]
		if b.size == size {
			free = append(free[:best], free[best+1:]...)
		} else {
			free[best] = block{b.off + size, b.size - size}
		}
		return b.off
	}
	release := func(s int) {
		size := (slotSize[s] + arenaAlign - 1) / arenaAlign * arenaAlign
		free = append(free, block{off[s], size})
	}
	done := make([]bool, ns)
	for _, t := range p.inputs {
		s := p.slot[t]
		if !done[s] {
			off[s] = alloc(slotSize[s])
			done[s] = true
		}
	}
	for si, st := range p.steps {
		for _, t := range st.out {
			s := p.slot[t]
			if !done[s] {
				off[s] = alloc(slotSize[s])
				done[s] = true
			}
		}
		freed := map[int]bool{}
		for _, t := range append(append([]int(nil), st.in...), st.out...) {
			if t < 0 || p.slot[t] < 0 {
				continue
			}
			s := p.slot[t]
			if last[s] <= si && !freed[s] {
				freed[s] = true
				release(s)
			}
		}
	}
	p.slotOff = off
	p.slotSize = slotSize
	p.arenaSize = top
}

// view returns tensor t's storage in arena.
func (p *plan) view(arena []float32, t int) []float32 {
	if t < 0 {
		return nil
	}
	if p.consts[t] != nil {
		return p.consts[t]
	}
	s := p.slot[t]
	n := numel(p.shapes[t])
	return arena[p.slotOff[s] : p.slotOff[s]+n : p.slotOff[s]+n]
}

func (p *plan) newState() *runState {
	rs := &runState{arena: make([]float32, p.arenaSize), scratch: make([]float32, p.scratch)}
	rs.ins = make([][][]float32, len(p.steps))
	rs.outs = make([][][]float32, len(p.steps))
	for i, s := range p.steps {
		rs.ins[i] = make([][]float32, len(s.in))
		for j, t := range s.in {
			rs.ins[i][j] = p.view(rs.arena, t)
		}
		rs.outs[i] = make([][]float32, len(s.out))
		for j, t := range s.out {
			rs.outs[i][j] = p.view(rs.arena, t)
		}
	}
	return rs
}

// run executes the plan; steps with a Split run as workers parts (split.go).
func (p *plan) run(inputs []*Tensor, workers int) []*Tensor {
	rs, _ := p.pool.Get().(*runState)
	if rs == nil {
		rs = p.newState()
	}
	for i, t := range p.inputs {
		copy(p.view(rs.arena, t), inputs[i].Data)
	}
	var t *team
	if workers > 1 {
		t = p.startTeam(rs, workers)
	}
	for i := range p.steps {
		p.runStep(rs, i, t)
	}
	if t != nil {
		t.stop()
	}
	outs := make([]*Tensor, len(p.outputs))
	for i, t := range p.outputs {
		src := p.view(rs.arena, t)
		outs[i] = &Tensor{Shape: append([]int(nil), p.shapes[t]...), Data: append([]float32(nil), src...)}
	}
	p.pool.Put(rs)
	return outs
}
