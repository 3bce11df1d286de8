package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wajah-id/wajah/nn"
)

// gemmShape is one matrix product of a model's plan, its share of the model's FLOPs and
// how bench/gemm_compare.sh times the kernel the plan runs for it.
type gemmShape struct {
	m, n, k int
	share   float64
	step    int    // the plan step (the first one of this shape)
	kern    string // what is timed: the layer's path (nn.OpTime.Impl, "fc", "pair") or "dw+pw" for a fused block's pointwise half
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
	type key struct {
		m, n, k int
		kern    string
	}
	idx := map[key]int{}
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
		kern := o.Impl
		switch o.Op {
		case nn.OpConv2D:
		case nn.OpTFJSConv1x1:
			kern = "tfjs1x1"
		case nn.OpFullyConnected:
			kern = "fc"
		case nn.OpDWBlock: // the pointwise GEMM: K = the depthwise output's channels
			macs = int64(mm) * int64(n) * int64(o.In[len(o.In)-1])
			kern = "dw+pw"
		case nn.OpConvPair: // one GEMM over both heads: N = MACs / (M·K)
			n = int(o.MACs / int64(mm*o.In[len(o.In)-1]))
			kern = "pair"
		default:
			continue
		}
		if kern == "" {
			kern = "gemm"
		}
		k := int(macs / int64(mm*n))
		kk := key{mm, n, k, kern}
		if i, ok := idx[kk]; ok { // the same code on the same shape: timed once
			out[i].share += float64(macs) / float64(total)
			continue
		}
		idx[kk] = len(out)
		out = append(out, gemmShape{m: mm, n: n, k: k, share: float64(macs) / float64(total), step: step, kern: kern})
	}
	return out, nil
}

// timeShape returns the GFLOP/s (from thread CPU time, best of reps batches of at least
// minBatch) of the kernel the plan runs for s: the planned step itself (its padding,
// implicit GEMM or flat-lane convolution and fused epilogue included) for convolutions and
// fully connected layers; for a fused depthwise block, its pointwise half as the block
// runs it (nn.TimeBlockPointwise: GEMM, bias, residual and ReLU over bands of pixels).
func timeShape(m *nn.Model, shape []int, s gemmShape, reps int, minBatch time.Duration) (float64, error) {
	if s.kern == "dw+pw" {
		return nn.TimeBlockPointwise(s.m, s.n, s.k, reps, minBatch), nil
	}
	d, err := m.TimeStep(s.step, reps, minBatch, benchInput(shape))
	if err != nil {
		return 0, err
	}
	return 2 * float64(s.m) * float64(s.n) * float64(s.k) / d.Seconds() / 1e9, nil
}

// gemmModel is one model of `bench nn -gemm` with its input shape.
type gemmModel struct {
	file  string
	m     *nn.Model
	shape []int
}

// printGEMMs prints one tab-separated line per shape of every model,
// "gemm <model> <M> <N> <K> <FLOP share> <GFLOP/s> <kernel>", each timed once.
func printGEMMs(w io.Writer, models []gemmModel) error {
	for _, gm := range models {
		shapes, err := gemmShapes(gm.m, gm.shape)
		if err != nil {
			return fmt.Errorf("%s: %w", gm.file, err)
		}
		for _, s := range shapes {
			gf, err := timeShape(gm.m, gm.shape, s, 5, 20*time.Millisecond)
			if err != nil {
				return fmt.Errorf("%s: %w", gm.file, err)
			}
			fmt.Fprintf(w, "gemm\t%s\t%d\t%d\t%d\t%.4f\t%.2f\t%s\n", gm.file, s.m, s.n, s.k, s.share, gf, s.kern)
		}
	}
	return nil
}

// serveGEMMs is `bench nn -gemm -serve`: it prints "shape <id> <model> <M> <N> <K> <FLOP
// share> <kernel>" per shape and "ready", then answers each line "<id> <reps> <ms>" on r
// with the shape's GFLOP/s (best of reps batches of at least ms of thread CPU time), so
// bench/gemm_compare.py can time ours and OpenBLAS's shape by shape, alternating, under
// the same load.
func serveGEMMs(r io.Reader, w io.Writer, models []gemmModel) error {
	type entry struct {
		gm *gemmModel
		s  gemmShape
	}
	var all []entry
	bw := bufio.NewWriter(w)
	for i := range models {
		gm := &models[i]
		shapes, err := gemmShapes(gm.m, gm.shape)
		if err != nil {
			return fmt.Errorf("%s: %w", gm.file, err)
		}
		for _, s := range shapes {
			fmt.Fprintf(bw, "shape\t%d\t%s\t%d\t%d\t%d\t%.4f\t%s\n", len(all), gm.file, s.m, s.n, s.k, s.share, s.kern)
			all = append(all, entry{gm, s})
		}
	}
	fmt.Fprintln(bw, "ready")
	if err := bw.Flush(); err != nil {
		return err
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			return fmt.Errorf("bench nn -gemm -serve: bad request %q (want: id reps ms)", sc.Text())
		}
		id, err1 := strconv.Atoi(f[0])
		reps, err2 := strconv.Atoi(f[1])
		ms, err3 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil || err3 != nil || id < 0 || id >= len(all) || reps < 1 || ms <= 0 {
			return fmt.Errorf("bench nn -gemm -serve: bad request %q", sc.Text())
		}
		e := all[id]
		gf, err := timeShape(e.gm.m, e.gm.shape, e.s, reps, time.Duration(ms*float64(time.Millisecond)))
		if err != nil {
			return fmt.Errorf("%s: %w", e.gm.file, err)
		}
		fmt.Fprintf(bw, "%.3f\n", gf)
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}
