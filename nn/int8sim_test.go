package nn

import (
	"bufio"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// An accuracy experiment for a future int8 path (issue 12 item 4; there is no int8 kernel
// yet): MobileFaceNet with every layer the bf16 path covers (1x1 convolutions and FC with
// >= 16 outputs) fake-quantized as VPDPBUSD would compute it: weights symmetric int8 per
// output channel, the layer's input symmetric int8 with one scale per tensor taken from its
// own max |x| (dynamic: the best case for a per-tensor activation scale; a static scale
// calibrated on train images can only clip or coarsen more) or, second variant, one scale
// per pixel (per GEMM row, computable while packing A, as bf16 rounds it), int32 sums (exact, so a float32
// product of the dequantized values reproduces them up to float32 rounding). Inputs: the
// central 112x112 of LFW View 1 train images (LFW's 250x250 frames are face-centred; not
// the pipeline's aligned crop, which is fine for a precision comparison). Prints the cosine
// distribution to fp32 beside bf16's on the same inputs.
//
//	NN_INT8_SIM=300 go test ./nn -run TestInt8Simulation -v
const opFakeQuant Op = "testFakeQuantInt8"

func init() {
	registerOp(opFakeQuant, OpDef{
		Infer: func(n *Node, in [][]int, _ [][]float32) ([][]int, error) { return [][]int{in[0]}, nil },
		Compile: func(n *Node, in [][]int, _ [][]float32, _ [][]int) (Kernel, error) {
			row := numel(in[0])   // per tensor
			if n.Attrs.KeepDims { // per row: one scale per pixel (the K values of one GEMM row)
				row = in[0][len(in[0])-1]
			}
			return Kernel{Run: func(in, out [][]float32, _ []float32) {
				for r0 := 0; r0 < len(in[0]); r0 += row {
					fakeQuant(out[0][r0:r0+row], in[0][r0:r0+row])
				}
			}}, nil
		},
	})
}

// fakeQuant rounds x to symmetric int8 with the scale max|x|/127 and back.
func fakeQuant(dst, x []float32) {
	var mx float32
	for _, v := range x {
		mx = max(mx, float32(math.Abs(float64(v))))
	}
	s := mx / 127
	for i, v := range x {
		if s == 0 {
			dst[i] = 0
			continue
		}
		dst[i] = float32(math.RoundToEven(float64(v/s))) * s
	}
}

// int8SimModel rewrites m's graph with fake quantization in front of, and in the weights of,
// every layer the bf16 path covers.
func int8SimModel(t *testing.T, m *Model, perRow bool) *Model {
	g := &Graph{Tensors: slices.Clone(m.g.Tensors), Inputs: m.g.Inputs, Outputs: m.g.Outputs}
	for _, n := range m.g.Nodes {
		n.memo = nil
		w := -1
		switch {
		case n.Op == OpConv2D && len(g.Tensors[n.Inputs[1]].Shape) == 4:
			s := g.Tensors[n.Inputs[1]].Shape
			if s[1] == 1 && s[2] == 1 && s[0] >= 16 {
				w = n.Inputs[1]
			}
		case n.Op == OpFullyConnected && g.Tensors[n.Inputs[1]].Shape[0] >= 16:
			w = n.Inputs[1]
		}
		if w >= 0 && g.Tensors[w].Data != nil {
			td := g.Tensors[w]
			oc := td.Shape[0]
			k := len(td.Data) / oc
			q := make([]float32, len(td.Data))
			for j := 0; j < oc; j++ {
				row := td.Data[j*k : (j+1)*k]
				var mx float32
				for _, v := range row {
					mx = max(mx, float32(math.Abs(float64(v))))
				}
				if mx == 0 {
					continue
				}
				s := mx / 127
				for i, v := range row {
					q[j*k+i] = float32(math.RoundToEven(float64(v/s))) * s
				}
			}
			g.Tensors[w] = TensorDef{Name: td.Name + "/q8", Shape: td.Shape, Data: q}
			x := n.Inputs[0]
			g.Tensors = append(g.Tensors, TensorDef{Name: g.Tensors[x].Name + "/q8", Shape: g.Tensors[x].Shape})
			xq := len(g.Tensors) - 1
			g.Nodes = append(g.Nodes, Node{Name: n.Name + "/q8", Op: opFakeQuant, Inputs: []int{x}, Outputs: []int{xq}, Attrs: Attrs{KeepDims: perRow}})
			n.Inputs = slices.Clone(n.Inputs)
			n.Inputs[0] = xq
		}
		g.Nodes = append(g.Nodes, n)
	}
	out, err := FromGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInt8Simulation(t *testing.T) {
	limit := 0
	if v := os.Getenv("NN_INT8_SIM"); v != "" {
		for _, c := range v {
			limit = limit*10 + int(c-'0')
		}
	}
	if limit <= 0 {
		t.Skip("an experiment: set NN_INT8_SIM=<images> to run")
	}
	root := "../../shared/data/lfw-view1"
	f, err := os.Open(filepath.Join(root, "pairs_train.tsv"))
	if err != nil {
		t.Skipf("LFW View 1 absent: %v", err)
	}
	defer f.Close()
	var paths []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(paths) < limit {
		fs := strings.Split(sc.Text(), "\t")
		for _, p := range fs[:2] {
			if strings.HasSuffix(p, ".jpg") && !seen[p] && len(paths) < limit {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	m := loadModel(t, "MobileFaceNet.tflite")
	q8, q8r := int8SimModel(t, m, false), int8SimModel(t, m, true)
	b16, err := m.WithPrecision(BF16)
	if err != nil {
		t.Fatal(err)
	}
	cosine := func(a, b []float32) float64 {
		var d, na, nb float64
		for i := range a {
			d += float64(a[i]) * float64(b[i])
			na += float64(a[i]) * float64(a[i])
			nb += float64(b[i]) * float64(b[i])
		}
		return d / math.Sqrt(na*nb)
	}
	var c8, c8r, c16 []float64
	for _, p := range paths {
		fh, err := os.Open(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		x0, y0 := b.Min.X+(b.Dx()-112)/2, b.Min.Y+(b.Dy()-112)/2
		in := &Tensor{Shape: []int{1, 112, 112, 3}, Data: make([]float32, 112*112*3)}
		for y := 0; y < 112; y++ {
			for x := 0; x < 112; x++ {
				r, g, bl, _ := img.At(x0+x, y0+y).RGBA()
				for c, v := range []uint32{r, g, bl} {
					in.Data[(y*112+x)*3+c] = (float32(v>>8) - 127.5) / 128
				}
			}
		}
		ref, err := m.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		o8, err := q8.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		o8r, err := q8r.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		o16, err := b16.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		c8 = append(c8, cosine(ref[0].Data, o8[0].Data))
		c8r = append(c8r, cosine(ref[0].Data, o8r[0].Data))
		c16 = append(c16, cosine(ref[0].Data, o16[0].Data))
	}
	for _, r := range []struct {
		name string
		c    []float64
	}{{"int8, one activation scale per tensor", c8}, {"int8, one activation scale per pixel", c8r}, {"bf16", c16}} {
		slices.Sort(r.c)
		at := func(q float64) float64 { return r.c[min(len(r.c)-1, int(q*float64(len(r.c))))] }
		below := 0
		for _, c := range r.c {
			if c < 0.999 {
				below++
			}
		}
		t.Logf("%s vs fp32 over %d LFW train images: min %.6f p1 %.6f p50 %.6f; below 0.999: %d", r.name, len(r.c), r.c[0], at(0.01), at(0.5), below)
	}
}
