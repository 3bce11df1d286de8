package nn

import "testing"

// TestFusions checks what the planner leaves of the decomposed patterns in the real models.
func TestFusions(t *testing.T) {
	for _, tc := range []struct {
		model  string
		absent []Op // must all be fused away
		want   map[Op]int
	}{
		{"MobileFaceNet.tflite", []Op{OpRelu, OpAbs, OpSub, OpMul, OpPRelu}, map[Op]int{OpConv2D: 35, OpDepthwiseConv2D: 17, OpAdd: 12}},
		{"pnet.tflite", []Op{OpRelu, OpNeg, OpMul, OpExp, OpReduceMax, OpDiv}, map[Op]int{OpSoftmax: 1, OpConv2D: 3, OpConvPair: 1}},
		{"onet.tflite", []Op{OpRelu, OpNeg, OpMul, OpExp}, map[Op]int{OpSoftmax: 1, OpFullyConnected: 4}},
	} {
		m := loadModel(t, tc.model)
		count := map[Op]int{}
		prelu := 0
		for _, n := range m.g.Nodes {
			count[n.Op]++
			if n.Attrs.Act == ActPRelu {
				prelu++
			}
		}
		for _, op := range tc.absent {
			if count[op] != 0 {
				t.Errorf("%s: %d %s nodes left after fusion", tc.model, count[op], op)
			}
		}
		for op, n := range tc.want {
			if count[op] != n {
				t.Errorf("%s: %d %s nodes, want %d", tc.model, count[op], op, n)
			}
		}
		if prelu == 0 {
			t.Errorf("%s: no PReLU was fused into a convolution", tc.model)
		}
	}
}
