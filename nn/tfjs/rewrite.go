package tfjs

// Graph rewrites on the TF graph before conversion, for patterns the TF.js converter leaves
// unfused (faceres, a Keras MobileNet exported without folding):
//
//   - Mul(conv(x, w), c) with a per-output-channel constant c: the scale is folded into w
//     (batch-norm scale after a depthwise convolution).
//   - Maximum(Minimum(y, 6), 0) (Keras clip_by_value) is Relu6(y), and Relu6(Relu(x)) is
//     Relu6(x), so the whole ReLU → clip chain becomes one Relu6 the planner can fuse into
//     the convolution before it.
//   - A depthwise convolution followed by Add of a per-channel constant, then Relu or
//     Relu6, becomes one FusedDepthwiseConv2dNative (the importer maps depthwise layers to
//     nn's direct kernel, which the planner's own fusions do not cover).
//
// Rewritten nodes keep their names; nodes left unused drop out when the graph is reordered.

// rewrite applies the rewrites and recomputes the topological order.
func rewrite(g *graph) error {
	uses := map[*node]int{}
	for _, n := range g.order {
		for _, r := range n.in {
			uses[r.n]++
		}
	}
	for _, o := range g.outputs {
		uses[o.n]++
	}
	for _, n := range g.order {
		switch n.op {
		case "Mul":
			foldScale(n, uses)
		case "Maximum":
			clipToRelu6(n, uses)
		}
		switch n.op { // after the rewrites above, which may have made n one of these
		case "Add", "AddV2", "BiasAdd":
			fuseDepthwiseBias(n, uses)
		case "Relu", "Relu6":
			fuseDepthwiseAct(n, uses)
		}
	}
	order, err := topoOrder(g.outputs)
	if err != nil {
		return err
	}
	g.order = order
	return nil
}

// constInput returns the constant behind r (through Identity nodes), or nil.
func constInput(r ref) *constTensor {
	for r.n.op == "Identity" && len(r.n.in) == 1 {
		r = r.n.in[0]
	}
	if r.n.op != "Const" || r.out != 0 {
		return nil
	}
	return r.n.value
}

// isScalar reports whether t is a single float equal to v.
func isScalar(t *constTensor, v float32) bool {
	return t != nil && len(t.f32) == 1 && t.f32[0] == v
}

// foldScale rewrites n = Mul(conv(x, w), c) into conv(x, w*c).
func foldScale(n *node, uses map[*node]int) {
	if len(n.in) != 2 {
		return
	}
	for s := 0; s < 2; s++ {
		p, c := n.in[s], constInput(n.in[1-s])
		if c == nil || c.f32 == nil || p.out != 0 || uses[p.n] != 1 || len(p.n.in) != 2 {
			continue
		}
		if p.n.op != "Conv2D" && p.n.op != "DepthwiseConv2dNative" {
			continue
		}
		w := constInput(p.n.in[1])
		if w == nil || w.f32 == nil || len(w.dims) != 4 {
			continue
		}
		oc := w.dims[3]
		if p.n.op == "DepthwiseConv2dNative" {
			oc *= w.dims[2]
		}
		// c must broadcast along the channel axis only: [oc], [1,1,1,oc], ...
		if len(c.f32) != oc {
			continue
		}
		for _, d := range c.dims[:max(len(c.dims)-1, 0)] {
			if d != 1 {
				oc = -1
			}
		}
		if oc < 0 || len(c.dims) > 4 {
			continue
		}
		// In HWIO and HWCM alike the output channel is the fastest index modulo oc.
		scaled := make([]float32, len(w.f32))
		for i, v := range w.f32 {
			scaled[i] = v * c.f32[i%oc]
		}
		filt := &node{name: p.n.in[1].n.name + "/scaled_by/" + n.name, op: "Const",
			value: &constTensor{dims: w.dims, f32: scaled}}
		n.op, n.attr = p.n.op, p.n.attr
		n.in = []ref{p.n.in[0], {n: filt}}
		return
	}
}

// clipToRelu6 rewrites Maximum(Minimum(y, 6), 0) to Relu6(y), skipping a Relu feeding y.
func clipToRelu6(n *node, uses map[*node]int) {
	if len(n.in) != 2 {
		return
	}
	for s := 0; s < 2; s++ {
		m := n.in[s]
		if !isScalar(constInput(n.in[1-s]), 0) || m.n.op != "Minimum" || m.out != 0 || uses[m.n] != 1 || len(m.n.in) != 2 {
			continue
		}
		for t := 0; t < 2; t++ {
			y := m.n.in[t]
			if !isScalar(constInput(m.n.in[1-t]), 6) {
				continue
			}
			if y.n.op == "Relu" && y.out == 0 && uses[y.n] == 1 && len(y.n.in) == 1 {
				y = y.n.in[0]
			}
			n.op, n.attr, n.in = "Relu6", nil, []ref{y}
			return
		}
	}
}

// fuseDepthwiseBias rewrites Add(depthwise(x, w), b) with b per-channel into
// FusedDepthwiseConv2dNative(x, w, b) with fused_ops [BiasAdd].
func fuseDepthwiseBias(n *node, uses map[*node]int) {
	if len(n.in) != 2 {
		return
	}
	for s := 0; s < 2; s++ {
		p, b := n.in[s], constInput(n.in[1-s])
		if b == nil || b.f32 == nil || p.out != 0 || uses[p.n] != 1 || len(p.n.in) != 2 || p.n.op != "DepthwiseConv2dNative" {
			continue
		}
		w := constInput(p.n.in[1])
		if w == nil || len(w.dims) != 4 || len(b.f32) != w.dims[2]*w.dims[3] || (len(b.dims) != 1 && len(b.dims) != 4) {
			continue
		}
		attr := make(map[string]attrValue, len(p.n.attr)+1)
		for k, v := range p.n.attr {
			attr[k] = v
		}
		attr["fused_ops"] = attrValue{List: &listValue{S: [][]byte{[]byte("BiasAdd")}}}
		n.op, n.attr = "FusedDepthwiseConv2dNative", attr
		n.in = []ref{p.n.in[0], p.n.in[1], n.in[1-s]}
		return
	}
}

// fuseDepthwiseAct rewrites Relu/Relu6 of a FusedDepthwiseConv2dNative that has only a
// BiasAdd into the fused op.
func fuseDepthwiseAct(n *node, uses map[*node]int) {
	if len(n.in) != 1 {
		return
	}
	p := n.in[0]
	if p.out != 0 || uses[p.n] != 1 || p.n.op != "FusedDepthwiseConv2dNative" {
		return
	}
	ops, err := p.n.attrStrings("fused_ops")
	if err != nil || len(ops) != 1 || ops[0] != "BiasAdd" {
		return
	}
	attr := make(map[string]attrValue, len(p.n.attr))
	for k, v := range p.n.attr {
		attr[k] = v
	}
	attr["fused_ops"] = attrValue{List: &listValue{S: [][]byte{[]byte("BiasAdd"), []byte(n.op)}}}
	n.op, n.attr, n.in = p.n.op, attr, p.n.in
}
