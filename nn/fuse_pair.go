package nn

// fuseConvPair rewrites two 1x1 stride-1 convolutions of the same input with the same
// activation (none or ReLU) and at most 16 outputs together into OpConvPair
// (op_convpair.go). The first node takes both; the second is dropped.
func fuseConvPair(g *Graph) {
	if !fuseBlocks {
		return
	}
	ok := func(n *Node) bool {
		if n.Op != OpConv2D || len(n.Outputs) != 1 || len(n.Inputs) < 2 || len(n.Inputs) > 3 ||
			(n.Attrs.Act != ActNone && n.Attrs.Act != ActRelu) {
			return false
		}
		w := g.Tensors[n.Inputs[1]]
		a := n.Attrs
		return w.Data != nil && len(w.Shape) == 4 && w.Shape[1] == 1 && w.Shape[2] == 1 &&
			one(a.Strides[0]) == 1 && one(a.Strides[1]) == 1 && (a.Padding != PadExplicit || a.Pads == [4]int{})
	}
	opt := func(n *Node) int {
		if len(n.Inputs) > 2 {
			return n.Inputs[2]
		}
		return -1
	}
	changed := false
	for i := range g.Nodes {
		a := &g.Nodes[i]
		if !ok(a) {
			continue
		}
		for j := i + 1; j < len(g.Nodes); j++ {
			b := &g.Nodes[j]
			if !ok(b) || b.Inputs[0] != a.Inputs[0] || b.Attrs.Act != a.Attrs.Act {
				continue
			}
			wa, wb := g.Tensors[a.Inputs[1]].Shape, g.Tensors[b.Inputs[1]].Shape
			if wa[3] != wb[3] || wa[0]+wb[0] > 16 {
				continue
			}
			*a = Node{Name: a.Name, Op: OpConvPair, Inputs: []int{a.Inputs[0], a.Inputs[1], opt(a), b.Inputs[1], opt(b)},
				Outputs: []int{a.Outputs[0], b.Outputs[0]}, Attrs: Attrs{Act: a.Attrs.Act}}
			b.Outputs = nil
			changed = true
			break
		}
	}
	if changed {
		dropEmpty(g)
	}
}
