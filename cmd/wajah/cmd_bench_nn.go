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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tfjs"
)

func init() {
	register("bench nn", "ms per inference and GFLOP/s per model (optionally vs TFLite/TF.js WASM)", runBenchNN)
}

// nnBenchModel is one model of the benchmark with the input size wajah feeds it.
type nnBenchModel struct {
	file  string
	shape []int // batch replaced per run; dynamic H, W set here
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
	{"facemesh.json", nil},
}

func runBenchNN(args []string) error {
	fs := flag.NewFlagSet("bench nn", flag.ContinueOnError)
	runs := fs.Int("n", 30, "timed runs per model and batch (median reported)")
	batches := fs.String("batch", "1", "comma list of batch sizes")
	only := fs.String("models", "", "comma list of model files (default: all fetched)")
	tfliteEval := fs.String("tflite-eval", "", "installed copy of tools/tflite-eval: also time TFLite's WASM interpreter (1 thread)")
	tfjsOracle := fs.String("tfjs-oracle", "", "installed copy of tools/tfjs-oracle: also time TF.js 4.22 WASM SIMD (1 thread)")
	profile := fs.Bool("profile", false, "also print the slowest ops of each model")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var bs []int
	for _, s := range strings.Split(*batches, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || b < 1 {
			return fmt.Errorf("bad -batch %q", *batches)
		}
		bs = append(bs, b)
	}
	fmt.Println("ms per call, median (min) of -n runs; one goroutine; refs are 1-thread WASM")
	fmt.Printf("%-24s %5s %16s %8s %12s %16s %12s\n", "model", "batch", "go ms", "GFLOP/s", "ref", "ref ms", "go/ref")
	for _, bm := range nnBenchModels {
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
			m, err = nn.LoadTFLite(path)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", bm.file, err)
		}
		shape := bm.shape
		if shape == nil {
			shape = append([]int(nil), m.Inputs()[0].Shape...)
		}
		for _, b := range bs {
			s := append([]int{b}, shape[1:]...)
			if slices.Contains(s, -1) {
				fmt.Printf("%-24s skipped: dynamic input %v\n", bm.file, m.Inputs()[0].Shape)
				break
			}
			goMs, goMin, gflops, err := timeGo(m, s, *runs)
			if err != nil {
				return fmt.Errorf("%s: %w", bm.file, err)
			}
			if *profile {
				if err := printProfile(m, s); err != nil {
					return err
				}
			}
			refName, refMs, refMin := "", 0.0, 0.0
			switch {
			case *tfliteEval != "" && strings.HasSuffix(bm.file, ".tflite"):
				refName = "tflite-wasm"
				refMs, refMin, err = timeTFLiteRef(*tfliteEval, path, s, *runs)
			case *tfjsOracle != "" && strings.HasSuffix(bm.file, ".json"):
				refName = "tfjs-wasm"
				refMs, refMin, err = timeTFJSRef(*tfjsOracle, path, b, *runs)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: reference: %v\n", bm.file, err)
				refName = ""
			}
			goCol := fmt.Sprintf("%.2f (%.2f)", goMs, goMin)
			if refName == "" {
				fmt.Printf("%-24s %5d %16s %8.1f\n", bm.file, b, goCol, gflops)
				continue
			}
			fmt.Printf("%-24s %5d %16s %8.1f %12s %16s %5.2f (%.2f)\n", bm.file, b, goCol, gflops, refName,
				fmt.Sprintf("%.2f (%.2f)", refMs, refMin), goMs/refMs, goMin/refMin)
		}
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

// timeGo returns the median and minimum ms per Run call and GFLOP/s at the median
// (2 FLOPs per multiply-add).
func timeGo(m *nn.Model, shape []int, runs int) (float64, float64, float64, error) {
	in := benchInput(shape)
	macs, err := m.MACs(shape)
	if err != nil {
		return 0, 0, 0, err
	}
	for i := 0; i < 3; i++ {
		if _, err := m.Run(in); err != nil {
			return 0, 0, 0, err
		}
	}
	ts := make([]float64, runs)
	for i := range ts {
		t0 := time.Now()
		m.Run(in)
		ts[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	med := median(ts)
	return med, slices.Min(ts), 2 * float64(macs) / (med / 1e3) / 1e9, nil
}

func median(ts []float64) float64 {
	s := append([]float64(nil), ts...)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// timeTFLiteRef times TFLite's interpreter (tfjs-tflite WASM, XNNPACK, 1 thread) through
// infer-server.js on the same input shape. Files that fix the batch (MobileFaceNet: 2) are
// fed their own batch and the time is scaled to the requested batch.
func timeTFLiteRef(dir, model string, shape []int, runs int) (float64, float64, error) {
	raw, err := os.ReadFile(model)
	if err != nil {
		return 0, 0, err
	}
	m, err := nn.ParseTFLite(raw)
	if err != nil {
		return 0, 0, err
	}
	feed := append([]int(nil), shape...)
	scale := 1.0
	loop := false
	if strings.Contains(model, "MobileFaceNet") { // batch 2 is baked into a Reshape
		feed[0] = 2
		scale = float64(shape[0]) / 2
	} else if shape[0] > 1 {
		loop = true // batch-1 files: the server splits the batch into runs
	}
	_ = m
	file1 := append([]int{1}, feed[1:]...)
	if feed[0] == 2 {
		file1[0] = 2
	}
	if err := nn.PatchTFLiteInputShape(raw, file1); err != nil {
		return 0, 0, err
	}
	tmp, err := os.CreateTemp("", "bench-*.tflite")
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(tmp.Name())
	tmp.Write(raw)
	tmp.Close()
	cmd := exec.Command("node", filepath.Join(dir, "infer-server.js"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
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
	var ts []float64
	for i := 0; i < runs+3; i++ {
		if _, err := stdin.Write(req.Bytes()); err != nil {
			return 0, 0, err
		}
		var n uint32
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return 0, 0, fmt.Errorf("infer-server: %w", err)
		}
		hb := make([]byte, n)
		if _, err := io.ReadFull(br, hb); err != nil {
			return 0, 0, err
		}
		var resp struct {
			Outputs []struct{ Shape []int }
			Ms      []float64
			Error   string
		}
		if err := json.Unmarshal(hb, &resp); err != nil {
			return 0, 0, err
		}
		if resp.Error != "" {
			return 0, 0, errors.New(resp.Error)
		}
		for _, o := range resp.Outputs {
			sz := 4
			for _, d := range o.Shape {
				sz *= d
			}
			io.CopyN(io.Discard, br, int64(sz))
		}
		if i >= 3 { // warm-up
			total := 0.0
			for _, v := range resp.Ms {
				total += v
			}
			ts = append(ts, total*scale)
		}
	}
	return median(ts), slices.Min(ts), nil
}

// timeTFJSRef runs tfjs-oracle's own benchmark (TF.js 4.22 WASM SIMD, 1 thread).
func timeTFJSRef(dir, modelJSON string, batch, runs int) (float64, float64, error) {
	name := strings.TrimSuffix(filepath.Base(modelJSON), ".json")
	cmd := exec.Command("node", filepath.Join(dir, "oracle.js"), "--model", name, "--backend", "wasm",
		"--models-dir", filepath.Dir(modelJSON), "--bench", strconv.Itoa(runs), "--bench-batches", strconv.Itoa(batch), "--json")
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("oracle.js: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		var r struct {
			Bench []struct {
				Batch    int
				MedianMs float64
				MinMs    float64
			}
		}
		if json.Unmarshal([]byte(line), &r) == nil && len(r.Bench) > 0 {
			return r.Bench[0].MedianMs, r.Bench[0].MinMs, nil
		}
	}
	return 0, 0, errors.New("oracle.js printed no bench line")
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
		key := fmt.Sprintf("%s %v->%v act%d", s.Op, s.In, s.Out, s.Act)
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
