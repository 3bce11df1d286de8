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
	step    int    // the plan step (the first one of this shape)
	impl    string // nn.OpTime.Impl: "flat" layers run no GEMM, their own time is reported
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
	for step, o := range ops {
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
		if o.Impl != "" {
			key[0] = -step - 1 // never merged with a GEMM of the same shape
		}
		if i, ok := idx[key]; ok {
			out[i].share += float64(o.MACs) / float64(total)
			continue
		}
		idx[key] = len(out)
		out = append(out, gemmShape{m: mm, n: n, k: k, share: float64(o.MACs) / float64(total), step: step, impl: o.Impl})
	}
	return out, nil
}

// printGEMMs times wajah's GEMM on every shape of the model and prints one tab-separated
// line per shape (bench/gemm_compare.sh reads them and times OpenBLAS on the same shapes).
// A layer that runs as a flat-lane convolution (no GEMM) is timed as the layer itself
// (Model.TimeStep, wall clock like TimeGEMM, padding included) and marked "flat"; the
// others "gemm".
func printGEMMs(file string, m *nn.Model, shape []int) error {
	shapes, err := gemmShapes(m, shape)
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, s := range shapes {
		impl := "gemm"
		var gf float64
		if s.impl != "" {
			impl = s.impl
			d, err := m.TimeStep(s.step, 5, 20*time.Millisecond, benchInput(shape))
			if err != nil {
				return err
			}
			gf = 2 * float64(s.m) * float64(s.n) * float64(s.k) / d.Seconds() / 1e9
		} else {
			gf = nn.TimeGEMM(s.m, s.n, s.k, 5, 20*time.Millisecond)
		}
		fmt.Fprintf(os.Stdout, "gemm\t%s\t%d\t%d\t%d\t%.4f\t%.2f\t%s\n", file, s.m, s.n, s.k, s.share, gf, impl)
	}
	return nil
}
