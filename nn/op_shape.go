package nn

import "fmt"

func init() {
	registerOp(OpReshape, OpDef{Infer: inferReshape, Alias: true})
	registerOp(OpSqueeze, OpDef{Infer: inferSqueeze, Alias: true})
	registerOp(OpExpandDims, OpDef{Infer: inferExpandDims, Alias: true})
	registerOp(OpIdentity, OpDef{Infer: inferSame, Alias: true})
	registerOp(OpCast, OpDef{Infer: inferSame, Alias: true})
	registerOp(OpPad, OpDef{Infer: inferPad, Compile: compilePad})
	registerOp(OpConcat, OpDef{Infer: inferConcat, Compile: compileConcat})
	registerOp(OpTranspose, OpDef{Infer: inferTranspose, Compile: compileTranspose})
	registerOp(OpSlice, OpDef{Infer: inferSlice, Compile: compileSlice})
	registerOp(OpStridedSlice, OpDef{Infer: inferStridedSlice, Compile: compileStridedSlice})
}

// constInts reads constant input i as integers.
func constInts(n *Node, in [][]int, consts [][]float32, i int, what string) ([]int, error) {
	if len(in) <= i || in[i] == nil || consts[i] == nil {
		return nil, shapeErr(n, "%s must be a constant input %d", what, i)
	}
	out := make([]int, len(consts[i]))
	for j, v := range consts[i] {
		if v != v || v > 1<<30 || v < -(1<<30) {
			return nil, shapeErr(n, "%s value %v out of range", what, v)
		}
		out[j] = int(v)
	}
	return out, nil
}

func inferReshape(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	target := n.Attrs.Shape
	if len(in) > 1 && in[1] != nil {
		var err error
		if target, err = constInts(n, in, consts, 1, "shape"); err != nil {
			return nil, err
		}
	}
	total := numel(in[0])
	out := make([]int, len(target))
	known, free := 1, -1
	for i, d := range target {
		switch {
		case d == -1 && free < 0:
			free = i
			continue
		case d == 0 && i < len(in[0]): // TF.js/TFLite: 0 copies the input dim
			d = in[0][i]
		case d <= 0:
			return nil, shapeErr(n, "bad target shape %v", target)
		}
		out[i] = d
		known *= d
		if known > total {
			return nil, shapeErr(n, "cannot reshape %v to %v", in[0], target)
		}
	}
	if free >= 0 {
		if known == 0 || total%known != 0 {
			return nil, shapeErr(n, "cannot reshape %v to %v", in[0], target)
		}
		out[free] = total / known
	} else if known != total {
		return nil, shapeErr(n, "cannot reshape %v to %v", in[0], target)
	}
	return [][]int{out}, nil
}

func inferSqueeze(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	x := in[0]
	drop := make([]bool, len(x))
	if len(n.Attrs.Axes) == 0 {
		for i, d := range x {
			drop[i] = d == 1
		}
	}
	for _, a := range n.Attrs.Axes {
		if a < 0 {
			a += len(x)
		}
		if a < 0 || a >= len(x) || x[a] != 1 {
			return nil, shapeErr(n, "cannot squeeze axis %d of %v", a, x)
		}
		drop[a] = true
	}
	out := []int{}
	for i, d := range x {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return [][]int{out}, nil
}

func inferExpandDims(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	x := in[0]
	axis := n.Attrs.Axis
	if len(in) > 1 && in[1] != nil {
		v, err := constInts(n, in, consts, 1, "axis")
		if err != nil || len(v) != 1 {
			return nil, shapeErr(n, "axis must be one constant")
		}
		axis = v[0]
	}
	if axis < 0 {
		axis += len(x) + 1
	}
	if axis < 0 || axis > len(x) {
		return nil, shapeErr(n, "axis %d out of range", axis)
	}
	out := append(append(append([]int(nil), x[:axis]...), 1), x[axis:]...)
	return [][]int{out}, nil
}

func padAmounts(n *Node, in [][]int, consts [][]float32) ([]int, error) {
	p, err := constInts(n, in, consts, 1, "paddings")
	if err != nil {
		return nil, err
	}
	if len(p) != 2*len(in[0]) {
		return nil, shapeErr(n, "paddings %v do not fit rank %d", p, len(in[0]))
	}
	for _, v := range p {
		if v < 0 || v > 1<<16 {
			return nil, shapeErr(n, "padding %d out of range", v)
		}
	}
	return p, nil
}

func inferPad(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	p, err := padAmounts(n, in, consts)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(in[0]))
	for i, d := range in[0] {
		out[i] = d + p[2*i] + p[2*i+1]
	}
	return [][]int{out}, nil
}

func compilePad(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	p, err := padAmounts(n, in, consts)
	if err != nil {
		return Kernel{}, err
	}
	fill := n.Attrs.Value
	if len(in) > 2 && in[2] != nil && consts[2] != nil && len(consts[2]) == 1 {
		fill = consts[2][0]
	}
	x, o := in[0], out[0]
	ost := bcastStrides(o, o)
	r := len(x)
	return Kernel{Run: func(in, out [][]float32, _ []float32) {
		y := out[0]
		for i := range y {
			y[i] = fill
		}
		if r == 0 {
			copy(y, in[0])
			return
		}
		inner := x[r-1]
		idx := make([]int, r)
		for src := 0; src < len(in[0]); src += inner {
			dst := p[2*(r-1)]
			for d := 0; d < r-1; d++ {
				dst += (idx[d] + p[2*d]) * ost[d]
			}
			copy(y[dst:dst+inner], in[0][src:src+inner])
			for d := r - 2; d >= 0; d-- {
				if idx[d]++; idx[d] < x[d] {
					break
				}
				idx[d] = 0
			}
		}
	}}, nil
}

func concatAxis(n *Node, in [][]int) (int, error) {
	if len(in) == 0 || in[0] == nil {
		return 0, shapeErr(n, "needs inputs")
	}
	r := len(in[0])
	a := n.Attrs.Axis
	if a < 0 {
		a += r
	}
	if a < 0 || a >= r {
		return 0, shapeErr(n, "axis %d out of range for rank %d", n.Attrs.Axis, r)
	}
	return a, nil
}

func inferConcat(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	a, err := concatAxis(n, in)
	if err != nil {
		return nil, err
	}
	out := append([]int(nil), in[0]...)
	out[a] = 0
	for _, s := range in {
		if len(s) != len(out) {
			return nil, shapeErr(n, "rank mismatch %v vs %v", s, in[0])
		}
		for d := range s {
			if d != a && s[d] != out[d] {
				return nil, shapeErr(n, "shape mismatch %v vs %v", s, in[0])
			}
		}
		out[a] += s[a]
	}
	return [][]int{out}, nil
}

func compileConcat(n *Node, in [][]int, _ [][]float32, out [][]int) (Kernel, error) {
	a, err := concatAxis(n, in)
	if err != nil {
		return Kernel{}, err
	}
	outer := numel(out[0][:a])
	chunks := make([]int, len(in))
	for i, s := range in {
		chunks[i] = numel(s[a:])
	}
	total := numel(out[0][a:])
	act, alpha := n.Attrs.Act, n.Attrs.Alpha
	return Kernel{Run: func(in, out [][]float32, _ []float32) {
		off := 0
		for i, x := range in {
			c := chunks[i]
			for o := 0; o < outer; o++ {
				copy(out[0][o*total+off:o*total+off+c], x[o*c:o*c+c])
			}
			off += c
		}
		applyAct(out[0], 1, act, alpha, nil)
	}}, nil
}

func transposePerm(n *Node, in [][]int, consts [][]float32) ([]int, error) {
	perm := n.Attrs.Perm
	if len(in) > 1 && in[1] != nil {
		var err error
		if perm, err = constInts(n, in, consts, 1, "perm"); err != nil {
			return nil, err
		}
	}
	r := len(in[0])
	if len(perm) != r {
		return nil, shapeErr(n, "perm %v for rank %d", perm, r)
	}
	seen := make([]bool, r)
	for _, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return nil, shapeErr(n, "bad perm %v", perm)
		}
		seen[p] = true
	}
	return perm, nil
}

func inferTranspose(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	perm, err := transposePerm(n, in, consts)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = in[0][p]
	}
	return [][]int{out}, nil
}

func compileTranspose(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	perm, err := transposePerm(n, in, consts)
	if err != nil {
		return Kernel{}, err
	}
	ist := bcastStrides(in[0], in[0])
	o := out[0]
	src := make([]int, len(perm)) // input stride for each output dim
	for i, p := range perm {
		src[i] = ist[p]
		if in[0][p] == 1 {
			src[i] = 0
		}
	}
	return Kernel{Run: func(in, out [][]float32, _ []float32) {
		gather(o, src, 0, in[0], out[0])
	}}, nil
}

// gather copies y[i] = x[base + Σ idx_d·st_d] over shape o in row-major order.
func gather(o, st []int, base int, x, y []float32) {
	if len(o) == 0 {
		y[0] = x[base]
		return
	}
	idx := make([]int, len(o))
	si := base
	inner, sInner := o[len(o)-1], st[len(o)-1]
	for i := 0; i < len(y); i += inner {
		for j := 0; j < inner; j++ {
			y[i+j] = x[si+j*sInner]
		}
		for d := len(o) - 2; d >= 0; d-- {
			idx[d]++
			si += st[d]
			if idx[d] < o[d] {
				break
			}
			si -= st[d] * idx[d]
			idx[d] = 0
		}
	}
}

// sliceSpec is a resolved strided slice: per input dim begin and step, plus the output
// shape before shrinking.
type sliceSpec struct {
	begin, step, size []int
	out               []int
}

func inferSlice(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	s, err := sliceOf(n, in, consts)
	if err != nil {
		return nil, err
	}
	return [][]int{s.out}, nil
}

func sliceOf(n *Node, in [][]int, consts [][]float32) (*sliceSpec, error) {
	b, err := constInts(n, in, consts, 1, "begin")
	if err != nil {
		return nil, err
	}
	sz, err := constInts(n, in, consts, 2, "size")
	if err != nil {
		return nil, err
	}
	x := in[0]
	if len(b) != len(x) || len(sz) != len(x) {
		return nil, shapeErr(n, "begin %v / size %v for %v", b, sz, x)
	}
	s := &sliceSpec{begin: b, step: make([]int, len(x)), size: make([]int, len(x))}
	for i := range x {
		if sz[i] == -1 {
			sz[i] = x[i] - b[i]
		}
		if b[i] < 0 || sz[i] < 0 || b[i]+sz[i] > x[i] {
			return nil, shapeErr(n, "slice begin %v size %v out of %v", b, sz, x)
		}
		s.step[i], s.size[i] = 1, sz[i]
	}
	s.out = s.size
	return s, nil
}

func compileSlice(n *Node, in [][]int, consts [][]float32, _ [][]int) (Kernel, error) {
	s, err := sliceOf(n, in, consts)
	if err != nil {
		return Kernel{}, err
	}
	return sliceKernel(in[0], s), nil
}

func sliceKernel(x []int, s *sliceSpec) Kernel {
	ist := bcastStrides(x, x)
	st := make([]int, len(x))
	base := 0
	for i := range x {
		st[i] = ist[i] * s.step[i]
		if x[i] == 1 {
			st[i] = 0
		}
		base += s.begin[i] * ist[i]
	}
	size := s.size
	return Kernel{Run: func(in, out [][]float32, _ []float32) {
		if len(out[0]) == 0 {
			return
		}
		gather(size, st, base, in[0], out[0])
	}}
}

// stridedSlice resolves TF's StridedSlice (no ellipsis or new-axis masks).
func stridedSlice(n *Node, in [][]int, consts [][]float32) (*sliceSpec, []int, error) {
	b, err := constInts(n, in, consts, 1, "begin")
	if err != nil {
		return nil, nil, err
	}
	e, err := constInts(n, in, consts, 2, "end")
	if err != nil {
		return nil, nil, err
	}
	st := make([]int, len(b))
	for i := range st {
		st[i] = 1
	}
	if len(in) > 3 && in[3] != nil {
		if st, err = constInts(n, in, consts, 3, "strides"); err != nil {
			return nil, nil, err
		}
	}
	a := n.Attrs
	if a.EllipsisMask != 0 || a.NewAxisMask != 0 {
		return nil, nil, fmt.Errorf("%w: %s %q: ellipsis/new-axis masks", ErrUnsupported, n.Op, n.Name)
	}
	x := in[0]
	if len(b) > len(x) || len(e) != len(b) || len(st) != len(b) {
		return nil, nil, shapeErr(n, "begin %v end %v strides %v for %v", b, e, st, x)
	}
	s := &sliceSpec{begin: make([]int, len(x)), step: make([]int, len(x)), size: make([]int, len(x))}
	var final []int
	for i, d := range x {
		if i >= len(b) {
			s.begin[i], s.step[i], s.size[i] = 0, 1, d
			final = append(final, d)
			continue
		}
		step := st[i]
		if step == 0 {
			return nil, nil, shapeErr(n, "zero stride")
		}
		norm := func(v int, clampHi int) int {
			if v < 0 {
				v += d
			}
			return min(max(v, min(-1, clampHi)), clampHi)
		}
		bi, ei := b[i], e[i]
		shrink := a.ShrinkAxisMask&(1<<i) != 0
		if step > 0 {
			if a.BeginMask&(1<<i) != 0 {
				bi = 0
			} else {
				bi = min(max(func() int {
					if bi < 0 {
						return bi + d
					}
					return bi
				}(), 0), d)
			}
			if a.EndMask&(1<<i) != 0 {
				ei = d
			} else {
				ei = min(max(func() int {
					if ei < 0 {
						return ei + d
					}
					return ei
				}(), 0), d)
			}
			if shrink {
				ei = bi + 1
			}
			s.size[i] = max(0, (ei-bi+step-1)/step)
		} else {
			if a.BeginMask&(1<<i) != 0 {
				bi = d - 1
			} else {
				bi = norm(bi, d-1)
			}
			if a.EndMask&(1<<i) != 0 {
				ei = -1
			} else {
				ei = norm(ei, d-1)
			}
			if shrink {
				ei = bi - 1
			}
			s.size[i] = max(0, (bi-ei-step-1)/(-step))
		}
		if shrink && (s.size[i] != 1 || bi < 0 || bi >= d) {
			return nil, nil, shapeErr(n, "shrink axis %d out of range", i)
		}
		s.begin[i], s.step[i] = bi, step
		if !shrink {
			final = append(final, s.size[i])
		}
	}
	s.out = s.size
	if final == nil {
		final = []int{}
	}
	return s, final, nil
}

func inferStridedSlice(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	_, final, err := stridedSlice(n, in, consts)
	if err != nil {
		return nil, err
	}
	return [][]int{final}, nil
}

func compileStridedSlice(n *Node, in [][]int, consts [][]float32, _ [][]int) (Kernel, error) {
	s, _, err := stridedSlice(n, in, consts)
	if err != nil {
		return Kernel{}, err
	}
	return sliceKernel(in[0], s), nil
}
