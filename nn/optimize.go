package nn

import (
	"fmt"
	"math"
)

// maxFoldElems bounds constant folding so a hostile graph cannot make load-time allocations
// explode.
const maxFoldElems = 1 << 26

// optimize returns a validated, topologically sorted, folded and fused copy of g.
func optimize(g *Graph) (*Graph, error) {
	if err := validate(g); err != nil {
		return nil, err
	}
	og := &Graph{
		Tensors: append([]TensorDef(nil), g.Tensors...),
		Inputs:  append([]int(nil), g.Inputs...),
		Outputs: append([]int(nil), g.Outputs...),
	}
	for _, n := range g.Nodes {
		n.Inputs = append([]int(nil), n.Inputs...)
		n.Outputs = append([]int(nil), n.Outputs...)
		n.memo = nil
		og.Nodes = append(og.Nodes, n)
	}
	if err := topoSort(og); err != nil {
		return nil, err
	}
	for i := range og.Nodes {
		if !Registered(og.Nodes[i].Op) {
			return nil, fmt.Errorf("%w: op %s (node %q)", ErrUnsupported, og.Nodes[i].Op, og.Nodes[i].Name)
		}
	}
	if err := foldConstants(og); err != nil {
		return nil, err
	}
	fuse(og)
	pruneDead(og)
	return og, nil
}

// validate checks indices and single assignment without trusting anything in g.
func validate(g *Graph) error {
	nt := len(g.Tensors)
	producer := make([]int, nt)
	for i := range producer {
		producer[i] = -1
	}
	for _, t := range g.Tensors {
		if t.Data == nil {
			continue
		}
		want := 1
		for _, d := range t.Shape {
			if d < 0 || (d > 0 && want > maxFoldElems/d) {
				return fmt.Errorf("%w: constant %q has shape %v", ErrGraph, t.Name, t.Shape)
			}
			want *= d
		}
		if len(t.Data) != want {
			return fmt.Errorf("%w: constant %q has %d values for shape %v", ErrGraph, t.Name, len(t.Data), t.Shape)
		}
	}
	if len(g.Inputs) == 0 || len(g.Outputs) == 0 {
		return fmt.Errorf("%w: graph needs inputs and outputs", ErrGraph)
	}
	for _, t := range g.Inputs {
		if t < 0 || t >= nt {
			return fmt.Errorf("%w: input index %d out of range", ErrGraph, t)
		}
		if g.Tensors[t].Data != nil {
			return fmt.Errorf("%w: input %q is a constant", ErrGraph, g.Tensors[t].Name)
		}
		for _, d := range g.Tensors[t].Shape {
			if d == 0 || d < -1 || d > 1<<24 {
				return fmt.Errorf("%w: input %q has shape %v", ErrGraph, g.Tensors[t].Name, g.Tensors[t].Shape)
			}
		}
	}
	for i, n := range g.Nodes {
		if len(n.Outputs) == 0 {
			return fmt.Errorf("%w: node %q has no outputs", ErrGraph, n.Name)
		}
		for _, t := range n.Inputs {
			if t < -1 || t >= nt {
				return fmt.Errorf("%w: node %q reads tensor %d out of range", ErrGraph, n.Name, t)
			}
		}
		for _, t := range n.Outputs {
			if t < 0 || t >= nt {
				return fmt.Errorf("%w: node %q writes tensor %d out of range", ErrGraph, n.Name, t)
			}
			if producer[t] >= 0 || g.Tensors[t].Data != nil {
				return fmt.Errorf("%w: tensor %q is written twice or is a constant", ErrGraph, g.Tensors[t].Name)
			}
			producer[t] = i
		}
	}
	for _, t := range g.Inputs {
		if producer[t] >= 0 {
			return fmt.Errorf("%w: input %q is written by a node", ErrGraph, g.Tensors[t].Name)
		}
	}
	for _, t := range g.Outputs {
		if t < 0 || t >= nt {
			return fmt.Errorf("%w: output index %d out of range", ErrGraph, t)
		}
	}
	return nil
}

// topoSort orders g.Nodes so every node follows the producers of its inputs (Kahn).
func topoSort(g *Graph) error {
	nt := len(g.Tensors)
	producer := make([]int, nt)
	for i := range producer {
		producer[i] = -1
	}
	for i, n := range g.Nodes {
		for _, t := range n.Outputs {
			producer[t] = i
		}
	}
	indeg := make([]int, len(g.Nodes))
	users := make([][]int, len(g.Nodes))
	for i, n := range g.Nodes {
		for _, t := range n.Inputs {
			if t >= 0 && producer[t] >= 0 {
				indeg[i]++
				users[producer[t]] = append(users[producer[t]], i)
			}
		}
	}
	var queue []int
	for i, d := range indeg {
		if d == 0 {
			queue = append(queue, i)
		}
	}
	order := make([]Node, 0, len(g.Nodes))
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		order = append(order, g.Nodes[i])
		for _, u := range users[i] {
			if indeg[u]--; indeg[u] == 0 {
				queue = append(queue, u)
			}
		}
	}
	if len(order) != len(g.Nodes) {
		return fmt.Errorf("%w: the graph has a cycle", ErrGraph)
	}
	g.Nodes = order
	return nil
}

// foldConstants evaluates every node whose inputs are all constant and replaces its outputs
// by constants (TFLite DEQUANTIZE of float16 weights, shape arithmetic in TF.js graphs).
func foldConstants(g *Graph) error {
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		allConst := true
		for _, t := range n.Inputs {
			if t >= 0 && g.Tensors[t].Data == nil {
				allConst = false
				break
			}
		}
		if !allConst {
			kept = append(kept, n)
			continue
		}
		if err := evalConst(g, &n); err != nil {
			return err
		}
	}
	g.Nodes = kept
	return nil
}

func evalConst(g *Graph, n *Node) error {
	def, _ := lookup(n.Op)
	in := make([][]int, len(n.Inputs))
	cs := make([][]float32, len(n.Inputs))
	for j, t := range n.Inputs {
		if t >= 0 {
			in[j] = nonNil(g.Tensors[t].Shape)
			cs[j] = g.Tensors[t].Data
		}
	}
	outs, err := def.Infer(n, in, cs)
	if err != nil {
		return err
	}
	if len(outs) != len(n.Outputs) {
		return fmt.Errorf("%w: node %q: %d outputs inferred, %d declared", ErrGraph, n.Name, len(outs), len(n.Outputs))
	}
	bufs := make([][]float32, len(outs))
	for j, s := range outs {
		sz := numelChecked(s)
		if sz == 0 && len(s) > 0 || sz > maxFoldElems {
			return shapeErr(n, "constant output shape %v is empty or too large", s)
		}
		bufs[j] = make([]float32, max(sz, 1))
	}
	if def.Alias {
		copy(bufs[0], cs[0])
	} else {
		k, err := def.Compile(n, in, cs, outs)
		if err != nil {
			return err
		}
		k.Run(cs, bufs, make([]float32, k.Scratch))
	}
	for j, t := range n.Outputs {
		g.Tensors[t].Shape = outs[j]
		g.Tensors[t].Data = bufs[j]
	}
	return nil
}

// pruneDead drops nodes none of whose outputs reach a graph output.
func pruneDead(g *Graph) {
	needed := make([]bool, len(g.Tensors))
	for _, t := range g.Outputs {
		needed[t] = true
	}
	keep := make([]bool, len(g.Nodes))
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		for _, t := range g.Nodes[i].Outputs {
			if needed[t] {
				keep[i] = true
			}
		}
		if keep[i] {
			for _, t := range g.Nodes[i].Inputs {
				if t >= 0 {
					needed[t] = true
				}
			}
		}
	}
	kept := g.Nodes[:0]
	for i, n := range g.Nodes {
		if keep[i] {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
}

// constScalar returns the value of a constant tensor whose elements are all equal.
func constScalar(g *Graph, t int) (float32, bool) {
	if t < 0 || g.Tensors[t].Data == nil || len(g.Tensors[t].Data) == 0 {
		return 0, false
	}
	d := g.Tensors[t].Data
	for _, v := range d[1:] {
		if v != d[0] {
			return 0, false
		}
	}
	return d[0], !math.IsNaN(float64(d[0]))
}
