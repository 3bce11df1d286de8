package nn

import "fmt"

func init() {
	registerOp(OpFullyConnected, OpDef{Infer: inferFC, Compile: compileFC})
	registerOp(OpMatMul, OpDef{Infer: inferMatMul, Compile: compileMatMul})
}

func inferFC(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	if len(in) < 2 || in[0] == nil || len(in[1]) != 2 {
		return nil, shapeErr(n, "needs input and [N,K] weights")
	}
	nOut, k := in[1][0], in[1][1]
	total := numel(in[0])
	if k <= 0 || total%k != 0 {
		return nil, shapeErr(n, "input %v does not flatten to rows of %d", in[0], k)
	}
	if n.Attrs.KeepDims {
		x := in[0]
		if len(x) == 0 || x[len(x)-1] != k {
			return nil, shapeErr(n, "input %v last dim is not %d", x, k)
		}
		out := append(append([]int(nil), x[:len(x)-1]...), nOut)
		return [][]int{out}, nil
	}
	return [][]int{{total / k, nOut}}, nil
}

func compileFC(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error) {
	nOut, k := in[1][0], in[1][1]
	w, bias, alpha, err := linearParams(n, in, consts, nOut)
	if err != nil {
		return Kernel{}, err
	}
	if n.prec == BF16 && bf16Worth(nOut) {
		m := numel(in[0]) / k
		return compileGemmBF16(n, m, nOut, k, w, bias, alpha, int64(m)*int64(k)*int64(nOut)), nil
	}
	impl := pickGemm(nOut)
	pb := n.cached(fmt.Sprintf("packB/%d", impl.nr), func() any { return packB(w, nOut, k, impl.nr) }).(*packedB)
	ep := &epilogue{bias: bias, act: n.Attrs.Act, alpha: n.Attrs.Alpha, prelu: tileAlpha(alpha, nOut)}
	m := numel(in[0]) / k
	return Kernel{MACs: int64(m) * int64(k) * int64(nOut), Scratch: gemmScratch(impl), Run: func(in, out [][]float32, s []float32) {
		gemm(impl, m, in[0], k, pb, out[0], nOut, ep, s)
	}}, nil
}

// matmulDims returns batch, M, K, N for a (possibly batched, possibly transposed) MatMul.
func matmulDims(n *Node, a, b []int) (batch, m, k, nn int, out []int, err error) {
	if len(a) < 2 || len(b) < 2 {
		return 0, 0, 0, 0, nil, shapeErr(n, "operands %v and %v need rank >= 2", a, b)
	}
	m, k = a[len(a)-2], a[len(a)-1]
	if n.Attrs.TransposeA {
		m, k = k, m
	}
	kb, nn := b[len(b)-2], b[len(b)-1]
	if n.Attrs.TransposeB {
		kb, nn = nn, kb
	}
	if kb != k {
		return 0, 0, 0, 0, nil, shapeErr(n, "inner dimensions differ: %v x %v", a, b)
	}
	batch = numel(a[:len(a)-2])
	if nb := numel(b[:len(b)-2]); nb != 1 && nb != batch {
		return 0, 0, 0, 0, nil, shapeErr(n, "batch dimensions differ: %v x %v", a, b)
	}
	out = append(append([]int(nil), a[:len(a)-2]...), m, nn)
	return batch, m, k, nn, out, nil
}

func inferMatMul(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	if len(in) < 2 || in[0] == nil || in[1] == nil {
		return nil, shapeErr(n, "needs two operands")
	}
	_, _, _, _, out, err := matmulDims(n, in[0], in[1])
	return [][]int{out}, err
}

// compileMatMul is a straightforward batched product (TF.js graphs; not on wajah's hot path
// when the importer turns constant right operands into FullyConnected).
func compileMatMul(n *Node, in [][]int, _ [][]float32, _ [][]int) (Kernel, error) {
	batch, m, k, nn, _, err := matmulDims(n, in[0], in[1])
	if err != nil {
		return Kernel{}, err
	}
	ta, tb := n.Attrs.TransposeA, n.Attrs.TransposeB
	bBatch := numel(in[1][:len(in[1])-2])
	act, alpha := n.Attrs.Act, n.Attrs.Alpha
	return Kernel{MACs: int64(batch * m * k * nn), Run: func(in, out [][]float32, _ []float32) {
		for bi := 0; bi < batch; bi++ {
			a := in[0][bi*m*k:]
			b := in[1][(bi%bBatch)*k*nn:]
			c := out[0][bi*m*nn : (bi+1)*m*nn]
			clear(c)
			for i := 0; i < m; i++ {
				for kk := 0; kk < k; kk++ {
					var av float32
					if ta {
						av = a[kk*m+i]
					} else {
						av = a[i*k+kk]
					}
					row := c[i*nn : (i+1)*nn]
					for j := range row {
						if tb {
							row[j] += av * b[j*k+kk]
						} else {
							row[j] += av * b[kk*nn+j]
						}
					}
				}
			}
			applyAct(c, nn, act, alpha, nil)
		}
	}}, nil
}
