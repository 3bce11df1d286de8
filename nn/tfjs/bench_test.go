package tfjs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
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
				c0 := cpuTime()
				for b.Loop() {
					if _, err := m.Run(in); err != nil {
						b.Fatal(err)
					}
				}
				perOp := b.Elapsed().Seconds() / float64(b.N)
				// CPU time per image: less disturbed than wall time on a shared machine.
				b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N*batch), "cpu-ms/image")
				b.ReportMetric(2*float64(macs)/perOp/1e9, "GFLOP/s")
				b.ReportMetric(perOp*1e3/float64(batch), "ms/image")
			})
		}
	}
}

// BenchmarkVsTFJS measures, in one process and back to back, Go and TensorFlow.js 4.22 on
// its WASM SIMD backend (one thread) for the same model and batch. It reports median wall
// time per call (go-ms, tfjs-ms) and CPU time per call (go-cpu-ms, tfjs-cpu-ms: for node,
// the CPU time of a long run minus a short one, so start-up and warm-up cancel), and the
// ratios. CPU time is the fairer figure on a machine shared with other jobs. It needs
// tfjs-oracle set up (npm ci, setup-models.sh) in the folder named by $WAJAH_TFJS_ORACLE
// and skips otherwise. Use -benchtime 1x -cpu 1.
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
					goMs, goCPU, err := goMedian(m, in, runs)
					if err != nil {
						b.Fatal(err)
					}
					jsMs, jsCPU, err := tfjsTimes(dir, bm.name, batch, runs)
					if err != nil {
						b.Skipf("tfjs: %v", err)
					}
					b.ReportMetric(goMs, "go-ms")
					b.ReportMetric(jsMs, "tfjs-ms")
					b.ReportMetric(goMs/jsMs, "go/tfjs")
					b.ReportMetric(goCPU, "go-cpu-ms")
					b.ReportMetric(jsCPU, "tfjs-cpu-ms")
					b.ReportMetric(goCPU/jsCPU, "go/tfjs-cpu")
				}
			})
		}
	}
}

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// goMedian returns the median wall time of runs Runs after 3 warm-up runs and the mean CPU
// time per run, in ms.
func goMedian(m *nn.Model, in *nn.Tensor, runs int) (wall, cpu float64, err error) {
	for range 3 {
		if _, err := m.Run(in); err != nil {
			return 0, 0, err
		}
	}
	ts := make([]float64, runs)
	c0 := cpuTime()
	for i := range ts {
		start := time.Now()
		if _, err := m.Run(in); err != nil {
			return 0, 0, err
		}
		ts[i] = float64(time.Since(start).Microseconds()) / 1e3
	}
	cpu = float64((cpuTime() - c0).Microseconds()) / 1e3 / float64(runs)
	slices.Sort(ts)
	return ts[runs/2], cpu, nil
}

var tfjsMu sync.Mutex

// tfjsTimes runs oracle.js --bench on the wasm backend (SIMD, one thread) twice, with few
// and with many timed runs, and returns the median ms per call of the long run and the CPU
// ms per call from the difference of the two processes' CPU times.
func tfjsTimes(dir, model string, batch, runs int) (wall, cpu float64, err error) {
	tfjsMu.Lock()
	defer tfjsMu.Unlock()
	_, shortCPU, err := tfjsRun(dir, model, batch, 3)
	if err != nil {
		return 0, 0, err
	}
	wall, longCPU, err := tfjsRun(dir, model, batch, 3+runs)
	if err != nil {
		return 0, 0, err
	}
	return wall, float64((longCPU - shortCPU).Microseconds()) / 1e3 / float64(runs), nil
}

func tfjsRun(dir, model string, batch, runs int) (float64, time.Duration, error) {
	cmd := exec.Command("node", "oracle.js", "--model", model, "--backend", "wasm", "--bench", fmt.Sprint(runs),
		"--bench-batches", fmt.Sprint(batch), "--json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v", filepath.Join(dir, "oracle.js"), err)
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	var r struct {
		WasmSimd bool `json:"wasmSimd"`
		Threads  int  `json:"wasmThreads"`
		Bench    []struct {
			Batch    int     `json:"batch"`
			MedianMs float64 `json:"medianMs"`
		} `json:"bench"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, 0, fmt.Errorf("oracle.js output: %v", err)
	}
	if !r.WasmSimd || r.Threads != 1 {
		return 0, 0, fmt.Errorf("wasm backend ran with simd=%v threads=%d", r.WasmSimd, r.Threads)
	}
	for _, x := range r.Bench {
		if x.Batch == batch {
			return x.MedianMs, cpu, nil
		}
	}
	return 0, 0, fmt.Errorf("oracle.js reported no batch %d", batch)
}
