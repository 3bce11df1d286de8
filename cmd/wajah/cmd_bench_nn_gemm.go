package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/wajah-id/wajah/nn"
)

// gemmShape is one matrix product of a model's plan and its share of the model's FLOPs.
type gemmShape struct {
	m, n, k int
	share   float64
}

// gemmShapes lists the distinct GEMMs (convolutions, fully connected layers) the plan of m
// for one input of the given shape runs: M pixels × N output channels × K patch values.
func gemmShapes(m *nn.Model, shape []int) ([]gemmShape, error) {
	ops, err := m.Profile(1, benchInput(shape))
	if err != nil {
		return nil, err
	}
	var total int64
	for _, o := range ops {
		total += o.MACs
	}
	idx := map[[3]int]int{}
	var out []gemmShape
	for _, o := range ops {
		if len(o.Out) == 0 || o.MACs == 0 || len(o.In) == 0 {
			continue
		}
		n := o.Out[len(o.Out)-1]
		mm := 1
		for _, d := range o.Out[:len(o.Out)-1] {
			mm *= d
		}
		macs := o.MACs
		switch o.Op {
		case nn.OpConv2D, nn.OpTFJSConv1x1, nn.OpFullyConnected:
		case nn.OpDWBlock: // the pointwise GEMM: K = the depthwise output's channels
			macs = int64(mm) * int64(n) * int64(o.In[len(o.In)-1])
		case nn.OpConvPair: // one GEMM over both heads: N = MACs / (M·K)
			n = int(o.MACs / int64(mm*o.In[len(o.In)-1]))
		default:
			continue
		}
		o.MACs = macs
		k := int(o.MACs / int64(mm*n))
		key := [3]int{mm, n, k}
		if i, ok := idx[key]; ok {
			out[i].share += float64(o.MACs) / float64(total)
			continue
		}
		idx[key] = len(out)
		out = append(out, gemmShape{m: mm, n: n, k: k, share: float64(o.MACs) / float64(total)})
	}
	return out, nil
}

// printGEMMs times wajah's GEMM on every shape of the model and prints one tab-separated
// line per shape (bench/gemm_compare.sh reads them and times OpenBLAS on the same shapes).
func printGEMMs(file string, m *nn.Model, shape []int) error {
	shapes, err := gemmShapes(m, shape)
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, s := range shapes {
		gf := nn.TimeGEMM(s.m, s.n, s.k, 5, 20*time.Millisecond)
		fmt.Fprintf(os.Stdout, "gemm\t%s\t%d\t%d\t%d\t%.4f\t%.2f\n", file, s.m, s.n, s.k, s.share, gf)
	}
	return nil
}
