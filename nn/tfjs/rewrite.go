package tfjs

import "math"

// Graph rewrites on the TF graph before conversion, for patterns the TF.js converter leaves
// unfused (faceres, a Keras MobileNet exported without folding):
//
//   - Mul(conv(x, w), c) with a per-output-channel constant c: the scale is folded into w
//     (batch-norm scale after a depthwise convolution).
//   - Maximum(Minimum(y, 6), 0) (Keras clip_by_value) is Relu6(y), and Relu6(Relu(x)) is
//     Relu6(x), so the whole ReLU → clip chain becomes one Relu6 the planner can fuse into
//     the convolution before it.
//   - x + c*(x - |x|) where x is already ReLU'd is x (mobilefacenet: the converter fused the
//     relu(x) half of a PReLU into the depthwise op, leaving the negative half on a
//     non-negative input, where it is exactly zero).
//   - Relu(Add(a, b)) (residual blocks) becomes one add with the activation applied on the
//     way out (op "wajah.AddRelu", converted to nn's Add with Attrs.Act).
//   - relu(x) + c*(x - |x|) is Prelu(x, 2c) (mobilefacenet), and a Prelu after a
//     _FusedConv2D with only a BiasAdd joins its fused_ops.
//   - Reshape(x, Pack(StridedSlice(Shape(x), [0], [1], [1]), c1, c2, ...)), Keras's reshape
//     that keeps the batch dimension (facemesh-detection), becomes Reshape(x, [0, c1,
//     c2, ...]) with a constant shape (0: the input's batch), since nn has no shape
//     arithmetic at run time.
//   - A depthwise convolution followed by Add of a per-channel constant, then Relu or
//     Relu6, becomes one FusedDepthwiseConv2dNative (the importer maps depthwise layers to
//     nn's direct kernel, which the planner's own fusions do not cover).
//
// Rewritten nodes keep their names; nodes left unused drop out when the graph is reordered.

// rewrite applies the rewrites, one kind per pass over the live graph, and recomputes the
// topological order.
func rewrite(g *graph) error {
	passes := []func(n *node, uses map[*node]int){
		func(n *node, uses map[*node]int) {
			switch n.op {
			case "Mul":
				foldScale(n, uses)
			case "Maximum":
				clipToRelu6(n, uses)
			case "Add", "AddV2":
				dropZeroNegPart(n)
				preluPattern(n, uses)
			}
		},
		func(n *node, uses map[*node]int) {
			if n.op == "Reshape" {
				constBatchReshape(n)
			}
			if n.op == "Add" || n.op == "AddV2" || n.op == "BiasAdd" {
				fuseDepthwiseBias(n, uses)
			}
		},
		func(n *node, uses map[*node]int) {
			if n.op == "Relu" || n.op == "Relu6" {
				fuseDepthwiseAct(n, uses)
				fuseAddRelu(n, uses)
			}
			if n.op == "Prelu" {
				fuseConvPrelu(n, uses)
			}
		},
	}
	for _, pass := range passes {
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
			pass(n, uses)
		}
		order, err := topoOrder(g.outputs)
		if err != nil {
			return err
		}
		g.order = order
	}
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

// constBatchReshape rewrites Reshape(x, Pack(StridedSlice(Shape(x), [0], [1], [1]), c...))
// into Reshape(x, [0, c...]).
func constBatchReshape(n *node) {
	if len(n.in) != 2 {
		return
	}
	pack := n.in[1].n
	if pack.op != "Pack" || len(pack.in) < 2 || attrInt(pack, "axis") != 0 {
		return
	}
	ss := pack.in[0].n
	if ss.op != "StridedSlice" || len(ss.in) != 4 || attrInt(ss, "shrink_axis_mask") != 1 {
		return
	}
	if sh := ss.in[0].n; sh.op != "Shape" || len(sh.in) != 1 || sh.in[0] != n.in[0] {
		return
	}
	for i, want := range []int32{0, 1, 1} {
		c := constInput(ss.in[1+i])
		if c == nil || len(c.i32) != 1 || c.i32[0] != want {
			return
		}
	}
	shape := []int32{0} // nn's Reshape (like TFLite's) copies a 0 from the input's shape
	for _, r := range pack.in[1:] {
		c := constInput(r)
		if c == nil || len(c.i32) != 1 || c.i32[0] < -1 || c.i32[0] == 0 {
			return
		}
		shape = append(shape, c.i32[0])
	}
	n.in[1] = ref{n: &node{name: pack.name + "/const_batch", op: "Const",
		value: &constTensor{dims: []int{len(shape)}, i32: shape}}}
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
		n.op, n.attr = "FusedDepthwiseConv2dNative", withFusedOps(p.n.attr, "BiasAdd")
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
	n.op, n.attr, n.in = p.n.op, withFusedOps(p.n.attr, "BiasAdd", n.op), p.n.in
}

// nonNegative reports whether r's values are >= 0 by construction (a ReLU, fused or not).
func nonNegative(r ref) bool {
	if r.out != 0 {
		return false
	}
	switch r.n.op {
	case "Relu", "Relu6":
		return true
	case "_FusedConv2D", "FusedDepthwiseConv2dNative", "_FusedMatMul":
		ops, err := r.n.attrStrings("fused_ops")
		return err == nil && len(ops) > 0 && (ops[len(ops)-1] == "Relu" || ops[len(ops)-1] == "Relu6")
	}
	return false
}

// dropZeroNegPart rewrites n = x + c*(x - |x|) with x >= 0 and c a finite constant to
// Identity(x).
func dropZeroNegPart(n *node) {
	if len(n.in) != 2 {
		return
	}
	for s := 0; s < 2; s++ {
		x, m := n.in[s], n.in[1-s]
		if !nonNegative(x) || m.n.op != "Mul" || m.out != 0 || len(m.n.in) != 2 {
			continue
		}
		for t := 0; t < 2; t++ {
			sub, c := m.n.in[t], constInput(m.n.in[1-t])
			if c == nil || c.f32 == nil || sub.n.op != "Sub" || sub.out != 0 || len(sub.n.in) != 2 || sub.n.in[0] != x {
				continue
			}
			if a := sub.n.in[1]; a.n.op != "Abs" || a.out != 0 || len(a.n.in) != 1 || a.n.in[0] != x {
				continue
			}
			finite := true
			for _, v := range c.f32 {
				finite = finite && !math.IsInf(float64(v), 0) && !math.IsNaN(float64(v))
			}
			if finite {
				n.op, n.attr, n.in = "Identity", nil, []ref{x}
				return
			}
		}
	}
}

// fuseAddRelu rewrites Relu(Add(a, b)) into wajah.AddRelu(a, b) (Relu6: wajah.AddRelu6).
func fuseAddRelu(n *node, uses map[*node]int) {
	if n.op != "Relu" && n.op != "Relu6" || len(n.in) != 1 {
		return
	}
	p := n.in[0]
	if p.out != 0 || uses[p.n] != 1 || len(p.n.in) != 2 || (p.n.op != "Add" && p.n.op != "AddV2") {
		return
	}
	n.op = "wajah.Add" + n.op
	n.attr, n.in = nil, p.n.in
}

// preluPattern rewrites n = Relu(x) + c*(x - |x|) to Prelu(x, 2c).
func preluPattern(n *node, uses map[*node]int) {
	if n.op != "Add" && n.op != "AddV2" || len(n.in) != 2 {
		return
	}
	for s := 0; s < 2; s++ {
		r, m := n.in[s], n.in[1-s]
		if r.n.op != "Relu" || r.out != 0 || uses[r.n] != 1 || len(r.n.in) != 1 {
			continue
		}
		x := r.n.in[0]
		if m.n.op != "Mul" || m.out != 0 || uses[m.n] != 1 || len(m.n.in) != 2 {
			continue
		}
		for t := 0; t < 2; t++ {
			sub, c := m.n.in[t], constInput(m.n.in[1-t])
			if c == nil || c.f32 == nil || sub.n.op != "Sub" || sub.out != 0 || uses[sub.n] != 1 || len(sub.n.in) != 2 || sub.n.in[0] != x {
				continue
			}
			if a := sub.n.in[1]; a.n.op != "Abs" || a.out != 0 || uses[a.n] != 1 || len(a.n.in) != 1 || a.n.in[0] != x {
				continue
			}
			alpha := make([]float32, len(c.f32))
			for i, v := range c.f32 {
				alpha[i] = 2 * v
			}
			an := &node{name: n.name + "/alpha", op: "Const", value: &constTensor{dims: c.dims, f32: alpha}}
			n.op, n.attr, n.in = "Prelu", nil, []ref{x, {n: an}}
			return
		}
	}
}

// fuseConvPrelu rewrites Prelu(_FusedConv2D[BiasAdd](x), a) into
// _FusedConv2D[BiasAdd, Prelu](x, w, b, a).
func fuseConvPrelu(n *node, uses map[*node]int) {
	if len(n.in) != 2 {
		return
	}
	p := n.in[0]
	if p.out != 0 || uses[p.n] != 1 || p.n.op != "_FusedConv2D" || len(p.n.in) != 3 {
		return
	}
	ops, err := p.n.attrStrings("fused_ops")
	if err != nil || len(ops) != 1 || ops[0] != "BiasAdd" {
		return
	}
	n.op, n.attr = p.n.op, withFusedOps(p.n.attr, "BiasAdd", "Prelu")
	n.in = []ref{p.n.in[0], p.n.in[1], p.n.in[2], n.in[1]}
}

// withFusedOps copies attr (the producer's, which other rewrites may still read) with
// fused_ops set to ops.
func withFusedOps(attr map[string]attrValue, ops ...string) map[string]attrValue {
	out := make(map[string]attrValue, len(attr)+1)
	for k, v := range attr {
		out[k] = v
	}
	list := make([][]byte, len(ops))
	for i, op := range ops {
		list[i] = []byte(op)
	}
	out["fused_ops"] = attrValue{List: &listValue{S: list}}
	return out
}
