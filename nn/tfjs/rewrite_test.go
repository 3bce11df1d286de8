package tfjs

import (
	"errors"
	"slices"
	"testing"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
)

// TestRewriteFaceres checks that faceres' unfolded batch norms and clip_by_value chains are
// gone after import: every depthwise layer carries its bias and ReLU6, and no Mul, Minimum
// or Maximum node is left. (TestOracle checks the numbers.)
func TestRewriteFaceres(t *testing.T) {
	g := importedGraph(t, "faceres.json")
	count := map[nn.Op]int{}
	for _, n := range g.Nodes {
		count[n.Op]++
		if n.Op == nn.OpTFJSDepthwise && (len(n.Inputs) < 3 || n.Inputs[2] < 0 || n.Attrs.Act != nn.ActRelu6) {
			t.Errorf("depthwise %q: inputs %v act %v, want bias and ReLU6 fused", n.Name, n.Inputs, n.Attrs.Act)
		}
	}
	if count[nn.OpTFJSDepthwise] != 13 {
		t.Errorf("%d depthwise nodes, want 13", count[nn.OpTFJSDepthwise])
	}
	for _, op := range []nn.Op{nn.OpMul, nn.OpMinimum, nn.OpMaximum} {
		if count[op] != 0 {
			t.Errorf("%d %s nodes left", count[op], op)
		}
	}
}

// TestRewriteMobilefacenet checks that the 16 zero negative halves (x + c*(x-|x|) on a
// ReLU'd x) are dropped and the 17 real PReLUs are fused into the convolutions before them.
func TestRewriteMobilefacenet(t *testing.T) {
	g := importedGraph(t, "mobilefacenet.json")
	count := map[nn.Op]int{}
	prelu := 0
	for _, n := range g.Nodes {
		count[n.Op]++
		if n.Attrs.Act == nn.ActPRelu {
			prelu++
		}
	}
	if count[nn.OpAbs] != 0 || count[nn.OpSub] != 0 || count[nn.OpRelu] != 0 {
		t.Errorf("Abs/Sub/Relu nodes left after import: %v", count)
	}
	if prelu != 17 {
		t.Errorf("%d convolutions with a fused PReLU, want 17", prelu)
	}
}

// importedGraph loads a fetched model's graph (skipping when models are not fetched).
func importedGraph(t *testing.T, file string) *nn.Graph {
	t.Helper()
	p, err := models.Path(file)
	if errors.Is(err, models.ErrMissing) {
		t.Skipf("%v", err)
	}
	g, err := LoadGraph(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestConstBatchReshape builds Keras's batch-keeping reshape (facemesh-detection's
// Reshape(x, Pack(StridedSlice(Shape(x), [0], [1], [1]), 16, 4))) and checks it becomes a
// constant [0, 16, 4], and that every variation the rewrite must not take is left alone.
func TestConstBatchReshape(t *testing.T) {
	i32 := func(v ...int32) ref {
		return ref{n: &node{op: "Const", value: &constTensor{dims: []int{len(v)}, i32: v}}}
	}
	intAttr := func(v int64) attrValue { j := jsonInt(v); return attrValue{I: &j} }
	type variant struct {
		name                string
		shapeOfOther        bool
		begin, end, strides int32
		shrink, axis        int64
		dims                []int32
		want                []int32 // nil: not rewritten
	}
	for _, v := range []variant{
		{name: "keras", begin: 0, end: 1, strides: 1, shrink: 1, dims: []int32{16, 4}, want: []int32{0, 16, 4}},
		{name: "inferred dim", begin: 0, end: 1, strides: 1, shrink: 1, dims: []int32{-1, 4}, want: []int32{0, -1, 4}},
		{name: "shape of another tensor", shapeOfOther: true, begin: 0, end: 1, strides: 1, shrink: 1, dims: []int32{16, 4}},
		{name: "second dimension", begin: 1, end: 2, strides: 1, shrink: 1, dims: []int32{16, 4}},
		{name: "no shrink", begin: 0, end: 1, strides: 1, shrink: 0, dims: []int32{16, 4}},
		{name: "pack axis 1", begin: 0, end: 1, strides: 1, shrink: 1, axis: 1, dims: []int32{16, 4}},
		{name: "zero dim", begin: 0, end: 1, strides: 1, shrink: 1, dims: []int32{16, 0}},
		{name: "below -1", begin: 0, end: 1, strides: 1, shrink: 1, dims: []int32{-2, 4}},
	} {
		t.Run(v.name, func(t *testing.T) {
			x := ref{n: &node{name: "x", op: "Placeholder"}}
			of := x
			if v.shapeOfOther {
				of = ref{n: &node{name: "y", op: "Placeholder"}}
			}
			shape := &node{name: "shape", op: "Shape", in: []ref{of}}
			ss := &node{name: "ss", op: "StridedSlice", attr: map[string]attrValue{"shrink_axis_mask": intAttr(v.shrink)},
				in: []ref{{n: shape}, i32(v.begin), i32(v.end), i32(v.strides)}}
			pack := &node{name: "pack", op: "Pack", attr: map[string]attrValue{"axis": intAttr(v.axis)}, in: []ref{{n: ss}}}
			for _, d := range v.dims {
				pack.in = append(pack.in, i32(d))
			}
			r := &node{name: "reshape", op: "Reshape", in: []ref{x, {n: pack}}}
			constBatchReshape(r)
			if r.in[0] != x {
				t.Fatalf("data input changed")
			}
			got := r.in[1].n
			if v.want == nil {
				if got != pack {
					t.Fatalf("rewritten to %s %v", got.op, got.value)
				}
				return
			}
			if got.op != "Const" || got.value == nil || !slices.Equal(got.value.i32, v.want) || !slices.Equal(got.value.dims, []int{len(v.want)}) {
				t.Fatalf("shape input %s %+v, want Const %v", got.op, got.value, v.want)
			}
		})
	}
}
