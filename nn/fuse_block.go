package nn

// fuseBlocks turns fuseDWBlock and fuseConvPair on (tests and benchmarks compare with the
// unfused ops).
var fuseBlocks = true

// fuseDWBlock rewrites Add(Conv1x1(Depthwise(x)), r) into OpDWBlock (op_dwblock.go) where
// neither convolution has an activation of its own, each intermediate has one reader and
// the depthwise filter has multiplier 1 in its shape.
func fuseDWBlock(g *Graph) {
	if !fuseBlocks {
		return
	}
	prod := producers(g)
	cons := consumers(g)
	// from returns the single-reader producer of t when it is one of ops, with no activation.
	from := func(t int, ops ...Op) *Node {
		if t < 0 || prod[t] < 0 || cons[t] != 1 {
			return nil
		}
		n := &g.Nodes[prod[t]]
		if n.Attrs.Act != ActNone || len(n.Outputs) != 1 || len(n.Inputs) < 2 || len(n.Inputs) > 3 {
			return nil
		}
		for _, op := range ops {
			if n.Op == op {
				return n
			}
		}
		return nil
	}
	constShape := func(t int) []int {
		if t < 0 || g.Tensors[t].Data == nil {
			return nil
		}
		return g.Tensors[t].Shape
	}
	opt := func(n *Node, i int) int {
		if len(n.Inputs) > i {
			return n.Inputs[i]
		}
		return -1
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Op != OpAdd || len(n.Inputs) != 2 || len(n.Outputs) != 1 {
			continue
		}
		for s := 0; s < 2; s++ {
			pw := from(n.Inputs[s], OpConv2D, OpTFJSConv1x1)
			if pw == nil {
				continue
			}
			pws := constShape(pw.Inputs[1])
			st := pw.Attrs
			if len(pws) != 4 || pws[1] != 1 || pws[2] != 1 || one(st.Strides[0]) != 1 || one(st.Strides[1]) != 1 ||
				(st.Padding == PadExplicit && st.Pads != [4]int{}) {
				continue
			}
			dw := from(pw.Inputs[0], OpDepthwiseConv2D, OpTFJSDepthwise)
			if dw == nil {
				continue
			}
			if dws := constShape(dw.Inputs[1]); len(dws) != 4 || dws[0] != 1 || dws[3] != pws[3] {
				continue
			}
			attrs := dw.Attrs
			attrs.Act, attrs.Alpha = n.Attrs.Act, n.Attrs.Alpha
			ins := []int{dw.Inputs[0], dw.Inputs[1], opt(dw, 2), pw.Inputs[1], opt(pw, 2), n.Inputs[1-s]}
			*n = Node{Name: n.Name, Op: OpDWBlock, Inputs: ins, Outputs: n.Outputs, Attrs: attrs}
			break
		}
	}
}
