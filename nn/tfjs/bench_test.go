package tfjs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/nn"
)

// benchModels are the TF.js models with their input sizes and natural input ranges.
var benchModels = []struct {
	name   string
	hwc    []int
	lo, hi float64
}{
	{"blazeface-back", []int{256, 256, 3}, -1, 1},
	{"mobilefacenet", []int{112, 112, 3}, 0, 1},
	{"faceres", []int{224, 224, 3}, 0, 255},
	{"antispoof", []int{128, 128, 3}, 0, 1},
	{"liveness", []int{32, 32, 3}, 0, 1},
	{"facemesh", []int{192, 192, 3}, 0, 1},
}

// BenchmarkModel times one Run per op at batch 1 and 8 and reports GFLOP/s (2 flops per
// multiply-add). Run with -cpu 1 for the single-thread figures.
func BenchmarkModel(b *testing.B) {
	for _, bm := range benchModels {
		for _, batch := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/batch=%d", bm.name, batch), func(b *testing.B) {
				m := loadModel(b, bm.name)
				in := synthetic(append([]int{batch}, bm.hwc...), bm.lo, bm.hi)
				macs, err := m.MACs(in.Shape)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Run(in); err != nil { // plan outside the timing
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := m.Run(in); err != nil {
						b.Fatal(err)
					}
				}
				perOp := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(2*float64(macs)/perOp/1e9, "GFLOP/s")
				b.ReportMetric(perOp*1e3/float64(batch), "ms/image")
			})
		}
	}
}

// BenchmarkVsTFJS measures, in one process and back to back, the median latency of Go and
// of TensorFlow.js 4.22 on its WASM SIMD backend (one thread) for the same model and batch,
// and reports both and their ratio. It needs tfjs-oracle set up (npm ci, setup-models.sh)
// in the folder named by $WAJAH_TFJS_ORACLE and skips otherwise. Use -benchtime 1x.
func BenchmarkVsTFJS(b *testing.B) {
	dir := os.Getenv("WAJAH_TFJS_ORACLE")
	if dir == "" {
		b.Skip("set WAJAH_TFJS_ORACLE to a set-up copy of ../shared/tools/tfjs-oracle")
	}
	const runs = 15
	for _, bm := range benchModels {
		for _, batch := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/batch=%d", bm.name, batch), func(b *testing.B) {
				m := loadModel(b, bm.name)
				in := synthetic(append([]int{batch}, bm.hwc...), bm.lo, bm.hi)
				for b.Loop() {
					goMs, err := goMedian(m, in, runs)
					if err != nil {
						b.Fatal(err)
					}
					jsMs, err := tfjsMedian(dir, bm.name, batch, runs)
					if err != nil {
						b.Skipf("tfjs: %v", err)
					}
					b.ReportMetric(goMs, "go-ms")
					b.ReportMetric(jsMs, "tfjs-ms")
					b.ReportMetric(goMs/jsMs, "go/tfjs")
				}
			})
		}
	}
}

// goMedian is the median wall time of runs Runs after 3 warm-up runs, in ms.
func goMedian(m *nn.Model, in *nn.Tensor, runs int) (float64, error) {
	for range 3 {
		if _, err := m.Run(in); err != nil {
			return 0, err
		}
	}
	ts := make([]float64, runs)
	for i := range ts {
		start := time.Now()
		if _, err := m.Run(in); err != nil {
			return 0, err
		}
		ts[i] = float64(time.Since(start).Microseconds()) / 1e3
	}
	slices.Sort(ts)
	return ts[runs/2], nil
}

var tfjsMu sync.Mutex

// tfjsMedian runs oracle.js --bench on the wasm backend (SIMD, one thread) and returns its
// median ms per call.
func tfjsMedian(dir, model string, batch, runs int) (float64, error) {
	tfjsMu.Lock()
	defer tfjsMu.Unlock()
	cmd := exec.Command("node", "oracle.js", "--model", model, "--backend", "wasm", "--bench", fmt.Sprint(runs),
		"--bench-batches", fmt.Sprint(batch), "--json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s: %v", filepath.Join(dir, "oracle.js"), err)
	}
	var r struct {
		WasmSimd bool `json:"wasmSimd"`
		Bench    []struct {
			Batch    int     `json:"batch"`
			MedianMs float64 `json:"medianMs"`
		} `json:"bench"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, fmt.Errorf("oracle.js output: %v", err)
	}
	if !r.WasmSimd {
		return 0, fmt.Errorf("wasm backend ran without SIMD")
	}
	for _, x := range r.Bench {
		if x.Batch == batch {
			return x.MedianMs, nil
		}
	}
	return 0, fmt.Errorf("oracle.js reported no batch %d", batch)
}
