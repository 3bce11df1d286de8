package tfjs

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
)

// Oracle tolerances, as the README states them: max abs error within 1e-5 of the output's
// largest magnitude (worst seen 4.4e-6, faceres' pooled features), cosine similarity at
// least 0.9999999.
const (
	relTol = 1e-5
	cosTol = 0.9999999
)

// oracleDir finds ../shared/oracle above the working directory or skips the test.
func oracleDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "oracle")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		if filepath.Dir(d) == d {
			t.Skip("shared/oracle not found above the working directory: reference tensors absent")
		}
	}
}

// loadModel loads a TF.js model from the models folder or skips when it is not fetched.
func loadModel(t testing.TB, name string) *nn.Model {
	t.Helper()
	p, err := models.Path(name + ".json")
	if errors.Is(err, models.ErrMissing) {
		t.Skipf("%v", err)
	}
	m, err := Load(p)
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	return m
}

func readF32(t testing.TB, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%4 != 0 {
		t.Fatalf("%s: %d bytes is not a float32 file", path, len(b))
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// synthetic is the oracle's input formula mapped to [lo, hi]: f32(lo + (hi-lo)*s) with
// s = sin(i*0.001)*0.5+0.5 in float64.
func synthetic(shape []int, lo, hi float64) *nn.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(lo + (hi-lo)*(math.Sin(float64(i)*0.001)*0.5+0.5))
	}
	return &nn.Tensor{Shape: shape, Data: data}
}

// errStats compares got with want: max abs error over want's largest magnitude, and cosine.
func errStats(got, want []float32) (rel, cos float64) {
	var maxErr, maxMag, dot, ng, nw float64
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		maxErr = math.Max(maxErr, math.Abs(g-w))
		maxMag = math.Max(maxMag, math.Abs(w))
		dot += g * w
		ng += g * g
		nw += w * w
	}
	if maxMag == 0 {
		maxMag = 1
	}
	if ng == 0 && nw == 0 {
		return maxErr / maxMag, 1
	}
	return maxErr / maxMag, dot / math.Sqrt(ng*nw)
}

// oracleOutputs is the part of the oracle's outputs.json the tests read.
type oracleOutputs struct {
	Input struct {
		Shape  []int  `json:"shape"`
		SHA256 string `json:"sha256"`
	} `json:"input"`
	Outputs []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		File  string `json:"file"`
	} `json:"outputs"`
}

func readOutputs(t testing.TB, dir string) oracleOutputs {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o oracleOutputs
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return o
}

func sha(data []float32) string {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkOutputs runs m on in and compares every output named in the oracle folder dir.
func checkOutputs(t *testing.T, m *nn.Model, in *nn.Tensor, dir string) {
	t.Helper()
	o := readOutputs(t, dir)
	if got := sha(in.Data); got != o.Input.SHA256 {
		t.Fatalf("synthetic input sha256 %s, oracle %s: the formula drifted", got, o.Input.SHA256)
	}
	outs, err := m.Run(in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	specs := m.Outputs()
	for _, want := range o.Outputs {
		idx := -1
		for i, s := range specs {
			if s.Name == want.Name {
				idx = i
			}
		}
		if idx < 0 {
			t.Errorf("model has no output %q (outputs %v)", want.Name, specs)
			continue
		}
		got := outs[idx]
		if !equalInts(got.Shape, want.Shape) {
			t.Errorf("%s: shape %v, oracle %v", want.Name, got.Shape, want.Shape)
			continue
		}
		ref := readF32(t, filepath.Join(dir, want.File))
		rel, cos := errStats(got.Data, ref)
		t.Logf("%s %v: max abs err %.3g of max |x|, cosine %.9f", want.Name, want.Shape, rel, cos)
		if !(rel <= relTol) || !(cos >= cosTol) {
			t.Errorf("%s: max abs err %.3g of max |x| (limit %g), cosine %.9f (limit %g)", want.Name, rel, relTol, cos, cosTol)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOracle compares every TF.js model with TensorFlow.js 4.22 (cpu backend) on the
// synthetic inputs, plain and ranged.
func TestOracle(t *testing.T) {
	cases := []struct {
		model, dir string
		shape      []int
		lo, hi     float64
	}{
		{"blazeface-back", "blazeface-back", []int{1, 256, 256, 3}, 0, 1},
		{"blazeface-back", "blazeface-back/ranged", []int{1, 256, 256, 3}, -1, 1},
		{"mobilefacenet", "mobilefacenet", []int{1, 112, 112, 3}, 0, 1},
		{"faceres", "faceres", []int{1, 224, 224, 3}, 0, 1},
		{"faceres", "faceres/ranged", []int{1, 224, 224, 3}, 0, 255},
		{"antispoof", "antispoof", []int{1, 128, 128, 3}, 0, 1},
		{"liveness", "liveness", []int{1, 32, 32, 3}, 0, 1},
	}
	root := oracleDir(t)
	loaded := map[string]*nn.Model{}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			dir := filepath.Join(root, c.dir)
			if _, err := os.Stat(dir); err != nil {
				t.Skipf("oracle folder %s absent", dir)
			}
			m := loaded[c.model]
			if m == nil {
				m = loadModel(t, c.model)
				loaded[c.model] = m
			}
			checkOutputs(t, m, synthetic(c.shape, c.lo, c.hi), dir)
		})
	}
}

// TestFacemeshGolden compares facemesh (which the shared oracle lacks) with outputs of
// tfjs-oracle kept in testdata/facemesh (see testdata/README.md).
func TestFacemeshGolden(t *testing.T) {
	m := loadModel(t, "facemesh")
	checkOutputs(t, m, synthetic([]int{1, 192, 192, 3}, 0, 1), filepath.Join("testdata", "facemesh"))
}

// TestFacemeshDetectionFullGolden compares MediaPipe's full-range face detector (the
// shared oracle lacks it; DepthToSpace and ResizeBilinear run here) with tfjs-oracle's face
// output kept in testdata/facemesh-detection-full (see testdata/README.md).
func TestFacemeshDetectionFullGolden(t *testing.T) {
	m := loadModel(t, "facemesh-detection-full")
	checkOutputs(t, m, synthetic([]int{1, 192, 192, 3}, -1, 1), filepath.Join("testdata", "facemesh-detection-full"))
}

// TestBlazefaceRealFaces runs the detector on the face-ref inputs (real faces through
// human's preprocessing) and compares the merged 896x17 rows.
func TestBlazefaceRealFaces(t *testing.T) {
	root := oracleDir(t)
	m := loadModel(t, "blazeface-back")
	for _, face := range []string{"face-ref-a", "face-ref-b"} {
		t.Run(face, func(t *testing.T) {
			dir := filepath.Join(root, face, "cpu")
			in := readF32(t, filepath.Join(dir, "blazeface_input256.f32"))
			want := readF32(t, filepath.Join(dir, "blazeface_rows896x17.f32"))
			outs, err := m.Run(&nn.Tensor{Shape: []int{1, 256, 256, 3}, Data: in})
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string][]float32{}
			for i, s := range m.Outputs() {
				byName[s.Name] = outs[i].Data
			}
			// Rows 0-511: Identity (logit) and Identity_2 (16 regressors); 512-895: Identity_1, Identity_3.
			got := make([]float32, 0, 896*17)
			for _, part := range []struct {
				logit, reg string
				n          int
			}{{"Identity", "Identity_2", 512}, {"Identity_1", "Identity_3", 384}} {
				l, r := byName[part.logit], byName[part.reg]
				if len(l) != part.n || len(r) != part.n*16 {
					t.Fatalf("outputs %s/%s have %d/%d values", part.logit, part.reg, len(l), len(r))
				}
				for i := 0; i < part.n; i++ {
					got = append(got, l[i])
					got = append(got, r[16*i:16*i+16]...)
				}
			}
			if len(want) != len(got) {
				t.Fatalf("reference has %d values, got %d", len(want), len(got))
			}
			rel, cos := errStats(got, want)
			t.Logf("rows: max abs err %.3g of max |x|, cosine %.9f", rel, cos)
			if !(rel <= relTol) || !(cos >= cosTol) {
				t.Errorf("max abs err %.3g of max |x|, cosine %.9f", rel, cos)
			}
		})
	}
}

// TestDynamicBatch checks that a batch of different images gives each image's batch-1 result.
func TestDynamicBatch(t *testing.T) {
	for _, c := range []struct {
		model string
		hwc   []int
	}{{"blazeface-back", []int{256, 256, 3}}, {"liveness", []int{32, 32, 3}}, {"antispoof", []int{128, 128, 3}}} {
		t.Run(c.model, func(t *testing.T) {
			m := loadModel(t, c.model)
			const n = 2
			shape := append([]int{n}, c.hwc...)
			batch := synthetic(shape, 0, 1)
			per := len(batch.Data) / n
			outs, err := m.Run(batch)
			if err != nil {
				t.Fatal(err)
			}
			for b := 0; b < n; b++ {
				one := &nn.Tensor{Shape: append([]int{1}, c.hwc...), Data: batch.Data[b*per : (b+1)*per]}
				single, err := m.Run(one)
				if err != nil {
					t.Fatal(err)
				}
				for o := range outs {
					if outs[o].Shape[0] != n {
						t.Fatalf("output %d shape %v: batch not carried", o, outs[o].Shape)
					}
					k := len(single[o].Data)
					rel, cos := errStats(outs[o].Data[b*k:(b+1)*k], single[o].Data)
					if rel > 1e-5 || cos < 0.999999 {
						t.Errorf("image %d output %d: batched differs from single (rel %.3g, cos %.9f)", b, o, rel, cos)
					}
				}
			}
		})
	}
}
