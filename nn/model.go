package nn

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Tensor is a dense float32 tensor in row-major order. len(Data) must equal the product of
// Shape.
type Tensor struct {
	Shape []int
	Data  []float32
}

// TensorSpec describes a model input or output. Shape uses -1 for dynamic dimensions.
type TensorSpec struct {
	Name  string
	Shape []int
}

// maxPlans bounds the plan cache: pnet sees a new input size per pyramid scale and image.
const maxPlans = 64

// Model is a loaded, optimised graph. It is safe for concurrent use.
type Model struct {
	g       *Graph
	inputs  []TensorSpec
	outputs []TensorSpec
	memo    []sync.Map // per node: compiled weight packings shared by all plans
	prec    Precision  // see WithPrecision

	mu    sync.Mutex
	plans map[string]*plan
}

// FromGraph validates g, sorts it, folds constants, fuses ops and returns a runnable model.
// g is not modified (the model works on a copy of its node list; constant data is shared and
// must not be changed afterwards).
func FromGraph(g *Graph) (*Model, error) {
	og, err := optimize(g)
	if err != nil {
		return nil, err
	}
	m := &Model{g: og, plans: map[string]*plan{}, memo: make([]sync.Map, len(og.Nodes))}
	for i := range og.Nodes {
		og.Nodes[i].memo = &m.memo[i]
	}
	for _, t := range og.Inputs {
		m.inputs = append(m.inputs, TensorSpec{Name: og.Tensors[t].Name, Shape: append([]int(nil), og.Tensors[t].Shape...)})
	}
	for _, t := range og.Outputs {
		m.outputs = append(m.outputs, TensorSpec{Name: og.Tensors[t].Name, Shape: append([]int(nil), og.Tensors[t].Shape...)})
	}
	m.probeOutputs()
	return m, nil
}

// probeOutputs plans the model at two sizes of its dynamic input dimensions and marks the
// output dimensions that change as dynamic. Graphs that do not plan keep their declared
// output shapes (Run reports the error).
func (m *Model) probeOutputs() {
	try := func(batch, spatial int) [][]int {
		shapes := make([][]int, len(m.inputs))
		for i, in := range m.inputs {
			s := append([]int(nil), in.Shape...)
			for d, v := range s {
				if v < 0 {
					if d == 0 {
						s[d] = batch
					} else {
						s[d] = spatial
					}
				}
			}
			shapes[i] = s
		}
		p, err := buildPlan(m.g, shapes)
		if err != nil {
			return nil
		}
		out := make([][]int, len(p.outputs))
		for i, t := range p.outputs {
			out[i] = p.shapes[t]
		}
		return out
	}
	a, b := try(1, 64), try(2, 96)
	if a == nil || b == nil {
		return
	}
	for i := range m.outputs {
		if len(a[i]) != len(b[i]) {
			continue
		}
		s := make([]int, len(a[i]))
		for d := range s {
			s[d] = a[i][d]
			if a[i][d] != b[i][d] {
				s[d] = -1
			}
		}
		m.outputs[i].Shape = s
	}
}

// Inputs describes the model's inputs in the order Run takes them.
func (m *Model) Inputs() []TensorSpec { return cloneSpecs(m.inputs) }

// Outputs describes the model's outputs in the order Run returns them. Shapes are those
// recorded in the file; dynamic dimensions follow the inputs.
func (m *Model) Outputs() []TensorSpec { return cloneSpecs(m.outputs) }

func cloneSpecs(s []TensorSpec) []TensorSpec {
	out := make([]TensorSpec, len(s))
	for i, t := range s {
		out[i] = TensorSpec{Name: t.Name, Shape: append([]int(nil), t.Shape...)}
	}
	return out
}

// Run executes the model on one tensor per input and returns the outputs in model order.
func (m *Model) Run(inputs ...*Tensor) ([]*Tensor, error) {
	p, err := m.planFor(inputs)
	if err != nil {
		return nil, err
	}
	return p.run(inputs, 1), nil
}

// MACs returns the multiply-adds one Run performs for these input shapes (for GFLOP/s).
func (m *Model) MACs(shapes ...[]int) (int64, error) {
	ins := make([]*Tensor, len(shapes))
	for i, s := range shapes {
		ins[i] = &Tensor{Shape: s, Data: make([]float32, numelChecked(s))}
	}
	p, err := m.planFor(ins)
	if err != nil {
		return 0, err
	}
	return p.macs, nil
}

func numelChecked(s []int) int {
	n := 1
	for _, d := range s {
		if d <= 0 || d > 1<<28 || n > (1<<28)/d {
			return 0
		}
		n *= d
	}
	return n
}

// planFor validates inputs against the specs and returns the cached plan for their shapes.
func (m *Model) planFor(inputs []*Tensor) (*plan, error) {
	if len(inputs) != len(m.inputs) {
		return nil, fmt.Errorf("%w: model takes %d inputs, got %d", ErrShape, len(m.inputs), len(inputs))
	}
	var key strings.Builder
	for i, t := range inputs {
		spec := m.inputs[i]
		if t == nil {
			return nil, fmt.Errorf("%w: input %d (%s) is nil", ErrShape, i, spec.Name)
		}
		if len(t.Shape) != len(spec.Shape) {
			return nil, fmt.Errorf("%w: input %s has shape %v, want %v", ErrShape, spec.Name, t.Shape, spec.Shape)
		}
		for d, v := range t.Shape {
			if v <= 0 || (spec.Shape[d] >= 0 && v != spec.Shape[d]) {
				return nil, fmt.Errorf("%w: input %s has shape %v, want %v", ErrShape, spec.Name, t.Shape, spec.Shape)
			}
		}
		if n := numelChecked(t.Shape); n == 0 || len(t.Data) != n {
			return nil, fmt.Errorf("%w: input %s has %d values for shape %v", ErrShape, spec.Name, len(t.Data), t.Shape)
		}
		for _, v := range t.Shape {
			key.WriteString(strconv.Itoa(v))
			key.WriteByte(',')
		}
		key.WriteByte(';')
	}
	k := key.String()
	m.mu.Lock()
	p := m.plans[k]
	m.mu.Unlock()
	if p != nil {
		return p, nil
	}
	shapes := make([][]int, len(inputs))
	for i, t := range inputs {
		shapes[i] = append([]int(nil), t.Shape...)
	}
	p, err := buildPlan(m.g, shapes)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if old := m.plans[k]; old != nil {
		p = old
	} else {
		if len(m.plans) >= maxPlans {
			for kk := range m.plans { // evict an arbitrary plan
				delete(m.plans, kk)
				break
			}
		}
		m.plans[k] = p
	}
	m.mu.Unlock()
	return p, nil
}
