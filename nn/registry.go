package nn

import (
	"fmt"
	"sync"
)

// OpDef tells the planner how to handle one op. Files register their ops in init:
//
//	func init() { registerOp(OpFoo, OpDef{Infer: inferFoo, Compile: compileFoo}) }
//
// Both functions see concrete shapes: in[i] is input i's shape (nil for an absent optional
// input) and consts[i] its data when the input is constant at plan time (else nil).
type OpDef struct {
	// Infer returns the output shapes or an error wrapping ErrShape.
	Infer func(n *Node, in [][]int, consts [][]float32) ([][]int, error)
	// Compile returns the kernel for these shapes. It may pre-pack constant weights; it must
	// validate everything the kernel relies on so that Kernel.Run cannot fail or go out of
	// bounds.
	Compile func(n *Node, in [][]int, consts [][]float32, out [][]int) (Kernel, error)
	// Alias marks ops whose output is input 0's buffer reinterpreted (Reshape, Squeeze):
	// the planner shares the buffer and runs no kernel.
	Alias bool
}

// Kernel is a compiled op for fixed shapes.
type Kernel struct {
	// Run reads in and writes out (one slice per input/output, sized to the planned shapes;
	// absent optional inputs are nil). Outputs never alias inputs. scratch has Scratch
	// elements and holds garbage on entry.
	Run     func(in, out [][]float32, scratch []float32)
	Scratch int
	MACs    int64  // multiply-adds per run, for GFLOP/s reports (0 for cheap ops)
	Impl    string // the kernel family when an op has several (profiles, gemm_compare; "" for the default)

	// Split, when set, computes part `part` of `parts` disjoint shares of the outputs (rows
	// of pixels); the parts together equal Run, value for value. Parts of one step run
	// concurrently, each with its own scratch (Model.RunWorkers on batch 1, split.go).
	Split func(in, out [][]float32, scratch []float32, part, parts int)
}

var registry = struct {
	sync.RWMutex
	m map[Op]OpDef
}{m: map[Op]OpDef{}}

// registerOp adds or replaces the definition of op. Call it from init. Unexported: only
// package nn defines ops (importers map onto them; nothing outside adds kernels).
func registerOp(op Op, def OpDef) {
	registry.Lock()
	registry.m[op] = def
	registry.Unlock()
}

// lookup returns op's definition.
func lookup(op Op) (OpDef, bool) {
	registry.RLock()
	d, ok := registry.m[op]
	registry.RUnlock()
	return d, ok
}

// Registered reports whether op has a definition (importers use it to reject unknown ops
// at load time with the node's name).
func Registered(op Op) bool {
	_, ok := lookup(op)
	return ok
}

// shapeErr formats an ErrShape for node n.
func shapeErr(n *Node, format string, args ...any) error {
	return fmt.Errorf("%w: %s %q: %s", ErrShape, n.Op, n.Name, fmt.Sprintf(format, args...))
}
