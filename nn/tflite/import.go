package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/wajah-id/wajah/nn"
)

// TFLite schema field indices (tensorflow/compiler/mlir/lite/schema/schema.fbs).
const (
	tflModelOpCodes   = 1
	tflModelSubgraphs = 2
	tflModelBuffers   = 4

	tflTensorShape   = 0
	tflTensorType    = 1
	tflTensorBuffer  = 2
	tflTensorName    = 3
	tflTensorQuant   = 4
	tflTensorSparse  = 6
	tflTensorShapeSg = 7

	tflOpOpcode  = 0
	tflOpInputs  = 1
	tflOpOutputs = 2
	tflOpOptions = 4
)

// TFLite tensor types that carry float-convertible data.
const (
	tflFloat32 = 0
	tflFloat16 = 1
	tflInt32   = 2
	tflUint8   = 3
	tflInt64   = 4
	tflBool    = 6
	tflInt16   = 7
	tflInt8    = 9
	tflFloat64 = 10
)

// maxTFLiteFile bounds what Load reads.
const maxTFLiteFile = 1 << 30

// Load reads a float32 (or float16-weight) TFLite model. The batch dimension of every
// input becomes dynamic, and height and width too when the graph plans at other sizes.
func Load(path string) (*nn.Model, error) { return LoadWithOutputs(path) }

// LoadWithOutputs is Load with intermediate tensors, named in extraOutputs, returned after
// the model's own outputs.
func LoadWithOutputs(path string, extraOutputs ...string) (*nn.Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxTFLiteFile {
		return nil, fmt.Errorf("%w: %s is %d bytes", nn.ErrFormat, path, st.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := parse(b, extraOutputs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Parse builds a model from TFLite flatbuffer bytes (see Load).
func Parse(b []byte) (*nn.Model, error) { return parse(b, nil) }

// parse builds a model from TFLite bytes, with the tensors named in extraOutputs appended to
// its outputs.
func parse(b []byte, extraOutputs []string) (*nn.Model, error) {
	g, err := tfliteGraph(b)
	if err != nil {
		return nil, err
	}
	for _, name := range extraOutputs {
		t := g.TensorByName(name)
		if t < 0 {
			return nil, fmt.Errorf("%w: no tensor %q to output", nn.ErrFormat, name)
		}
		g.Outputs = append(g.Outputs, t)
	}
	m, err := nn.FromGraph(g)
	if err != nil {
		return nil, err
	}
	m.ProbeSpatial()
	return m, nil
}

func tfliteGraph(b []byte) (*nn.Graph, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: %d bytes", nn.ErrFormat, len(b))
	}
	if string(b[4:8]) != "TFL3" {
		return nil, fmt.Errorf("%w: missing TFL3 identifier", nn.ErrFormat)
	}
	r := &fbReader{b: b, ok: true}
	root := r.root()
	var opcodes []int32
	var customs []string
	for _, oc := range r.tables(root, tflModelOpCodes) {
		dep := int32(int8(r.fieldU8(oc, 0, 0)))
		code := r.fieldI32(oc, 3, 0)
		opcodes = append(opcodes, max(dep, code))
		customs = append(customs, r.string(oc, 1))
	}
	buffers := r.tables(root, tflModelBuffers)
	subgraphs := r.tables(root, tflModelSubgraphs)
	if !r.ok {
		return nil, fmt.Errorf("%w: bad model table", nn.ErrFormat)
	}
	if len(subgraphs) != 1 {
		return nil, fmt.Errorf("%w: %d subgraphs (want 1)", nn.ErrUnsupported, len(subgraphs))
	}
	sg := subgraphs[0]
	g := &nn.Graph{}
	tensors := r.tables(sg, 0)
	if !r.ok {
		return nil, fmt.Errorf("%w: bad tensor table", nn.ErrFormat)
	}
	for _, t := range tensors {
		name := r.string(t, tflTensorName)
		shape := r.int32s(t, tflTensorShape)
		sig := r.int32s(t, tflTensorShapeSg)
		typ := r.fieldU8(t, tflTensorType, 0)
		buf := int(r.fieldU32(t, tflTensorBuffer, 0))
		if !r.ok {
			return nil, fmt.Errorf("%w: tensor %d", nn.ErrFormat, len(g.Tensors))
		}
		if len(shape) > 8 {
			return nil, fmt.Errorf("%w: tensor %q has rank %d", nn.ErrFormat, name, len(shape))
		}
		for _, d := range shape {
			if d < 0 || d > 1<<24 {
				return nil, fmt.Errorf("%w: tensor %q has dimension %d", nn.ErrFormat, name, d)
			}
		}
		if len(sig) == len(shape) {
			for i, d := range sig {
				if d == -1 {
					shape[i] = -1
				}
			}
		}
		if q, ok := r.subTable(t, tflTensorQuant); ok {
			if _, n := r.vector(q, 2, 4); n > 0 {
				return nil, fmt.Errorf("%w: quantized tensor %q (only float32/float16 models)", nn.ErrUnsupported, name)
			}
		}
		if _, ok := r.subTable(t, tflTensorSparse); ok {
			return nil, fmt.Errorf("%w: sparse tensor %q", nn.ErrUnsupported, name)
		}
		var data []float32
		if buf > 0 {
			if buf >= len(buffers) {
				return nil, fmt.Errorf("%w: tensor %q uses buffer %d of %d", nn.ErrFormat, name, buf, len(buffers))
			}
			raw := r.bytes(buffers[buf], 0)
			if len(raw) == 0 && r.fieldU64(buffers[buf], 1) != 0 {
				return nil, fmt.Errorf("%w: tensor %q stores its data outside the flatbuffer", nn.ErrUnsupported, name)
			}
			if len(raw) > 0 {
				var err error
				if data, err = decodeTFLiteData(name, typ, shape, raw); err != nil {
					return nil, err
				}
			}
		}
		if !r.ok {
			return nil, fmt.Errorf("%w: tensor %q", nn.ErrFormat, name)
		}
		g.Tensors = append(g.Tensors, nn.TensorDef{Name: name, Shape: shape, Data: data})
	}
	nt := len(g.Tensors)
	checkIdx := func(list []int) error {
		for _, i := range list {
			if i < -1 || i >= nt {
				return fmt.Errorf("%w: tensor index %d of %d", nn.ErrFormat, i, nt)
			}
		}
		return nil
	}
	g.Inputs = r.int32s(sg, 1)
	g.Outputs = r.int32s(sg, 2)
	if err := checkIdx(g.Inputs); err != nil {
		return nil, err
	}
	if err := checkIdx(g.Outputs); err != nil {
		return nil, err
	}
	for _, op := range r.tables(sg, 3) {
		oi := int(r.fieldU32(op, tflOpOpcode, 0))
		ins := r.int32s(op, tflOpInputs)
		outs := r.int32s(op, tflOpOutputs)
		if !r.ok || oi >= len(opcodes) {
			return nil, fmt.Errorf("%w: operator %d", nn.ErrFormat, len(g.Nodes))
		}
		if err := checkIdx(ins); err != nil {
			return nil, err
		}
		if err := checkIdx(outs); err != nil {
			return nil, err
		}
		for _, o := range outs {
			if o < 0 {
				return nil, fmt.Errorf("%w: operator %d writes tensor -1", nn.ErrFormat, len(g.Nodes))
			}
		}
		name := ""
		if len(outs) > 0 {
			name = g.Tensors[outs[0]].Name
		}
		opt, hasOpt := r.subTable(op, tflOpOptions)
		n, err := tfliteNode(r, opcodes[oi], customs[oi], opt, hasOpt, g, ins)
		if err != nil {
			return nil, fmt.Errorf("%w (node %q)", err, name)
		}
		n.Name, n.Outputs = name, outs
		if n.Inputs == nil {
			n.Inputs = ins
		}
		if !r.ok {
			return nil, fmt.Errorf("%w: options of node %q", nn.ErrFormat, name)
		}
		g.Nodes = append(g.Nodes, n)
	}
	if !r.ok {
		return nil, fmt.Errorf("%w: operators", nn.ErrFormat)
	}
	makeBatchDynamic(g)
	return g, nil
}

// makeBatchDynamic turns dimension 0 of every input into -1 and rewrites constant Reshape
// targets that hard-code the file's batch (MobileFaceNet's [2,192]).
func makeBatchDynamic(g *nn.Graph) {
	batch := -1
	for _, t := range g.Inputs {
		s := g.Tensors[t].Shape
		if len(s) > 0 && g.Tensors[t].Data == nil {
			if batch < 0 {
				batch = s[0]
			}
			s[0] = -1
		}
	}
	if batch <= 0 {
		return
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Op != nn.OpReshape {
			continue
		}
		target := n.Attrs.Shape
		if len(n.Inputs) > 1 && n.Inputs[1] >= 0 && g.Tensors[n.Inputs[1]].Data != nil {
			target = nil
			for _, v := range g.Tensors[n.Inputs[1]].Data {
				target = append(target, int(v))
			}
		}
		if len(target) == 0 || target[0] != batch {
			continue
		}
		src := g.Tensors[n.Inputs[0]].Shape
		if len(src) == 0 || src[0] != batch {
			continue
		}
		dyn := false
		for _, d := range target {
			dyn = dyn || d < 0
		}
		if dyn {
			continue
		}
		target = append([]int(nil), target...)
		target[0] = -1
		n.Attrs.Shape = target
		n.Inputs = n.Inputs[:1]
	}
}

// decodeTFLiteData converts a constant buffer to float32 values.
func decodeTFLiteData(name string, typ uint8, shape []int, raw []byte) ([]float32, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("%w: constant %q has dynamic shape", nn.ErrFormat, name)
		}
		n *= d
		if n > len(raw) {
			return nil, fmt.Errorf("%w: constant %q: shape %v needs more than %d bytes", nn.ErrFormat, name, shape, len(raw))
		}
	}
	size := map[uint8]int{tflFloat32: 4, tflFloat16: 2, tflInt32: 4, tflUint8: 1, tflInt64: 8, tflBool: 1, tflInt16: 2, tflInt8: 1, tflFloat64: 8}[typ]
	if size == 0 {
		return nil, fmt.Errorf("%w: constant %q has tensor type %d", nn.ErrUnsupported, name, typ)
	}
	if len(raw) != n*size {
		return nil, fmt.Errorf("%w: constant %q has %d bytes for shape %v", nn.ErrFormat, name, len(raw), shape)
	}
	out := make([]float32, n)
	le := binary.LittleEndian
	for i := range out {
		switch typ {
		case tflFloat32:
			out[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		case tflFloat16:
			out[i] = nn.HalfToFloat(le.Uint16(raw[2*i:]))
		case tflInt32:
			out[i] = float32(int32(le.Uint32(raw[4*i:])))
		case tflInt64:
			out[i] = float32(int64(le.Uint64(raw[8*i:])))
		case tflFloat64:
			out[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		case tflInt16:
			out[i] = float32(int16(le.Uint16(raw[2*i:])))
		case tflInt8:
			out[i] = float32(int8(raw[i]))
		default: // uint8, bool
			out[i] = float32(raw[i])
		}
	}
	return out, nil
}
