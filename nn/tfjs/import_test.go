package tfjs

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/nn"
)

// fixture is a small but complete graph model: conv (float16 weights) + bias + relu, max
// pool, reshape, fully connected (uint8 weights), softmax. Tests mutate it.
type fixture struct {
	nodes    []map[string]any
	manifest []map[string]any
	shard    []byte
}

func attrS(s string) map[string]any {
	return map[string]any{"s": base64.StdEncoding.EncodeToString([]byte(s))}
}
func attrInts(v ...int) map[string]any {
	l := make([]string, len(v))
	for i, x := range v {
		l[i] = json.Number(itoa(x)).String()
	}
	return map[string]any{"list": map[string]any{"i": l}}
}
func attrStrs(v ...string) map[string]any {
	l := make([]string, len(v))
	for i, s := range v {
		l[i] = base64.StdEncoding.EncodeToString([]byte(s))
	}
	return map[string]any{"list": map[string]any{"s": l}}
}
func itoa(x int) string { b, _ := json.Marshal(x); return string(b) }

func shapeAttr(dims ...int) map[string]any {
	d := make([]map[string]any, len(dims))
	for i, v := range dims {
		d[i] = map[string]any{"size": itoa(v)}
	}
	return map[string]any{"shape": map[string]any{"dim": d}}
}

func constNode(name, dtype string) map[string]any {
	return map[string]any{"name": name, "op": "Const", "attr": map[string]any{
		"dtype": map[string]any{"type": dtype}, "value": map[string]any{"tensor": map[string]any{"dtype": dtype}}}}
}

// float16 encodes v (finite, normal range) as IEEE half, rounding to nearest.
func float16(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	man := b & 0x7fffff
	if exp <= 0 {
		return sign
	}
	h := sign | uint16(exp)<<10 | uint16(man>>13)
	if man&0x1000 != 0 {
		h++
	}
	return h
}

func newFixture() *fixture {
	f := &fixture{}
	var shard bytes.Buffer
	// conv filter HWIO [3,3,2,3] as float16.
	for i := 0; i < 3*3*2*3; i++ {
		binary.Write(&shard, binary.LittleEndian, float16(float32(i%7-3)*0.25))
	}
	// bias [3] float32.
	for _, v := range []float32{0.5, -0.25, 0.125} {
		binary.Write(&shard, binary.LittleEndian, v)
	}
	// reshape target [-1, 12] int32.
	for _, v := range []int32{-1, 12} {
		binary.Write(&shard, binary.LittleEndian, v)
	}
	// dense [12, 2] uint8, scale 0.01 min -1.
	for i := 0; i < 24; i++ {
		shard.WriteByte(byte(i * 10))
	}
	f.shard = shard.Bytes()
	f.manifest = []map[string]any{{
		"paths": []string{"w.bin"},
		"weights": []map[string]any{
			{"name": "filter", "shape": []int{3, 3, 2, 3}, "dtype": "float32", "quantization": map[string]any{"dtype": "float16", "original_dtype": "float32"}},
			{"name": "bias", "shape": []int{3}, "dtype": "float32"},
			{"name": "shape", "shape": []int{2}, "dtype": "int32"},
			{"name": "dense", "shape": []int{12, 2}, "dtype": "float32", "quantization": map[string]any{"dtype": "uint8", "scale": 0.01, "min": -1.0}},
		},
	}}
	f.nodes = []map[string]any{
		{"name": "x", "op": "Placeholder", "attr": map[string]any{"dtype": map[string]any{"type": "DT_FLOAT"}, "shape": shapeAttr(-1, 4, 4, 2)}},
		constNode("filter", "DT_FLOAT"), constNode("bias", "DT_FLOAT"), constNode("shape", "DT_INT32"), constNode("dense", "DT_FLOAT"),
		{"name": "conv", "op": "_FusedConv2D", "input": []string{"x", "filter", "bias"}, "attr": map[string]any{
			"padding": attrS("SAME"), "strides": attrInts(1, 1, 1, 1), "dilations": attrInts(1, 1, 1, 1),
			"data_format": attrS("NHWC"), "fused_ops": attrStrs("BiasAdd", "Relu"), "num_args": map[string]any{"i": "1"}}},
		{"name": "pool", "op": "MaxPool", "input": []string{"conv"}, "attr": map[string]any{
			"padding": attrS("VALID"), "strides": attrInts(1, 2, 2, 1), "ksize": attrInts(1, 2, 2, 1)}},
		{"name": "flat", "op": "Reshape", "input": []string{"pool", "shape"}},
		{"name": "fc", "op": "MatMul", "input": []string{"flat", "dense", "^pool"}},
		{"name": "prob", "op": "Softmax", "input": []string{"fc"}},
		{"name": "Identity", "op": "Identity", "input": []string{"prob:0"}},
	}
	return f
}

func (f *fixture) json() []byte {
	b, err := json.Marshal(map[string]any{
		"format": "graph-model", "modelTopology": map[string]any{"node": f.nodes}, "weightsManifest": f.manifest,
	})
	if err != nil {
		panic(err)
	}
	return b
}

// write stores the fixture in a fresh folder and returns model.json's path.
func (f *fixture) write(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.bin"), f.shard, 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "model.json")
	if err := os.WriteFile(p, f.json(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) node(name string) map[string]any {
	for _, n := range f.nodes {
		if n["name"] == name {
			return n
		}
	}
	panic("no node " + name)
}

// TestFixtureRuns checks the importer's layout conversions numerically on the fixture
// against a direct evaluation of the TF semantics.
func TestFixtureRuns(t *testing.T) {
	f := newFixture()
	m, err := Load(f.write(t))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	in := synthetic([]int{2, 4, 4, 2}, -1, 1)
	outs, err := m.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 || !equalInts(outs[0].Shape, []int{2, 2}) {
		t.Fatalf("outputs %v", outs)
	}
	if got := m.Outputs()[0].Name; got != "Identity" {
		t.Errorf("output name %q, want Identity", got)
	}
	want := fixtureReference(f, in.Data)
	rel, cos := errStats(outs[0].Data, want)
	if rel > 1e-6 || cos < 0.9999999 {
		t.Errorf("got %v, want %v", outs[0].Data, want)
	}
}

// fixtureReference evaluates the fixture graph directly in TF layouts, float64.
func fixtureReference(f *fixture, x []float32) []float32 {
	filter := make([]float64, 54)
	for i := range filter {
		filter[i] = float64(nn.HalfToFloat(binary.LittleEndian.Uint16(f.shard[2*i:])))
	}
	bias := []float64{0.5, -0.25, 0.125}
	dense := make([]float64, 24)
	for i := range dense {
		dense[i] = float64(float32(float64(f.shard[108+12+8+i])*0.01 - 1))
	}
	var out []float32
	for b := 0; b < len(x)/32; b++ {
		conv := make([]float64, 4*4*3)
		for y := 0; y < 4; y++ {
			for xx := 0; xx < 4; xx++ {
				for o := 0; o < 3; o++ {
					s := bias[o]
					for ky := 0; ky < 3; ky++ {
						for kx := 0; kx < 3; kx++ {
							iy, ix := y+ky-1, xx+kx-1
							if iy < 0 || iy >= 4 || ix < 0 || ix >= 4 {
								continue
							}
							for i := 0; i < 2; i++ {
								s += float64(x[b*32+(iy*4+ix)*2+i]) * filter[((ky*3+kx)*2+i)*3+o]
							}
						}
					}
					conv[(y*4+xx)*3+o] = math.Max(s, 0)
				}
			}
		}
		pool := make([]float64, 12)
		for y := 0; y < 2; y++ {
			for xx := 0; xx < 2; xx++ {
				for o := 0; o < 3; o++ {
					v := math.Inf(-1)
					for dy := 0; dy < 2; dy++ {
						for dx := 0; dx < 2; dx++ {
							v = math.Max(v, conv[((2*y+dy)*4+2*xx+dx)*3+o])
						}
					}
					pool[(y*2+xx)*3+o] = v
				}
			}
		}
		logits := make([]float64, 2)
		for j := range logits {
			for k := 0; k < 12; k++ {
				logits[j] += pool[k] * dense[k*2+j]
			}
		}
		mx := math.Max(logits[0], logits[1])
		e0, e1 := math.Exp(logits[0]-mx), math.Exp(logits[1]-mx)
		out = append(out, float32(e0/(e0+e1)), float32(e1/(e0+e1)))
	}
	return out
}

// TestLoadErrors feeds broken variants of the fixture and checks each is an error that
// matches the expected sentinel (and, for unknown ops, names op and node).
func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(f *fixture)
		rawJSON string // replaces model.json when set
		want    error
		mention string
	}{
		{name: "truncated json", rawJSON: `{"format":"graph-model","modelTopology":{"node":[`, want: ErrFormat},
		{name: "not json", rawJSON: "\x00\x01", want: ErrFormat},
		{name: "no nodes", rawJSON: `{"modelTopology":{"node":[]}}`, want: ErrFormat},
		{name: "layers model", rawJSON: `{"format":"layers-model","modelTopology":{}}`, want: ErrUnsupported},
		{name: "unknown op", mutate: func(f *fixture) { f.node("prob")["op"] = "Frobnicate" }, want: ErrUnsupported, mention: `op "Frobnicate" in node "prob"`},
		{name: "truncated shard", mutate: func(f *fixture) { f.shard = f.shard[:len(f.shard)-5] }, want: ErrFormat},
		{name: "missing shard", mutate: func(f *fixture) { f.manifest[0]["paths"] = []string{"nope.bin"} }, want: ErrFormat},
		{name: "shard outside folder", mutate: func(f *fixture) { f.manifest[0]["paths"] = []string{"../w.bin"} }, want: ErrFormat},
		{name: "absurd dims", mutate: func(f *fixture) {
			f.manifest[0]["weights"].([]map[string]any)[1]["shape"] = []int{1 << 30, 1 << 30}
		}, want: ErrLimit},
		{name: "huge product", mutate: func(f *fixture) {
			f.manifest[0]["weights"].([]map[string]any)[1]["shape"] = []int{1 << 20, 1 << 20, 1 << 20, 1 << 20}
		}, want: ErrLimit},
		{name: "negative dim", mutate: func(f *fixture) {
			f.manifest[0]["weights"].([]map[string]any)[1]["shape"] = []int{-3}
		}, want: ErrFormat},
		{name: "wrong filter rank", mutate: func(f *fixture) {
			w := f.manifest[0]["weights"].([]map[string]any)
			w[0]["shape"] = []int{54}
		}, want: ErrFormat},
		{name: "quantization unknown", mutate: func(f *fixture) {
			f.manifest[0]["weights"].([]map[string]any)[0]["quantization"] = map[string]any{"dtype": "int4"}
		}, want: ErrUnsupported},
		{name: "cycle", mutate: func(f *fixture) { f.node("conv")["input"] = []string{"prob", "filter", "bias"} }, want: ErrFormat, mention: "cycle"},
		{name: "self loop", mutate: func(f *fixture) { f.node("prob")["input"] = []string{"prob"} }, want: ErrFormat},
		{name: "dangling input", mutate: func(f *fixture) { f.node("prob")["input"] = []string{"ghost"} }, want: ErrFormat},
		{name: "bad output index", mutate: func(f *fixture) { f.node("Identity")["input"] = []string{"prob:7"} }, want: ErrUnsupported},
		{name: "duplicate node", mutate: func(f *fixture) { f.nodes = append(f.nodes, f.node("prob")) }, want: ErrFormat},
		{name: "const without data", mutate: func(f *fixture) {
			f.nodes = append(f.nodes, constNode("orphan", "DT_FLOAT"))
			f.node("prob")["input"] = []string{"orphan"}
		}, want: ErrFormat},
		{name: "conv stride in batch", mutate: func(f *fixture) { f.node("conv")["attr"].(map[string]any)["strides"] = attrInts(2, 1, 1, 1) }, want: ErrUnsupported},
		{name: "bad padding", mutate: func(f *fixture) { f.node("conv")["attr"].(map[string]any)["padding"] = attrS("CAUSAL") }, want: ErrUnsupported},
		{name: "NCHW", mutate: func(f *fixture) { f.node("conv")["attr"].(map[string]any)["data_format"] = attrS("NCHW") }, want: ErrUnsupported},
		{name: "fused op unknown", mutate: func(f *fixture) { f.node("conv")["attr"].(map[string]any)["fused_ops"] = attrStrs("BiasAdd", "Gelu") }, want: ErrUnsupported},
		{name: "fused args missing", mutate: func(f *fixture) { f.node("conv")["input"] = []string{"x", "filter"} }, want: ErrFormat},
		{name: "non-const filter", mutate: func(f *fixture) { f.node("conv")["input"] = []string{"x", "x", "bias"} }, want: ErrUnsupported},
		{name: "filter shape vs input", mutate: func(f *fixture) {
			f.node("x")["attr"].(map[string]any)["shape"] = shapeAttr(-1, 4, 4, 5)
		}, want: nn.ErrShape},
		{name: "huge inline const", mutate: func(f *fixture) {
			f.nodes = append(f.nodes, map[string]any{"name": "big", "op": "Const", "attr": map[string]any{"value": map[string]any{"tensor": map[string]any{
				"dtype": "DT_FLOAT", "tensorShape": shapeAttr(1<<14, 1<<14)["shape"], "floatVal": []float64{1}}}}})
			f.node("prob")["input"] = []string{"big"}
		}, want: ErrLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture()
			if c.mutate != nil {
				c.mutate(f)
			}
			p := f.write(t)
			if c.rawJSON != "" {
				if err := os.WriteFile(p, []byte(c.rawJSON), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m, err := Load(p)
			if err == nil && errors.Is(c.want, nn.ErrShape) {
				// Shape errors may surface when the model is planned for an input.
				_, err = m.Run(synthetic([]int{1, 4, 4, 5}, 0, 1))
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if c.mention != "" && !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not mention %q", err, c.mention)
			}
		})
	}
}

func TestHalfToFloat(t *testing.T) {
	cases := []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0001, 5.960464477539063e-08}, {0x03ff, 6.097555160522461e-05}, {0x0400, 6.103515625e-05},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	}
	for _, c := range cases {
		if got := nn.HalfToFloat(c.h); got != c.want {
			t.Errorf("nn.HalfToFloat(%#04x) = %g, want %g", c.h, got, c.want)
		}
	}
	if v := nn.HalfToFloat(0x7e00); v == v {
		t.Errorf("nn.HalfToFloat(0x7e00) = %g, want NaN", v)
	}
	if got := nn.HalfToFloat(0x8000); math.Float32bits(got) != 0x80000000 {
		t.Errorf("nn.HalfToFloat(0x8000) = %g, want -0", got)
	}
}

// FuzzParse feeds arbitrary model.json bytes (with a valid shard beside them) through the
// importer and the planner's graph checks: errors are fine, panics and hangs are not.
func FuzzParse(f *testing.F) {
	fx := newFixture()
	f.Add(fx.json())
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"a","op":"Placeholder"}]}}`))
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"a","op":"Relu","input":["a"]}]}}`))
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"c","op":"Const","attr":{"value":{"tensor":{"dtype":"DT_INT32","tensorShape":{"dim":[{"size":"99999999999"}]},"intVal":[1]}}}}]}}`))
	for _, cut := range []int{10, 100, 500} {
		b := fx.json()
		f.Add(b[:min(cut, len(b))])
	}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.bin"), fx.shard, 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := parse(data, dir, nil)
		if err != nil {
			return
		}
		m, err := nn.FromGraph(g)
		if err != nil {
			return
		}
		_ = m.Inputs()
	})
}

// FuzzFixture mutates the fixture structurally (shapes, attributes, ops, shard length) and
// loads and runs it: a hostile model must give errors, never panics or huge allocations.
func FuzzFixture(f *testing.F) {
	f.Add(uint8(0), 3, 3, 2, 3, 1, 1, 2, "Softmax", -1, 12, 0)
	f.Add(uint8(1), 1, 1, 2, 3, 2, 3, 3, "Relu", 1, 12, 5)
	f.Add(uint8(2), 3, 3, 2, 3, 1, 1, 2, "Sigmoid", -1, -1, 0)
	f.Add(uint8(3), 1<<20, 1<<20, 2, 3, 1, 1, 2, "Mean", 1<<24, 1<<24, 1)
	f.Fuzz(func(t *testing.T, pad uint8, kh, kw, ci, co, sh, sw, pool int, op string, r0, r1, cut int) {
		fx := newFixture()
		w := fx.manifest[0]["weights"].([]map[string]any)
		w[0]["shape"] = []int{kh, kw, ci, co}
		conv := fx.node("conv")["attr"].(map[string]any)
		conv["strides"] = attrInts(1, sh, sw, 1)
		conv["padding"] = attrS([]string{"SAME", "VALID", "EXPLICIT", ""}[pad%4])
		conv["explicit_paddings"] = attrInts(0, 0, int(pad), 1, 0, int(pad), 0, 0)
		fx.node("pool")["attr"].(map[string]any)["ksize"] = attrInts(1, pool, pool, 1)
		fx.node("prob")["op"] = op
		// The reshape target lives in the shard: rewrite it in place.
		binary.LittleEndian.PutUint32(fx.shard[108+12:], uint32(int32(r0)))
		binary.LittleEndian.PutUint32(fx.shard[108+16:], uint32(int32(r1)))
		if cut > 0 && cut < len(fx.shard) {
			fx.shard = fx.shard[:len(fx.shard)-cut]
		}
		m, err := Load(fx.write(t))
		if err != nil {
			return
		}
		for _, batch := range []int{1, 3} {
			if _, err := m.Run(synthetic([]int{batch, 4, 4, 2}, -1, 1)); err != nil {
				return
			}
		}
	})
}
