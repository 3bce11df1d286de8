package nn

// Footprint is what one Run at these input shapes costs: its multiply-adds and the float32
// elements of its arena and scratch. Code that runs models it did not vet (nn/tflite's
// fuzzer) bounds them with it before calling Run.
func (m *Model) Footprint(shapes ...[]int) (macs int64, floats int, err error) {
	ins := make([]*Tensor, len(shapes))
	for i, s := range shapes {
		ins[i] = &Tensor{Shape: s, Data: make([]float32, numelChecked(s))}
	}
	p, err := m.planFor(ins)
	if err != nil {
		return 0, 0, err
	}
	return p.macs, p.arenaSize + p.scratch, nil
}
