package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tfjs"
	"github.com/wajah-id/wajah/nn/tflite"
)

func init() {
	register("bench nn", "ms per inference and GFLOP/s per model (optionally vs TFLite/TF.js WASM)", runBenchNN)
}

// nnBenchModel is one model of the benchmark with the input size wajah feeds it.
type nnBenchModel struct {
	file  string
	shape []int // batch replaced per run; nil: the model's own input shape
}

var nnBenchModels = []nnBenchModel{
	{"MobileFaceNet.tflite", []int{1, 112, 112, 3}},
	{"pnet.tflite", []int{1, 240, 320, 3}},
	{"rnet.tflite", []int{1, 24, 24, 3}},
	{"onet.tflite", []int{1, 48, 48, 3}},
	{"FaceAntiSpoofing.tflite", []int{1, 256, 256, 3}},
	{"blazeface-back.json", nil},
	{"antispoof.json", nil},
	{"liveness.json", nil},
	{"faceres.json", nil},
	{"faceres-deep.json", nil},
	{"mobileface.json", nil},
	{"facemesh.json", nil},
}

// timing is one runtime's figures for one model and batch, in ms per call: median and
// minimum wall time, and CPU time (the machine is shared, so CPU time is the steadier
// comparison; 0 when unknown).
type timing struct {
	med, min, cpu float64
}

func (t timing) String() string {
	return fmt.Sprintf("%7.2f %7.2f %7.2f", t.med, t.min, t.cpu)
}

func runBenchNN(args []string) error {
	fs := flag.NewFlagSet("bench nn", flag.ContinueOnError)
	runs := fs.Int("n", 30, "timed runs per model and batch")
	batches := fs.String("batch", "1", "comma list of batch sizes")
	only := fs.String("models", "", "comma list of model files (default: all fetched)")
	tfliteEval := fs.String("tflite-eval", "", "installed copy of tools/tflite-eval: also time TFLite's WASM interpreter (1 thread)")
	tfjsOracle := fs.String("tfjs-oracle", "", "installed copy of tools/tfjs-oracle: also time TF.js 4.22 WASM SIMD (1 thread)")
	profile := fs.Bool("profile", false, "also print the slowest ops of each model")
	workers := fs.Int("workers", 1, "split each batch across this many goroutines (nn.Model.RunWorkers); above 1 the CPU column is the process's and GFLOP/s come from the median wall time")
	precs := fs.String("precision", "fp32", "comma list of precisions to time each model in (fp32, bf16); rows other than fp32 carry @precision")
	gemms := fs.Bool("gemm", false, "instead of timing models, time the kernel each model's plan runs on each of its GEMM shapes (tab-separated lines for bench/gemm_compare.sh)")
	serve := fs.Bool("serve", false, "with -gemm: list the shapes, then time the ones asked for on stdin (bench/gemm_compare.py alternates them with OpenBLAS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	benchWorkers = max(*workers, 1)
	if benchWorkers > 1 && runtime.GOMAXPROCS(0) < benchWorkers {
		runtime.GOMAXPROCS(benchWorkers)
	}
	var bs []int
	for _, s := range strings.Split(*batches, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || b < 1 {
			return fmt.Errorf("bad -batch %q", *batches)
		}
		bs = append(bs, b)
	}
	if !*gemms {
		fmt.Println("ms per call: median, min (wall) and CPU time; GFLOP/s from Go's CPU time; Go runs on one goroutine, refs are 1-thread WASM")
		fmt.Printf("%-24s %5s %23s %7s %12s %23s %11s\n", "model", "batch", "go med/min/cpu", "GFLOP/s", "ref", "ref med/min/cpu", "go/ref med/cpu")
	}
	list, err := withPrecisions(nnBenchModels, *precs)
	if err != nil {
		return err
	}
	var gemmModels []gemmModel
	for _, bm := range list {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), bm.file) {
			continue
		}
		path, err := models.Path(bm.file)
		if errors.Is(err, models.ErrMissing) {
			fmt.Printf("%-24s skipped: not fetched\n", bm.file)
			continue
		}
		var m *nn.Model
		if strings.HasSuffix(bm.file, ".json") {
			m, err = tfjs.Load(path)
		} else {
			m, err = tflite.Load(path)
		}
		if err == nil && bm.prec != nn.FP32 {
			m, err = m.WithPrecision(bm.prec)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", bm.file, err)
		}
		shape := bm.shape
		if shape == nil {
			shape = m.Inputs()[0].Shape
		}
		for _, b := range bs {
			s := append([]int{b}, shape[1:]...)
			if slices.Contains(s, -1) {
				fmt.Printf("%-24s skipped: dynamic input %v\n", bm.file, m.Inputs()[0].Shape)
				break
			}
			if *gemms {
				gemmModels = append(gemmModels, gemmModel{file: bm.label(), m: m, shape: s})
				continue
			}
			goT, gflops, err := timeGo(m, s, *runs)
			if err != nil {
				return fmt.Errorf("%s: %w", bm.file, err)
			}
			if *profile {
				if err := printProfile(m, s); err != nil {
					return err
				}
			}
			var refName string
			var ref timing
			switch {
			case *tfliteEval != "" && strings.HasSuffix(bm.file, ".tflite"):
				refName = "tflite-wasm"
				ref, err = timeTFLiteRef(*tfliteEval, path, s, *runs)
			case *tfjsOracle != "" && strings.HasSuffix(bm.file, ".json"):
				refName = "tfjs-wasm"
				ref, err = timeTFJSRef(*tfjsOracle, path, b, *runs)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: reference: %v\n", bm.file, err)
				refName = ""
			}
			if refName == "" {
				fmt.Printf("%-24s %5d %23s %7.1f\n", bm.label(), b, goT, gflops)
				continue
			}
			cpuRatio := "    -"
			if ref.cpu > 0 {
				cpuRatio = fmt.Sprintf("%5.2f", goT.cpu/ref.cpu)
			}
			fmt.Printf("%-24s %5d %23s %7.1f %12s %23s %5.2f %s\n", bm.label(), b, goT, gflops, refName, ref, goT.med/ref.med, cpuRatio)
		}
	}
	switch {
	case *gemms && *serve:
		return serveGEMMs(os.Stdin, os.Stdout, gemmModels)
	case *gemms:
		return printGEMMs(os.Stdout, gemmModels)
	}
	return nil
}

// benchInput is a deterministic pattern in [-1, 1].
func benchInput(shape []int) *nn.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.001))
	}
	return &nn.Tensor{Shape: shape, Data: x}
}

// threadCPU is the calling thread's CPU time in ms.
func threadCPU() float64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return float64(ts.Nano()) / 1e6
}

// benchWorkers is bench nn's -workers.
var benchWorkers = 1

// timeGo times Run and returns GFLOP/s from the CPU time (2 FLOPs per multiply-add); with
// -workers above 1 it times RunWorkers, with the process's CPU time and GFLOP/s from the
// median wall time (the work is spread over threads).
func timeGo(m *nn.Model, shape []int, runs int) (timing, float64, error) {
	if benchWorkers > 1 {
		return timeGoWorkers(m, shape, runs, benchWorkers)
	}
	in := benchInput(shape)
	macs, err := m.MACs(shape)
	if err != nil {
		return timing{}, 0, err
	}
	for i := 0; i < 3; i++ {
		if _, err := m.Run(in); err != nil {
			return timing{}, 0, err
		}
	}
	runtime.LockOSThread() // so the thread CPU clock follows this goroutine
	defer runtime.UnlockOSThread()
	ts := make([]float64, runs)
	cpu0 := threadCPU()
	for i := range ts {
		t0 := time.Now()
		m.Run(in)
		ts[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	t := timing{med: median(ts), min: slices.Min(ts), cpu: (threadCPU() - cpu0) / float64(runs)}
	per := t.cpu // CPU time: on a shared machine wall time counts other jobs' turns
	if per <= 0 {
		per = t.med
	}
	return t, 2 * float64(macs) / (per / 1e3) / 1e9, nil
}

func timeGoWorkers(m *nn.Model, shape []int, runs, workers int) (timing, float64, error) {
	in := benchInput(shape)
	macs, err := m.MACs(shape)
	if err != nil {
		return timing{}, 0, err
	}
	for i := 0; i < 3; i++ {
		if _, err := m.RunWorkers(workers, in); err != nil {
			return timing{}, 0, err
		}
	}
	ts := make([]float64, runs)
	cpu0 := procCPU(os.Getpid())
	for i := range ts {
		t0 := time.Now()
		m.RunWorkers(workers, in)
		ts[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	t := timing{med: median(ts), min: slices.Min(ts), cpu: (procCPU(os.Getpid()) - cpu0) / float64(runs)}
	return t, 2 * float64(macs) / (t.med / 1e3) / 1e9, nil
}

func median(ts []float64) float64 {
	s := append([]float64(nil), ts...)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// procCPU returns a process's user+system CPU time in ms from /proc (clock ticks).
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) * 10 // USER_HZ is 100 on Linux
}

// timeTFLiteRef times TFLite's interpreter (tfjs-tflite WASM, XNNPACK, 1 thread) through
// infer-server.js on the same input shape. MobileFaceNet's file fixes batch 2 in a Reshape,
// so it is fed batch 2 and the time scaled to the requested batch; batch-1 files run larger
// batches as consecutive batch-1 calls (the server's loop mode). CPU time is the server
// process's over at least a second of timed runs, so it includes the server's own per-call
// overhead (noticeable only for sub-millisecond models).
func timeTFLiteRef(dir, model string, shape []int, runs int) (timing, error) {
	raw, err := os.ReadFile(model)
	if err != nil {
		return timing{}, err
	}
	feed := append([]int(nil), shape...)
	scale, loop := 1.0, false
	if strings.Contains(filepath.Base(model), "MobileFaceNet") {
		feed[0] = 2
		scale = float64(shape[0]) / 2
	} else if shape[0] > 1 {
		loop = true
	}
	fileShape := append([]int(nil), feed...)
	if loop {
		fileShape[0] = 1
	}
	if err := tflite.PatchInputShape(raw, fileShape); err != nil {
		return timing{}, err
	}
	tmp, err := os.CreateTemp("", "bench-*.tflite")
	if err != nil {
		return timing{}, err
	}
	defer os.Remove(tmp.Name())
	tmp.Write(raw)
	tmp.Close()
	cmd := exec.Command("node", filepath.Join(dir, "infer-server.js"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return timing{}, err
	}
	defer cmd.Wait()
	defer stdin.Close()
	in := benchInput(feed)
	hdr, _ := json.Marshal(map[string]any{"model": tmp.Name(), "loop": loop,
		"inputs": []map[string]any{{"name": "input", "shape": feed}}})
	var req bytes.Buffer
	binary.Write(&req, binary.LittleEndian, uint32(len(hdr)))
	req.Write(hdr)
	binary.Write(&req, binary.LittleEndian, in.Data)
	br := bufio.NewReader(stdout)
	call := func() (float64, error) {
		if _, err := stdin.Write(req.Bytes()); err != nil {
			return 0, err
		}
		var n uint32
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return 0, fmt.Errorf("infer-server: %w", err)
		}
		hb := make([]byte, n)
		if _, err := io.ReadFull(br, hb); err != nil {
			return 0, err
		}
		var resp struct {
			Outputs []struct{ Shape []int }
			Ms      []float64
			Error   string
		}
		if err := json.Unmarshal(hb, &resp); err != nil {
			return 0, err
		}
		if resp.Error != "" {
			return 0, errors.New(resp.Error)
		}
		for _, o := range resp.Outputs {
			sz := 4
			for _, d := range o.Shape {
				sz *= d
			}
			io.CopyN(io.Discard, br, int64(sz))
		}
		total := 0.0
		for _, v := range resp.Ms {
			total += v
		}
		return total * scale, nil
	}
	for i := 0; i < 3; i++ { // warm-up
		if _, err := call(); err != nil {
			return timing{}, err
		}
	}
	var ts []float64
	cpu0, start := procCPU(cmd.Process.Pid), time.Now()
	for len(ts) < runs || (time.Since(start) < time.Second && len(ts) < 2000) {
		ms, err := call()
		if err != nil {
			return timing{}, err
		}
		ts = append(ts, ms)
	}
	cpu := (procCPU(cmd.Process.Pid) - cpu0) / float64(len(ts)) * scale
	return timing{med: median(ts), min: slices.Min(ts), cpu: cpu}, nil
}

// timeTFJSRef runs tfjs-oracle's own benchmark (TF.js 4.22 WASM SIMD, 1 thread). CPU time
// per call is the difference in the child's CPU time between a short and a long run, which
// cancels start-up, model loading and warm-up.
func timeTFJSRef(dir, modelJSON string, batch, runs int) (timing, error) {
	name := strings.TrimSuffix(filepath.Base(modelJSON), ".json")
	oracle := func(n int) (timing, float64, error) {
		cmd := exec.Command("node", filepath.Join(dir, "oracle.js"), "--model", name, "--backend", "wasm",
			"--models-dir", filepath.Dir(modelJSON), "--bench", strconv.Itoa(n), "--bench-batches", strconv.Itoa(batch), "--json")
		out, err := cmd.Output()
		if err != nil {
			return timing{}, 0, fmt.Errorf("oracle.js: %w", err)
		}
		cpu := 0.0
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			cpu = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
		}
		for _, line := range strings.Split(string(out), "\n") {
			var r struct {
				Bench []struct {
					MedianMs, MinMs float64
				}
			}
			if json.Unmarshal([]byte(line), &r) == nil && len(r.Bench) > 0 {
				return timing{med: r.Bench[0].MedianMs, min: r.Bench[0].MinMs}, cpu, nil
			}
		}
		return timing{}, 0, errors.New("oracle.js printed no bench line")
	}
	_, cpuShort, err := oracle(2)
	if err != nil {
		return timing{}, err
	}
	long, cpuLong, err := oracle(runs + 2)
	if err != nil {
		return timing{}, err
	}
	if d := cpuLong - cpuShort; d > 0 {
		long.cpu = d / float64(runs)
	}
	return long, nil
}

// printProfile prints where one run's time goes, aggregated by op and shapes.
func printProfile(m *nn.Model, shape []int) error {
	steps, err := m.Profile(10, benchInput(shape))
	if err != nil {
		return err
	}
	type row struct {
		key  string
		d    time.Duration
		macs int64
	}
	agg := map[string]*row{}
	var total time.Duration
	for _, s := range steps {
		op := string(s.Op)
		if s.Impl != "" {
			op += "/" + s.Impl
		}
		key := fmt.Sprintf("%s %v->%v act%d", op, s.In, s.Out, s.Act)
		if agg[key] == nil {
			agg[key] = &row{key: key}
		}
		agg[key].d += s.Duration
		agg[key].macs += s.MACs
		total += s.Duration
	}
	rows := make([]*row, 0, len(agg))
	for _, r := range agg {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *row) int { return int(b.d - a.d) })
	fmt.Printf("  profile (thread CPU time): %.2f ms in %d steps\n", float64(total.Microseconds())/1e3, len(steps))
	for _, r := range rows[:min(15, len(rows))] {
		fmt.Printf("  %8.3f ms %5.1f%% %6.1f GFLOP/s  %s\n", float64(r.d.Microseconds())/1e3,
			100*float64(r.d)/float64(total), 2*float64(r.macs)/r.d.Seconds()/1e9, r.key)
	}
	return nil
}
