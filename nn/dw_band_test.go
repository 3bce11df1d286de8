package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestDWBandMatchesRows runs padded bands against the plain row/pixel kernel at awkward
// sizes (band budget forced small so parts span several bands), with guard bands, and
// checks that split parts give the same values as one run.
func TestDWBandMatchesRows(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		n, h, w, c, s int
		act           Activation
	}{
		{1, 14, 14, 256, 1, ActPRelu},
		{2, 7, 9, 32, 1, ActRelu},
		{1, 5, 3, 16, 1, ActNone},
		{1, 11, 13, 48, 1, ActRelu6},
		{3, 6, 6, 64, 1, ActPRelu},
		{1, 1, 17, 16, 1, ActRelu},
	} {
		t.Run(fmt.Sprintf("%dx%dx%dx%d_s%d", tc.n, tc.h, tc.w, tc.c, tc.s), func(t *testing.T) {
			n := &Node{Op: OpDepthwiseConv2D, Attrs: Attrs{Strides: [2]int{tc.s, tc.s}, Dilations: [2]int{1, 1}, Padding: PadSame}}
			g, err := geometry(n, []int{tc.n, tc.h, tc.w, tc.c}, 3, 3)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, tc.n*tc.h*tc.w*tc.c)
			w := make([]float32, 9*tc.c)
			bias := make([]float32, tc.c)
			prelu := make([]float32, tc.c)
			for _, s := range [][]float32{x, w, bias, prelu} {
				randFill(r, s)
			}
			size := g.n * g.oh * g.ow * g.c
			k := newDWKernel(g, w, bias, tc.act, 0, prelu)
			want := make([]float32, size)
			k.kernel(1).Run([][]float32{x}, [][]float32{want}, nil)
			peak := 0.0
			for _, v := range want {
				peak = max(peak, math.Abs(float64(v)))
			}
			d := newDWBand(k)
			if d == nil {
				if dwAsm() {
					t.Fatal("no band plan")
				}
				t.Skip("no row kernels")
			}
			d.rows = min(d.rows, 2) // several bands per part
			bk := d.kernel(1)
			buf, y := guarded(size)
			bk.Run([][]float32{x}, [][]float32{y}, make([]float32, bk.Scratch))
			checkGuards(t, buf, size)
			for i := range want {
				if diff := math.Abs(float64(y[i] - want[i])); diff > 1e-5*peak || math.IsNaN(float64(y[i])) {
					t.Fatalf("out[%d] = %v, want %v (peak %v)", i, y[i], want[i], peak)
				}
			}
			y2 := make([]float32, size)
			for p := 0; p < 3; p++ {
				bk.Split([][]float32{x}, [][]float32{y2}, make([]float32, bk.Scratch), p, 3)
			}
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(y2[i]) {
					t.Fatalf("split out[%d] = %v, run %v", i, y2[i], y[i])
				}
			}
		})
	}
}

// BenchmarkDWBand times MobileFaceNet's depthwise layers through padded bands ("band")
// and the plain row/pixel kernel ("rows"), in one run; GFLOP/s from thread CPU time.
func BenchmarkDWBand(b *testing.B) {
	for _, tc := range []struct{ h, c, s int }{{28, 128, 1}, {14, 256, 1}, {7, 512, 1}} {
		n := &Node{Op: OpDepthwiseConv2D, Attrs: Attrs{Strides: [2]int{tc.s, tc.s}, Dilations: [2]int{1, 1}, Padding: PadSame}}
		g, err := geometry(n, []int{1, tc.h, tc.h, tc.c}, 3, 3)
		if err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 1))
		x := make([]float32, tc.h*tc.h*tc.c)
		w := make([]float32, 9*tc.c)
		prelu := make([]float32, tc.c)
		for _, s := range [][]float32{x, w, prelu} {
			randFill(r, s)
		}
		k := newDWKernel(g, w, nil, ActPRelu, 0, prelu)
		for _, band := range []bool{false, true} {
			name := "rows"
			kern := k.kernel(int64(g.oh*g.ow*g.c) * 9)
			if band {
				name = "band"
				d := newDWBand(k)
				if d == nil {
					b.Skip("no row kernels")
				}
				kern = d.kernel(kern.MACs)
			}
			b.Run(fmt.Sprintf("%dx%dx%d_s%d/%s", tc.h, tc.h, tc.c, tc.s, name), func(b *testing.B) {
				y := make([]float32, g.oh*g.ow*g.c)
				s := make([]float32, kern.Scratch)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				c0 := threadCPU()
				for b.Loop() {
					kern.Run([][]float32{x}, [][]float32{y}, s)
				}
				b.ReportMetric(float64(2*kern.MACs)*float64(b.N)/(threadCPU()-c0).Seconds()/1e9, "cpuGFLOP/s")
			})
		}
	}
}
