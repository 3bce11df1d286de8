package nn

import "errors"

var (
	// ErrFormat reports a model file that cannot be parsed (truncated, corrupt, out of range).
	ErrFormat = errors.New("nn: malformed model file")
	// ErrUnsupported reports a valid model that uses something the runtime does not implement
	// (an unknown op, a quantized tensor, a second subgraph).
	ErrUnsupported = errors.New("nn: unsupported model feature")
	// ErrShape reports inputs or tensors whose shapes do not fit the graph.
	ErrShape = errors.New("nn: shape mismatch")
	// ErrGraph reports a graph that is not well formed (cycles, dangling tensor indices).
	ErrGraph = errors.New("nn: invalid graph")
)
