package tflite

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
)

// Tiny TFLite models built with the flatbuffers builder, for importer tests and fuzz seeds.

type fbTensor struct {
	name  string
	shape []int32
	typ   int8
	data  []byte
	quant bool // attach a quantization scale
}

type fbOp struct {
	code    int32
	in, out []int32
	opts    func(b *flatbuffers.Builder) flatbuffers.UOffsetT // nil: none
}

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func int32Vec(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func offsetVec(b *flatbuffers.Builder, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependUOffsetT(v[i])
	}
	return b.EndVector(len(v))
}

func buildTFLite(tensors []fbTensor, ops []fbOp, inputs, outputs []int32) []byte {
	b := flatbuffers.NewBuilder(1024)
	// buffers: 0 is the empty sentinel, then one per constant tensor
	var bufs []flatbuffers.UOffsetT
	b.StartObject(3)
	bufs = append(bufs, b.EndObject())
	bufIdx := make([]uint32, len(tensors))
	for i, t := range tensors {
		if t.data == nil {
			continue
		}
		d := b.CreateByteVector(t.data)
		b.StartObject(3)
		b.PrependUOffsetTSlot(0, d, 0)
		bufs = append(bufs, b.EndObject())
		bufIdx[i] = uint32(len(bufs) - 1)
	}
	var tens []flatbuffers.UOffsetT
	for i, t := range tensors {
		name := b.CreateString(t.name)
		shape := int32Vec(b, t.shape)
		var q flatbuffers.UOffsetT
		if t.quant {
			b.StartVector(4, 1, 4)
			b.PrependFloat32(0.5)
			scale := b.EndVector(1)
			b.StartObject(4)
			b.PrependUOffsetTSlot(2, scale, 0)
			q = b.EndObject()
		}
		b.StartObject(8)
		b.PrependUOffsetTSlot(0, shape, 0)
		b.PrependInt8Slot(1, t.typ, 0)
		b.PrependUint32Slot(2, bufIdx[i], 0)
		b.PrependUOffsetTSlot(3, name, 0)
		if q != 0 {
			b.PrependUOffsetTSlot(4, q, 0)
		}
		tens = append(tens, b.EndObject())
	}
	var opOffs []flatbuffers.UOffsetT
	codes := map[int32]uint32{}
	var codeList []int32
	for _, o := range ops {
		if _, ok := codes[o.code]; !ok {
			codes[o.code] = uint32(len(codeList))
			codeList = append(codeList, o.code)
		}
	}
	for _, o := range ops {
		in, out := int32Vec(b, o.in), int32Vec(b, o.out)
		var opt flatbuffers.UOffsetT
		if o.opts != nil {
			opt = o.opts(b)
		}
		b.StartObject(5)
		b.PrependUint32Slot(0, codes[o.code], 0)
		b.PrependUOffsetTSlot(1, in, 0)
		b.PrependUOffsetTSlot(2, out, 0)
		if opt != 0 {
			b.PrependUOffsetTSlot(4, opt, 0)
		}
		opOffs = append(opOffs, b.EndObject())
	}
	var codeOffs []flatbuffers.UOffsetT
	for _, c := range codeList {
		b.StartObject(4)
		b.PrependInt8Slot(0, int8(min(c, 127)), 0)
		b.PrependInt32Slot(3, c, 0)
		codeOffs = append(codeOffs, b.EndObject())
	}
	tv, iv, ov, opv := offsetVec(b, tens), int32Vec(b, inputs), int32Vec(b, outputs), offsetVec(b, opOffs)
	b.StartObject(5)
	b.PrependUOffsetTSlot(0, tv, 0)
	b.PrependUOffsetTSlot(1, iv, 0)
	b.PrependUOffsetTSlot(2, ov, 0)
	b.PrependUOffsetTSlot(3, opv, 0)
	sg := b.EndObject()
	sgv := offsetVec(b, []flatbuffers.UOffsetT{sg})
	cv := offsetVec(b, codeOffs)
	bv := offsetVec(b, bufs)
	b.StartObject(5)
	b.PrependUint32Slot(0, 3, 0)
	b.PrependUOffsetTSlot(1, cv, 0)
	b.PrependUOffsetTSlot(2, sgv, 0)
	b.PrependUOffsetTSlot(4, bv, 0)
	root := b.EndObject()
	b.FinishWithFileIdentifier(root, []byte("TFL3"))
	return b.FinishedBytes()
}

// convModel is input [1,5,6,2] -> CONV_2D (3 filters 3x3, SAME, stride 2, RELU) -> output.
func convModel() ([]byte, []float32, []float32) {
	w := make([]float32, 3*3*3*2)
	for i := range w {
		w[i] = float32(i%7)/7 - 0.4
	}
	bias := []float32{0.1, -0.2, 0.3}
	opts := func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		b.StartObject(6)
		b.PrependInt8Slot(0, 0, 0) // SAME
		b.PrependInt32Slot(1, 2, 0)
		b.PrependInt32Slot(2, 2, 0)
		b.PrependInt8Slot(3, 1, 0) // RELU
		return b.EndObject()
	}
	m := buildTFLite([]fbTensor{
		{name: "in", shape: []int32{1, 5, 6, 2}},
		{name: "w", shape: []int32{3, 3, 3, 2}, data: f32bytes(w...)},
		{name: "b", shape: []int32{3}, data: f32bytes(bias...)},
		{name: "out", shape: []int32{1, 3, 3, 3}},
	}, []fbOp{{code: 3, in: []int32{0, 1, 2}, out: []int32{3}, opts: opts}}, []int32{0}, []int32{3})
	return m, w, bias
}

func TestTFLiteConvMatchesNaive(t *testing.T) {
	raw, w, bias := convModel()
	m, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, shape := range [][]int{{1, 5, 6, 2}, {2, 5, 6, 2}} {
		x := testInput(shape)
		out, err := m.Run(&nn.Tensor{Shape: shape, Data: x})
		if err != nil {
			t.Fatal(err)
		}
		n, h, wd := shape[0], 5, 6
		oh, ow := 3, 3
		padT, padL := (max((oh-1)*2+3-h, 0))/2, (max((ow-1)*2+3-wd, 0))/2
		for b := 0; b < n; b++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					for o := 0; o < 3; o++ {
						acc := float64(bias[o])
						for ky := 0; ky < 3; ky++ {
							for kx := 0; kx < 3; kx++ {
								iy, ix := oy*2-padT+ky, ox*2-padL+kx
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								for c := 0; c < 2; c++ {
									acc += float64(x[((b*h+iy)*wd+ix)*2+c]) * float64(w[((o*3+ky)*3+kx)*2+c])
								}
							}
						}
						want := max(acc, 0)
						got := out[0].Data[((b*oh+oy)*ow+ox)*3+o]
						if math.Abs(float64(got)-want) > 1e-5 {
							t.Fatalf("batch %d (%d,%d,%d): got %g want %g", b, oy, ox, o, got, want)
						}
					}
				}
			}
		}
	}
}

func TestTFLiteRejects(t *testing.T) {
	in := fbTensor{name: "in", shape: []int32{1, 4}}
	out := fbTensor{name: "out", shape: []int32{1, 4}}
	for _, tc := range []struct {
		name string
		raw  []byte
		err  error
		msg  string
	}{
		{"quantized", buildTFLite([]fbTensor{in, {name: "q", shape: []int32{1, 4}, typ: 9, data: make([]byte, 4), quant: true}, out},
			[]fbOp{{code: 0, in: []int32{0, 1}, out: []int32{2}}}, []int32{0}, []int32{2}), nn.ErrUnsupported, "quantized"},
		{"unknown op", buildTFLite([]fbTensor{in, out}, []fbOp{{code: 5, in: []int32{0}, out: []int32{1}}}, []int32{0}, []int32{1}),
			nn.ErrUnsupported, "builtin op 5"},
		{"cycle", buildTFLite([]fbTensor{in, {name: "a", shape: []int32{1, 4}}, {name: "b", shape: []int32{1, 4}}},
			[]fbOp{{code: 0, in: []int32{0, 2}, out: []int32{1}}, {code: 0, in: []int32{1, 0}, out: []int32{2}}}, []int32{0}, []int32{2}),
			nn.ErrGraph, "cycle"},
		{"bad tensor index", buildTFLite([]fbTensor{in, out}, []fbOp{{code: 19, in: []int32{7}, out: []int32{1}}}, []int32{0}, []int32{1}),
			nn.ErrFormat, "index"},
		{"not tflite", []byte("hello world, not a model"), nn.ErrFormat, "TFL3"},
	} {
		_, err := Parse(tc.raw)
		if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want %v mentioning %q", tc.name, err, tc.err, tc.msg)
		}
	}
}

// FuzzParse feeds corrupt models to the importer and runs what loads: errors are
// fine, panics and huge allocations are not.
func FuzzParse(f *testing.F) {
	raw, _, _ := convModel()
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add(buildTFLite([]fbTensor{{name: "in", shape: []int32{1, 4}}, {name: "a", shape: []int32{1, 4}}, {name: "b", shape: []int32{1, 4}}},
		[]fbOp{{code: 0, in: []int32{0, 2}, out: []int32{1}}, {code: 0, in: []int32{1, 0}, out: []int32{2}}}, []int32{0}, []int32{2}))
	huge := append([]byte(nil), raw...)
	if err := PatchInputShape(huge, []int{1 << 20, 1 << 20, 1 << 20, 2}); err == nil {
		f.Add(huge)
	}
	if path, err := models.Path("rnet.tflite"); err == nil {
		if p, err := os.ReadFile(path); err == nil {
			f.Add(p)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		var ins []*nn.Tensor
		var shapes [][]int
		for _, s := range m.Inputs() {
			shape := append([]int(nil), s.Shape...)
			for i, d := range shape {
				if d < 0 {
					shape[i] = 1 + i%3*7
				}
			}
			n := 1
			for _, d := range shape {
				n *= d
				if n > 1<<16 {
					return
				}
			}
			ins = append(ins, &nn.Tensor{Shape: shape, Data: make([]float32, n)})
			shapes = append(shapes, shape)
		}
		macs, floats, err := m.Footprint(shapes...)
		if err != nil || macs > 1<<26 || floats > 1<<22 {
			return // valid but too big to run in a fuzz iteration
		}
		m.Run(ins...)
	})
}

// testInput is a smooth deterministic pattern in [-1, 1] (like normalised pixels), with a
// per-item phase so batch items differ.
func testInput(shape []int) []float32 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	x := make([]float32, n)
	per := n / shape[0]
	for i := range x {
		b, j := i/per, i%per
		x[i] = float32(0.9 * math.Sin(float64(j)*0.0137+float64(b)*1.3) * math.Cos(float64(j%97)*0.21+float64(b)))
	}
	return x
}

// Extra outputs (LoadWithOutputs) are returned after the model's own, by tensor name; an
// unknown name is refused.
func TestParseExtraOutputs(t *testing.T) {
	raw, _, _ := convModel()
	plain, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := parse(raw, []string{"out"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Outputs()); n != 2 {
		t.Fatalf("%d outputs, want 2", n)
	}
	x := &nn.Tensor{Shape: []int{1, 5, 6, 2}, Data: testInput([]int{1, 5, 6, 2})}
	a, err := plain.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a[0].Data {
		if a[0].Data[i] != b[0].Data[i] || b[1].Data[i] != a[0].Data[i] {
			t.Fatalf("value %d: %v alone, %v / %v with the extra output", i, a[0].Data[i], b[0].Data[i], b[1].Data[i])
		}
	}
	if _, err := parse(raw, []string{"nope"}); !errors.Is(err, nn.ErrFormat) {
		t.Fatalf("unknown tensor name: %v, want ErrFormat", err)
	}
}
