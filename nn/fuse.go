package nn

// Operator fusion on a sorted, constant-folded graph. Each pass rewrites the node that ends a
// pattern; nodes left without consumers are removed by pruneDead.

func fuse(g *Graph) {
	fusePRelu(g)
	pruneDead(g)
	fuseRelu6(g)
	pruneDead(g)
	fuseSoftmax(g)
	pruneDead(g)
	fuseBias(g)
	pruneDead(g)
	fuseActivation(g)
	pruneDead(g)
	fuseDWBlock(g)
	pruneDead(g)
	fuseConvPair(g)
}

// producers maps tensor -> node index (-1 for none).
func producers(g *Graph) []int {
	p := make([]int, len(g.Tensors))
	for i := range p {
		p[i] = -1
	}
	for i, n := range g.Nodes {
		for _, t := range n.Outputs {
			p[t] = i
		}
	}
	return p
}

// consumers counts the readers of each tensor; graph outputs count as a reader.
func consumers(g *Graph) []int {
	c := make([]int, len(g.Tensors))
	for _, n := range g.Nodes {
		for _, t := range n.Inputs {
			if t >= 0 {
				c[t]++
			}
		}
	}
	for _, t := range g.Outputs {
		c[t]++
	}
	return c
}

// fusePRelu rewrites relu(x) + a*(x - |x|) (alpha = 2a; MobileFaceNet, TF.js) and
// relu(x) + a*(-relu(-x)) (alpha = a; MTCNN) to PRelu(x, alpha).
func fusePRelu(g *Graph) {
	prod := producers(g)
	node := func(t int, op Op) *Node {
		if t < 0 || prod[t] < 0 || g.Nodes[prod[t]].Op != op || g.Nodes[prod[t]].Attrs.Act != ActNone {
			return nil
		}
		return &g.Nodes[prod[t]]
	}
	// negPart recognises s = x - |x| (returns x, scale 2) or s = -relu(-x) (x, scale 1).
	negPart := func(s int) (int, float32) {
		if sub := node(s, OpSub); sub != nil && len(sub.Inputs) == 2 {
			if abs := node(sub.Inputs[1], OpAbs); abs != nil && abs.Inputs[0] == sub.Inputs[0] {
				return sub.Inputs[0], 2
			}
		}
		if neg := node(s, OpNeg); neg != nil {
			if r := node(neg.Inputs[0], OpRelu); r != nil {
				if neg2 := node(r.Inputs[0], OpNeg); neg2 != nil {
					return neg2.Inputs[0], 1
				}
			}
		}
		return -1, 0
	}
	// scaled recognises t = c1*(c2*(...*s)) with constant factors; returns s and the product.
	var scaled func(t int, depth int) (int, []float32, []int)
	scaled = func(t int, depth int) (int, []float32, []int) {
		mul := node(t, OpMul)
		if mul == nil || len(mul.Inputs) != 2 || depth > 3 {
			return t, []float32{1}, nil
		}
		a, b := mul.Inputs[0], mul.Inputs[1]
		if g.Tensors[b].Data != nil {
			a, b = b, a
		}
		if g.Tensors[a].Data == nil || g.Tensors[b].Data != nil {
			return t, []float32{1}, nil
		}
		inner, f, fs := scaled(b, depth+1)
		c := g.Tensors[a]
		prodv, shape, ok := mulConsts(c.Data, c.Shape, f, fs)
		if !ok {
			return t, []float32{1}, nil
		}
		return inner, prodv, shape
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Op != OpAdd || n.Attrs.Act != ActNone || len(n.Inputs) != 2 {
			continue
		}
		for swap := 0; swap < 2; swap++ {
			r, m := n.Inputs[swap], n.Inputs[1-swap]
			relu := node(r, OpRelu)
			if relu == nil {
				continue
			}
			s, alpha, ashape := scaled(m, 0)
			if s == m {
				continue
			}
			x, k := negPart(s)
			if x < 0 || x != relu.Inputs[0] {
				continue
			}
			a := make([]float32, len(alpha))
			for j, v := range alpha {
				a[j] = v * k
			}
			if ashape == nil {
				ashape = []int{}
			}
			at := g.AddTensor(n.Name+"/prelu_alpha", ashape, a)
			*n = Node{Name: n.Name, Op: OpPRelu, Inputs: []int{x, at}, Outputs: n.Outputs}
			break
		}
	}
}

// mulConsts multiplies two constants where one is a scalar or both have the same length.
func mulConsts(a []float32, as []int, b []float32, bs []int) ([]float32, []int, bool) {
	switch {
	case len(b) == 1:
		out := make([]float32, len(a))
		for i, v := range a {
			out[i] = v * b[0]
		}
		return out, as, true
	case len(a) == 1:
		out := make([]float32, len(b))
		for i, v := range b {
			out[i] = v * a[0]
		}
		return out, bs, true
	case len(a) == len(b):
		out := make([]float32, len(a))
		for i := range a {
			out[i] = a[i] * b[i]
		}
		return out, as, true
	}
	return nil, nil, false
}

// fuseRelu6 rewrites Minimum(Maximum(x, 0), 6) and Minimum(Relu(x), 6) to Relu6(x).
func fuseRelu6(g *Graph) {
	prod := producers(g)
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Op != OpMinimum || len(n.Inputs) != 2 {
			continue
		}
		for swap := 0; swap < 2; swap++ {
			y, c := n.Inputs[swap], n.Inputs[1-swap]
			if v, ok := constScalar(g, c); !ok || v != 6 || prod[y] < 0 {
				continue
			}
			p := &g.Nodes[prod[y]]
			x := -1
			switch {
			case p.Op == OpRelu:
				x = p.Inputs[0]
			case p.Op == OpMaximum && len(p.Inputs) == 2:
				for s := 0; s < 2; s++ {
					if v, ok := constScalar(g, p.Inputs[1-s]); ok && v == 0 && g.Tensors[p.Inputs[s]].Data == nil {
						x = p.Inputs[s]
					}
				}
			}
			if x >= 0 {
				*n = Node{Name: n.Name, Op: OpRelu6, Inputs: []int{x}, Outputs: n.Outputs}
				break
			}
		}
	}
}

func isLinearOp(op Op) bool {
	return op == OpConv2D || op == OpDepthwiseConv2D || op == OpFullyConnected
}

// outChannels is the number of output channels of a conv, depthwise or FC node.
func outChannels(g *Graph, n *Node) int {
	w := g.Tensors[n.Inputs[1]]
	if w.Data == nil || len(w.Shape) == 0 {
		return -1
	}
	if n.Op == OpDepthwiseConv2D {
		return w.Shape[len(w.Shape)-1]
	}
	return w.Shape[0]
}

// fuseBias folds y = Add(linear(x), b) with a constant per-channel b into the op's bias.
func fuseBias(g *Graph) {
	prod := producers(g)
	cons := consumers(g)
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Op != OpAdd || n.Attrs.Act != ActNone || len(n.Inputs) != 2 {
			continue
		}
		for swap := 0; swap < 2; swap++ {
			y, b := n.Inputs[swap], n.Inputs[1-swap]
			if prod[y] < 0 || g.Tensors[b].Data == nil || cons[y] != 1 {
				continue
			}
			l := &g.Nodes[prod[y]]
			if !isLinearOp(l.Op) || l.Attrs.Act != ActNone || len(l.Outputs) != 1 {
				continue
			}
			oc := outChannels(g, l)
			bd := g.Tensors[b]
			if oc <= 0 || len(bd.Data) != oc || (len(bd.Shape) > 0 && bd.Shape[len(bd.Shape)-1] != oc) {
				continue
			}
			bias := make([]float32, oc)
			copy(bias, bd.Data)
			if len(l.Inputs) > 2 && l.Inputs[2] >= 0 {
				old := g.Tensors[l.Inputs[2]].Data
				if len(old) != oc {
					continue
				}
				for j := range bias {
					bias[j] += old[j]
				}
			}
			bt := g.AddTensor(l.Name+"/fused_bias", []int{oc}, bias)
			ins := append([]int(nil), l.Inputs...)
			for len(ins) < 3 {
				ins = append(ins, -1)
			}
			ins[2] = bt
			l.Inputs = ins
			l.Outputs = n.Outputs
			n.Op, n.Inputs, n.Outputs = OpIdentity, nil, nil // removed below
			break
		}
	}
	dropEmpty(g)
}

// fuseActivation moves an activation that is a linear op's only consumer into the op.
func fuseActivation(g *Graph) {
	prod := producers(g)
	cons := consumers(g)
	for i := range g.Nodes {
		n := &g.Nodes[i]
		var act Activation
		switch n.Op {
		case OpRelu:
			act = ActRelu
		case OpRelu6:
			act = ActRelu6
		case OpReluN1To1:
			act = ActReluN1To1
		case OpTanh:
			act = ActTanh
		case OpSigmoid:
			act = ActSigmoid
		case OpLeakyRelu:
			act = ActLeakyRelu
		case OpPRelu:
			act = ActPRelu
		default:
			continue
		}
		y := n.Inputs[0]
		if y < 0 || prod[y] < 0 || cons[y] != 1 {
			continue
		}
		l := &g.Nodes[prod[y]]
		if l.Attrs.Act != ActNone || len(l.Outputs) != 1 {
			continue
		}
		if (l.Op == OpAdd || l.Op == OpSub || l.Op == OpMul) && act != ActPRelu {
			l.Attrs.Act, l.Attrs.Alpha = act, n.Attrs.Alpha // residual add + activation
			l.Outputs = n.Outputs
			n.Op, n.Inputs, n.Outputs = OpIdentity, nil, nil
			continue
		}
		if !isLinearOp(l.Op) {
			continue
		}
		ins := append([]int(nil), l.Inputs...)
		for len(ins) < 3 {
			ins = append(ins, -1)
		}
		if act == ActPRelu {
			if len(n.Inputs) != 2 || n.Inputs[1] < 0 {
				continue
			}
			a := g.Tensors[n.Inputs[1]]
			oc := outChannels(g, l)
			if a.Data == nil || (len(a.Data) != oc && len(a.Data) != 1) ||
				(len(a.Data) == oc && len(a.Shape) > 0 && a.Shape[len(a.Shape)-1] != oc) {
				continue
			}
			ins = append(ins[:3], n.Inputs[1])
		}
		l.Inputs = ins
		l.Attrs.Act = act
		l.Attrs.Alpha = n.Attrs.Alpha
		l.Outputs = n.Outputs
		n.Op, n.Inputs, n.Outputs = OpIdentity, nil, nil
	}
	dropEmpty(g)
}

// dropEmpty removes nodes emptied by a fusion.
func dropEmpty(g *Graph) {
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if len(n.Outputs) > 0 {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
}

// fuseSoftmax rewrites exp(x - max(x)) / sum(exp(x - max(x))) over the last axis (MTCNN's
// decomposed softmax) to Softmax(x).
func fuseSoftmax(g *Graph) {
	prod := producers(g)
	get := func(t int, op Op) *Node {
		if t < 0 || prod[t] < 0 || g.Nodes[prod[t]].Op != op || g.Nodes[prod[t]].Attrs.Act != ActNone {
			return nil
		}
		return &g.Nodes[prod[t]]
	}
	lastAxis := func(r *Node, x int) bool {
		rank := len(g.Tensors[x].Shape)
		if !r.Attrs.KeepDims || rank == 0 || len(r.Inputs) != 2 || r.Inputs[1] < 0 {
			return false
		}
		ax := g.Tensors[r.Inputs[1]].Data
		return len(ax) == 1 && (int(ax[0]) == -1 || int(ax[0]) == rank-1)
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Op != OpDiv || n.Attrs.Act != ActNone || len(n.Inputs) != 2 {
			continue
		}
		exp, sum := get(n.Inputs[0], OpExp), get(n.Inputs[1], OpReduceSum)
		if exp == nil || sum == nil || sum.Inputs[0] != n.Inputs[0] {
			continue
		}
		sub := get(exp.Inputs[0], OpSub)
		if sub == nil || len(sub.Inputs) != 2 {
			continue
		}
		mx := get(sub.Inputs[1], OpReduceMax)
		x := sub.Inputs[0]
		if mx == nil || mx.Inputs[0] != x || !lastAxis(mx, x) || !lastAxis(sum, x) {
			continue
		}
		*n = Node{Name: n.Name, Op: OpSoftmax, Inputs: []int{x}, Outputs: n.Outputs}
	}
}
