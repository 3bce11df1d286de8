package nn

import "fmt"

// Two 1x1 convolutions that read the same input (pnet's 32 -> 4 box and 32 -> 2 score
// heads) as one GEMM over the concatenated weights: one pass over the input and one tile
// per 14 pixels instead of two passes with a ragged, mostly empty tile each (4 and 2 of
// 8 lanes). The product goes through a small scratch block and is split into the outputs.

// OpConvPair computes two 1x1 stride-1 convolutions of x: inputs (x, w1 [N1,1,1,C] c,
// bias1 c?, w2 [N2,1,1,C] c, bias2 c?), outputs (y1 [..., N1], y2 [..., N2]). Attrs.Act
// applies to both.
const OpConvPair Op = "ConvPair"

func init() {
	registerOp(OpConvPair, OpDef{Infer: inferConvPair, Compile: compileConvPair})
}

// pairRows is the number of pixels per scratch block.
const pairRows = Mc

func inferConvPair(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	if len(in) != 5 || in[0] == nil || len(in[1]) != 4 || len(in[3]) != 4 {
		return nil, shapeErr(n, "needs x and two 1x1 filters")
	}
	var outs [][]int
	for _, w := range [][]int{in[1], in[3]} {
		if w[1] != 1 || w[2] != 1 {
			return nil, shapeErr(n, "filter %v is not 1x1", w)
		}
		o, err := inferConv(as(n, OpConv2D), [][]int{in[0], w}, nil)
		if err != nil {
			return nil, err
		}
		outs = append(outs, o[0])
	}
	return outs, nil
}

func compileConvPair(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	x := in[0]
	c := x[len(x)-1]
	n1, n2 := in[1][0], in[3][0]
	nt := n1 + n2
	w1, b1, _, err := linearParams(as(n, OpConv2D), in[0:3], consts[0:3], n1)
	if err != nil {
		return Kernel{}, err
	}
	w2, b2, _, err := linearParams(as(n, OpConv2D), [][]int{in[0], in[3], in[4]}, [][]float32{nil, consts[3], consts[4]}, n2)
	if err != nil {
		return Kernel{}, err
	}
	if len(w1) != n1*c || len(w2) != n2*c {
		return Kernel{}, shapeErr(n, "filters %v and %v do not fit %d channels", in[1], in[3], c)
	}
	// Zero output columns up to a multiple of 8: the GEMM then writes whole panels straight
	// into the block (no ragged tile and copy), and splitColumns skips the padding.
	np := (nt + 7) &^ 7
	impl := pickGemm(np)
	pb := n.cached(fmt.Sprintf("packB/%d", impl.nr), func() any {
		w := make([]float32, np*c)
		copy(w, w1)
		copy(w[n1*c:], w2)
		return packB(w, np, c, impl.nr)
	}).(*packedB)
	bias := make([]float32, np)
	copy(bias, b1)
	copy(bias[n1:], b2)
	ep := &epilogue{bias: bias, act: n.Attrs.Act, alpha: n.Attrs.Alpha}
	m := numel(x) / c
	block := pairRows * np
	return splitKernel(Kernel{MACs: int64(m) * int64(nt) * int64(c), Scratch: block + gemmScratch(impl)},
		func(in, out [][]float32, s []float32, part, parts int) {
			t, gs := s[:block], s[block:]
			y1, y2 := out[0], out[1]
			r0, r1 := partRange(m, part, parts)
			for p0 := r0; p0 < r1; p0 += pairRows {
				cnt := min(pairRows, r1-p0)
				gemm(impl, cnt, in[0][p0*c:], c, pb, t, np, ep, gs)
				splitColumns(t[:cnt*np], y1[p0*n1:(p0+cnt)*n1], y2[p0*n2:(p0+cnt)*n2], n1, n2, np)
			}
		}), nil
}

// splitColumns copies the first n1 and the next n2 values of rows nt apart into rows of n1
// and of n2.
func splitColumns(t, y1, y2 []float32, n1, n2, nt int) {
	for r := 0; r < len(t)/nt; r++ {
		row := t[r*nt : r*nt+nt]
		a, b := y1[r*n1:r*n1+n1], y2[r*n2:r*n2+n2]
		for j := range a {
			a[j] = row[j]
		}
		for j := range b {
			b[j] = row[n1+j]
		}
	}
}
