package tfjs

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/wajah-id/wajah/nn"
)

// constTensor is a weight or inline constant after dequantization: float data widened to
// float32, integer data kept as int32.
type constTensor struct {
	dims []int
	f32  []float32 // set for float tensors
	i32  []int32   // set for integer and boolean tensors
}

// readWeights reads every manifest group's shards (relative to dir) and decodes the weights.
// Sizes are checked against the manifest before any weight buffer is allocated.
func readWeights(dir string, groups []manifestGroup) (map[string]*constTensor, error) {
	out := make(map[string]*constTensor)
	total := int64(0)
	nShards := 0
	for gi, g := range groups {
		nShards += len(g.Paths)
		if nShards > maxShards {
			return nil, fmt.Errorf("more than %d weight shards: %w", maxShards, ErrLimit)
		}
		need := int64(0)
		for _, w := range g.Weights {
			n, err := entryBytes(w)
			if err != nil {
				return nil, err
			}
			need += n
			if need > maxWeightBytes {
				return nil, fmt.Errorf("weights exceed %d bytes: %w", maxWeightBytes, ErrLimit)
			}
		}
		buf, err := readShards(dir, g.Paths, need, &total)
		if err != nil {
			return nil, fmt.Errorf("weight group %d: %w", gi, err)
		}
		off := int64(0)
		for _, w := range g.Weights {
			n, _ := entryBytes(w)
			t, err := decodeWeight(w, buf[off:off+n])
			if err != nil {
				return nil, err
			}
			if _, dup := out[w.Name]; dup {
				return nil, fmt.Errorf("weight %q listed twice: %w", w.Name, ErrFormat)
			}
			out[w.Name] = t
			off += n
		}
	}
	return out, nil
}

// readShards concatenates a group's shard files. The group must hold at least need bytes
// (the sum of its weights), and the files together may not pass the global budget.
func readShards(dir string, paths []string, need int64, total *int64) ([]byte, error) {
	sizes := make([]int64, len(paths))
	have := int64(0)
	for i, p := range paths {
		if !filepath.IsLocal(p) {
			return nil, fmt.Errorf("shard path %q leaves the model folder: %w", p, ErrFormat)
		}
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			return nil, fmt.Errorf("shard %q: %v: %w", p, err, ErrFormat)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("shard %q is not a regular file: %w", p, ErrFormat)
		}
		sizes[i] = st.Size()
		have += st.Size()
		*total += st.Size()
		if *total > maxWeightBytes {
			return nil, fmt.Errorf("shards exceed %d bytes: %w", maxWeightBytes, ErrLimit)
		}
	}
	if have < need {
		return nil, fmt.Errorf("shards hold %d bytes, manifest needs %d: %w", have, need, ErrFormat)
	}
	buf := make([]byte, have)
	off := int64(0)
	for i, p := range paths {
		f, err := os.Open(filepath.Join(dir, p))
		if err != nil {
			return nil, fmt.Errorf("shard %q: %v: %w", p, err, ErrFormat)
		}
		// The file may have changed since Stat; read exactly the size we budgeted.
		_, err = io.ReadFull(f, buf[off:off+sizes[i]])
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("shard %q: %v: %w", p, err, ErrFormat)
		}
		off += sizes[i]
	}
	return buf, nil
}

// entryBytes is the stored size of one manifest entry.
func entryBytes(w weightEntry) (int64, error) {
	dims, err := checkDims(len(w.Shape), func(i int) int64 { return w.Shape[i] }, false)
	if err != nil {
		return 0, fmt.Errorf("weight %q: %w", w.Name, err)
	}
	n, err := numElems(dims)
	if err != nil {
		return 0, fmt.Errorf("weight %q: %w", w.Name, err)
	}
	size, err := storedElemSize(w)
	if err != nil {
		return 0, err
	}
	return int64(n) * size, nil
}

func storedElemSize(w weightEntry) (int64, error) {
	if q := w.Quantization; q != nil {
		switch q.Dtype {
		case "uint8":
			return 1, nil
		case "uint16", "float16":
			return 2, nil
		}
		return 0, fmt.Errorf("weight %q: quantization %q: %w", w.Name, q.Dtype, ErrUnsupported)
	}
	switch w.Dtype {
	case "float32", "int32":
		return 4, nil
	case "bool":
		return 1, nil
	}
	return 0, fmt.Errorf("weight %q: dtype %q: %w", w.Name, w.Dtype, ErrUnsupported)
}

// decodeWeight turns the stored bytes of one entry into a constTensor.
func decodeWeight(w weightEntry, b []byte) (*constTensor, error) {
	dims := make([]int, len(w.Shape))
	for i, d := range w.Shape {
		dims[i] = int(d)
	}
	t := &constTensor{dims: dims}
	isFloat := w.Dtype == "float32"
	if !isFloat && w.Dtype != "int32" && w.Dtype != "bool" {
		return nil, fmt.Errorf("weight %q: dtype %q: %w", w.Name, w.Dtype, ErrUnsupported)
	}
	var vals []float32
	q := w.Quantization
	switch {
	case q == nil && w.Dtype == "float32":
		t.f32 = make([]float32, len(b)/4)
		for i := range t.f32 {
			t.f32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return t, nil
	case q == nil && w.Dtype == "int32":
		t.i32 = make([]int32, len(b)/4)
		for i := range t.i32 {
			t.i32[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return t, nil
	case q == nil: // bool
		t.i32 = make([]int32, len(b))
		for i, v := range b {
			if v != 0 {
				t.i32[i] = 1
			}
		}
		return t, nil
	case q.Dtype == "float16":
		vals = make([]float32, len(b)/2)
		for i := range vals {
			vals[i] = nn.HalfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case q.Dtype == "uint8":
		vals = make([]float32, len(b))
		for i, v := range b {
			vals[i] = float32(float64(v)*q.Scale + q.Min)
		}
	default: // uint16
		vals = make([]float32, len(b)/2)
		for i := range vals {
			vals[i] = float32(float64(binary.LittleEndian.Uint16(b[2*i:]))*q.Scale + q.Min)
		}
	}
	if isFloat {
		t.f32 = vals
		return t, nil
	}
	// Quantized integer weights round back to integers, as TF.js does.
	t.i32 = make([]int32, len(vals))
	for i, v := range vals {
		t.i32[i] = int32(math.Round(float64(v)))
	}
	return t, nil
}
