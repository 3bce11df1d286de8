package tfjs

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// graph is model.json resolved: nodes linked by reference, constants attached, and the
// nodes the outputs need in topological order (inputs before users).
type graph struct {
	order   []*node // topological, only nodes reachable from the outputs
	inputs  []*node // Placeholders, in file order
	outputs []ref
}

type node struct {
	name  string
	op    string
	in    []ref
	attr  map[string]attrValue
	value *constTensor // Const only
}

// ref names output index out of node n (TF's "name:out").
type ref struct {
	n   *node
	out int
}

// buildGraph links nodes, attaches constants and orders the graph.
func buildGraph(m *modelFile, weights map[string]*constTensor, cut *Cut) (*graph, error) {
	byName := make(map[string]*node, len(m.ModelTopology.Node))
	nodes := make([]*node, 0, len(m.ModelTopology.Node))
	for i := range m.ModelTopology.Node {
		nd := &m.ModelTopology.Node[i]
		if nd.Name == "" || nd.Op == "" {
			return nil, fmt.Errorf("node %d has no name or op: %w", i, ErrFormat)
		}
		if _, dup := byName[nd.Name]; dup {
			return nil, fmt.Errorf("node %q defined twice: %w", nd.Name, ErrFormat)
		}
		if len(nd.Input) > maxInputs {
			return nil, fmt.Errorf("node %q has %d inputs: %w", nd.Name, len(nd.Input), ErrLimit)
		}
		n := &node{name: nd.Name, op: nd.Op, attr: nd.Attr}
		byName[nd.Name] = n
		nodes = append(nodes, n)
	}
	g := &graph{}
	for i, n := range nodes {
		for _, s := range m.ModelTopology.Node[i].Input {
			if strings.HasPrefix(s, "^") {
				continue // control dependency: no data flows, order is implied by data edges
			}
			r, err := parseRef(s, byName)
			if err != nil {
				return nil, fmt.Errorf("node %q: %w", n.name, err)
			}
			n.in = append(n.in, r)
		}
		switch n.op {
		case "Const":
			t, err := constValue(n, weights)
			if err != nil {
				return nil, err
			}
			n.value = t
		case "Placeholder":
			g.inputs = append(g.inputs, n)
		}
	}
	var outs []ref
	if cut != nil {
		in, err := cut.apply(byName)
		if err != nil {
			return nil, err
		}
		g.inputs = []*node{in}
		for _, name := range cut.Outputs {
			r, err := parseRef(name, byName)
			if err != nil {
				return nil, fmt.Errorf("cut output: %w", err)
			}
			outs = append(outs, r)
		}
	}
	if len(g.inputs) == 0 {
		return nil, fmt.Errorf("graph has no Placeholder input: %w", ErrFormat)
	}
	if outs == nil {
		var err error
		if outs, err = outputRefs(m, nodes, byName); err != nil {
			return nil, err
		}
	}
	g.outputs = outs
	var err error
	if g.order, err = topoOrder(outs); err != nil {
		return nil, err
	}
	return g, nil
}

// parseRef resolves "name", "name:1" (and TF's function form "name:out:1", which graph
// models do not use, is rejected by the lookup).
func parseRef(s string, byName map[string]*node) (ref, error) {
	if n, ok := byName[s]; ok {
		return ref{n: n}, nil
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return ref{}, fmt.Errorf("input %q: no such node: %w", s, ErrFormat)
	}
	n, ok := byName[s[:i]]
	idx, err := strconv.Atoi(s[i+1:])
	if !ok || err != nil || idx < 0 || idx > maxInputs {
		return ref{}, fmt.Errorf("input %q: no such node output: %w", s, ErrFormat)
	}
	return ref{n: n, out: idx}, nil
}

// constValue finds a Const node's data: in the weight shards by node name, or inline.
func constValue(n *node, weights map[string]*constTensor) (*constTensor, error) {
	if t, ok := weights[n.name]; ok {
		return t, nil
	}
	v, ok := n.attr["value"]
	if !ok || v.Tensor == nil {
		return nil, fmt.Errorf("const %q has no value: %w", n.name, ErrFormat)
	}
	tp := v.Tensor
	dims := []int{} // protobuf's JSON mapping omits a scalar's empty shape
	if tp.TensorShape != nil {
		var err error
		if dims, err = shapeDims(tp.TensorShape); err != nil {
			return nil, fmt.Errorf("const %q: %w", n.name, err)
		}
	}
	count, err := numElems(dims)
	if err != nil {
		return nil, fmt.Errorf("const %q: %w", n.name, err)
	}
	// Inline constants are small by construction (the converter moves tensors to the
	// shards); the bound stops a one-value broadcast from declaring gigabytes.
	if count > maxInlineElems {
		return nil, fmt.Errorf("const %q: %d inline elements (max %d): %w", n.name, count, maxInlineElems, ErrLimit)
	}
	t := &constTensor{dims: dims}
	switch tp.Dtype {
	case "DT_FLOAT":
		switch {
		case len(tp.TensorContent) > 0:
			if len(tp.TensorContent) != 4*count {
				return nil, fmt.Errorf("const %q: %d content bytes for %d floats: %w", n.name, len(tp.TensorContent), count, ErrFormat)
			}
			t.f32 = make([]float32, count)
			for i := range t.f32 {
				t.f32[i] = math.Float32frombits(binary.LittleEndian.Uint32(tp.TensorContent[4*i:]))
			}
		case len(tp.FloatVal) == count || len(tp.FloatVal) == 1:
			// A single value is broadcast (protobuf's repeated-last-value rule); bound
			// the allocation by count, which numElems has already capped.
			t.f32 = make([]float32, count)
			for i := range t.f32 {
				t.f32[i] = float32(tp.FloatVal[min(i, len(tp.FloatVal)-1)])
			}
		default:
			return nil, fmt.Errorf("const %q: no data for %d floats: %w", n.name, count, ErrFormat)
		}
	case "DT_INT32", "DT_INT64", "DT_BOOL":
		switch {
		case len(tp.TensorContent) > 0 && tp.Dtype == "DT_INT32":
			if len(tp.TensorContent) != 4*count {
				return nil, fmt.Errorf("const %q: %d content bytes for %d ints: %w", n.name, len(tp.TensorContent), count, ErrFormat)
			}
			t.i32 = make([]int32, count)
			for i := range t.i32 {
				t.i32[i] = int32(binary.LittleEndian.Uint32(tp.TensorContent[4*i:]))
			}
		case len(tp.IntVal) == count || len(tp.IntVal) == 1:
			t.i32 = make([]int32, count)
			for i := range t.i32 {
				t.i32[i] = int32(tp.IntVal[min(i, len(tp.IntVal)-1)])
			}
		default:
			return nil, fmt.Errorf("const %q: no data for %d ints: %w", n.name, count, ErrFormat)
		}
	default:
		return nil, fmt.Errorf("const %q: dtype %s: %w", n.name, tp.Dtype, ErrUnsupported)
	}
	return t, nil
}

// outputRefs takes the outputs from the signature, in file order (TF.js returns them in
// that order), or else every non-Const node nothing consumes, in node order.
func outputRefs(m *modelFile, nodes []*node, byName map[string]*node) ([]ref, error) {
	var outs []ref
	if m.Signature != nil && len(m.Signature.Outputs) > 0 {
		for _, ti := range m.Signature.Outputs {
			r, err := parseRef(ti.Name, byName)
			if err != nil {
				return nil, fmt.Errorf("signature output: %w", err)
			}
			outs = append(outs, r)
		}
		return outs, nil
	}
	used := make(map[*node]bool, len(nodes))
	for _, n := range nodes {
		for _, r := range n.in {
			used[r.n] = true
		}
	}
	for _, n := range nodes {
		if !used[n] && n.op != "Const" && n.op != "Placeholder" {
			outs = append(outs, ref{n: n})
		}
	}
	if len(outs) == 0 {
		return nil, fmt.Errorf("graph has no outputs: %w", ErrFormat)
	}
	return outs, nil
}

// topoOrder lists the nodes the outputs depend on, dependencies first, with an iterative
// depth-first search so deep or cyclic hostile graphs neither overflow nor loop.
func topoOrder(outs []ref) ([]*node, error) {
	const (
		unseen = iota
		active
		done
	)
	state := map[*node]int{}
	var order []*node
	type frame struct {
		n    *node
		next int
	}
	for _, o := range outs {
		if state[o.n] == done {
			continue
		}
		stack := []frame{{n: o.n}}
		state[o.n] = active
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.next < len(f.n.in) {
				c := f.n.in[f.next].n
				f.next++
				switch state[c] {
				case active:
					return nil, fmt.Errorf("cycle through node %q: %w", c.name, ErrFormat)
				case unseen:
					state[c] = active
					stack = append(stack, frame{n: c})
				}
				continue
			}
			state[f.n] = done
			order = append(order, f.n)
			stack = stack[:len(stack)-1]
		}
	}
	return order, nil
}

// orderedOutputs decodes a JSON object of tensorInfo keeping the key order, since map
// iteration would shuffle the model's outputs.
type orderedOutputs []tensorInfo

func (o *orderedOutputs) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("signature outputs: want an object: %w", ErrFormat)
	}
	for dec.More() {
		if _, err := dec.Token(); err != nil { // key
			return err
		}
		var ti tensorInfo
		if err := dec.Decode(&ti); err != nil {
			return err
		}
		*o = append(*o, ti)
	}
	_, err = dec.Token()
	return err
}
