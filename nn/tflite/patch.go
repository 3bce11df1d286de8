package tflite

import (
	"encoding/binary"
	"fmt"

	"github.com/wajah-id/wajah/nn"
)

// PatchInputShape overwrites, in place, the shape of subgraph 0's first input in TFLite
// model bytes (same rank). Reference tooling uses it to run TFLite's interpreter at the
// sizes wajah feeds (TFLite re-derives every other shape when it prepares the graph).
func PatchInputShape(b []byte, shape []int) error {
	if len(b) < 8 {
		return nn.ErrFormat
	}
	r := &fbReader{b: b, ok: true}
	root := r.root()
	sgs := r.tables(root, tflModelSubgraphs)
	if !r.ok || len(sgs) == 0 {
		return nn.ErrFormat
	}
	ins := r.int32s(sgs[0], 1)
	ts := r.tables(sgs[0], 0)
	if !r.ok || len(ins) == 0 || ins[0] < 0 || ins[0] >= len(ts) {
		return nn.ErrFormat
	}
	p, n := r.vector(ts[ins[0]], tflTensorShape, 4)
	if !r.ok || n != len(shape) {
		return fmt.Errorf("%w: input rank %d, want %d", nn.ErrShape, n, len(shape))
	}
	for i, d := range shape {
		binary.LittleEndian.PutUint32(b[p+4*i:], uint32(d))
	}
	return nil
}
