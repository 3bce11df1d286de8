package nn

import (
	"fmt"
	"testing"
)

// benchModels are the per-model benchmarks: batch 1 and 8 at the shapes wajah feeds.
var benchModels = []struct {
	model string
	shape []int // batch dimension replaced per run
}{
	{"MobileFaceNet.tflite", []int{1, 112, 112, 3}},
	{"pnet.tflite", []int{1, 240, 320, 3}},
	{"rnet.tflite", []int{1, 24, 24, 3}},
	{"onet.tflite", []int{1, 48, 48, 3}},
	{"FaceAntiSpoofing.tflite", []int{1, 256, 256, 3}},
}

func BenchmarkModels(b *testing.B) {
	for _, bm := range benchModels {
		m := loadModel(b, bm.model)
		for _, batch := range []int{1, 8} {
			shape := append([]int{batch}, bm.shape[1:]...)
			b.Run(fmt.Sprintf("%s/batch%d", bm.model, batch), func(b *testing.B) {
				in := &Tensor{Shape: shape, Data: goldenInput(shape)}
				macs, err := m.MACs(shape)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Run(in); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					m.Run(in)
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(sec*1e3/float64(batch), "ms/item")
				b.ReportMetric(2*float64(macs)/sec/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkGemm measures the GEMM alone at shapes taken from the models.
func BenchmarkGemm(b *testing.B) {
	for _, s := range []struct{ m, k, n int }{{75684, 27, 10}, {17825, 144, 32}, {3136, 64, 128}, {196, 128, 256}, {16384, 24, 24}, {1024, 48, 48}, {17825, 32, 4}} {
		for _, impl := range allGemms() {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", s.m, s.k, s.n, impl.name), func(b *testing.B) {
				a := goldenInput([]int{1, s.m * s.k})
				w := goldenInput([]int{1, s.n * s.k})
				pb := packB(w, s.n, s.k, impl.nr)
				c := make([]float32, s.m*s.n)
				scratch := make([]float32, gemmScratch(&impl))
				ep := &epilogue{}
				for b.Loop() {
					gemm(&impl, s.m, a, s.k, pb, c, s.n, ep, scratch)
				}
				b.ReportMetric(2*float64(s.m*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
