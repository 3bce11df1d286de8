package tfjs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Limits on what a model.json may declare. The models wajah ships are far below them; they
// exist so a hostile file fails with ErrLimit instead of exhausting memory.
const (
	maxJSONBytes   = 32 << 20  // model.json itself
	maxNodes       = 100_000   // graph nodes
	maxInputs      = 1_000     // inputs of one node
	maxRank        = 8         // tensor rank
	maxDim         = 1 << 24   // one dimension
	maxElems       = 1 << 28   // elements of one weight tensor (1 GiB of float32)
	maxWeightBytes = 512 << 20 // all shards together
	maxShards      = 10_000    // shard files
	maxInlineElems = 1 << 20   // elements of a constant stored in model.json itself
)

// modelFile is model.json as written by tensorflowjs_converter (format "graph-model").
type modelFile struct {
	Format          string          `json:"format"`
	ModelTopology   *graphDef       `json:"modelTopology"`
	WeightsManifest []manifestGroup `json:"weightsManifest"`
	Signature       *signatureDef   `json:"signature"`
	UserMetadata    json.RawMessage `json:"userDefinedMetadata"`
}

// graphDef is a TensorFlow GraphDef in protobuf's JSON mapping.
type graphDef struct {
	Node []nodeDef `json:"node"`
}

type nodeDef struct {
	Name  string               `json:"name"`
	Op    string               `json:"op"`
	Input []string             `json:"input"`
	Attr  map[string]attrValue `json:"attr"`
}

// attrValue is one AttrValue; exactly one field is set. Bytes ("s") arrive base64-encoded,
// which encoding/json decodes into []byte.
type attrValue struct {
	S      []byte       `json:"s"`
	I      *jsonInt     `json:"i"`
	F      *jsonFloat   `json:"f"`
	B      *bool        `json:"b"`
	Type   string       `json:"type"`
	Shape  *shapeProto  `json:"shape"`
	Tensor *tensorProto `json:"tensor"`
	List   *listValue   `json:"list"`
}

type listValue struct {
	S     [][]byte     `json:"s"`
	I     []jsonInt    `json:"i"`
	F     []jsonFloat  `json:"f"`
	B     []bool       `json:"b"`
	Type  []string     `json:"type"`
	Shape []shapeProto `json:"shape"`
}

type shapeProto struct {
	Dim         []dimProto `json:"dim"`
	UnknownRank bool       `json:"unknownRank"`
}

type dimProto struct {
	Size jsonInt `json:"size"`
}

// tensorProto is a Const node's value. The converter moves the data into the weight shards,
// but small tensors may stay inline (int_val, float_val or tensor_content).
type tensorProto struct {
	Dtype         string      `json:"dtype"`
	TensorShape   *shapeProto `json:"tensorShape"`
	TensorContent []byte      `json:"tensorContent"`
	FloatVal      []jsonFloat `json:"floatVal"`
	IntVal        []jsonInt   `json:"intVal"`
}

type signatureDef struct {
	Inputs  map[string]tensorInfo `json:"inputs"`
	Outputs orderedOutputs        `json:"outputs"`
}

type tensorInfo struct {
	Name        string      `json:"name"`
	Dtype       string      `json:"dtype"`
	TensorShape *shapeProto `json:"tensorShape"`
}

type manifestGroup struct {
	Paths   []string      `json:"paths"`
	Weights []weightEntry `json:"weights"`
}

type weightEntry struct {
	Name         string        `json:"name"`
	Shape        []int64       `json:"shape"`
	Dtype        string        `json:"dtype"`
	Quantization *quantization `json:"quantization"`
}

type quantization struct {
	Dtype         string  `json:"dtype"`
	Scale         float64 `json:"scale"`
	Min           float64 `json:"min"`
	OriginalDtype string  `json:"original_dtype"`
}

// jsonInt accepts protobuf's int64 encoding (a JSON string) as well as a plain number.
type jsonInt int64

func (v *jsonInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("integer %q: %w", b, ErrFormat)
	}
	*v = jsonInt(n)
	return nil
}

// jsonFloat accepts a number or protobuf's quoted "NaN", "Infinity", "-Infinity".
type jsonFloat float64

func (v *jsonFloat) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	switch s {
	case "Infinity":
		s = "+Inf"
	case "-Infinity":
		s = "-Inf"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("float %q: %w", b, ErrFormat)
	}
	*v = jsonFloat(f)
	return nil
}

// parseModelJSON decodes model.json and checks the fields every later step relies on.
func parseModelJSON(data []byte) (*modelFile, error) {
	if len(data) > maxJSONBytes {
		return nil, fmt.Errorf("model.json is %d bytes (max %d): %w", len(data), maxJSONBytes, ErrLimit)
	}
	var m modelFile
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("model.json: %v: %w", err, ErrFormat)
	}
	if m.Format != "" && m.Format != "graph-model" {
		return nil, fmt.Errorf("model.json format %q (want graph-model): %w", m.Format, ErrUnsupported)
	}
	if m.ModelTopology == nil || len(m.ModelTopology.Node) == 0 {
		return nil, fmt.Errorf("model.json has no modelTopology nodes: %w", ErrFormat)
	}
	if n := len(m.ModelTopology.Node); n > maxNodes {
		return nil, fmt.Errorf("%d nodes (max %d): %w", n, maxNodes, ErrLimit)
	}
	return &m, nil
}

// shapeDims converts a shape proto to dims; -1 marks an unknown (dynamic) dimension.
func shapeDims(s *shapeProto) ([]int, error) {
	if s == nil || s.UnknownRank {
		return nil, fmt.Errorf("shape of unknown rank: %w", ErrUnsupported)
	}
	return checkDims(len(s.Dim), func(i int) int64 { return int64(s.Dim[i].Size) }, true)
}

// checkDims validates a shape given by a rank and an accessor; dynamic allows -1.
func checkDims(rank int, dim func(int) int64, dynamic bool) ([]int, error) {
	if rank > maxRank {
		return nil, fmt.Errorf("rank %d (max %d): %w", rank, maxRank, ErrLimit)
	}
	dims := make([]int, rank)
	for i := range dims {
		d := dim(i)
		switch {
		case d == -1 && dynamic:
		case d < 0:
			return nil, fmt.Errorf("dimension %d: %w", d, ErrFormat)
		case d > maxDim:
			return nil, fmt.Errorf("dimension %d (max %d): %w", d, maxDim, ErrLimit)
		}
		dims[i] = int(d)
	}
	return dims, nil
}

// numElems multiplies static dims with an overflow-safe bound.
func numElems(dims []int) (int, error) {
	n := 1
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("dynamic dimension in a constant: %w", ErrFormat)
		}
		if d != 0 && n > maxElems/d {
			return 0, fmt.Errorf("shape %v exceeds %d elements: %w", dims, maxElems, ErrLimit)
		}
		n *= d
	}
	return n, nil
}
