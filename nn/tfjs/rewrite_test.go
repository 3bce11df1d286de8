package tfjs

import (
	"errors"
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
