package nn

// ProbeSpatial marks height and width of a single 4-D input dynamic when the graph also
// plans at an unrelated size (fully convolutional nets: MTCNN's P-Net runs at every scale).
// Importers whose format fixes the input size call it after FromGraph (nn/tflite does).
func (m *Model) ProbeSpatial() {
	if len(m.inputs) != 1 || len(m.inputs[0].Shape) != 4 {
		return
	}
	s := m.inputs[0].Shape
	if s[1] < 12 || s[2] < 12 {
		return
	}
	probe := [][]int{{1, s[1]/2 + 3, s[2]/2 + 1, s[3]}}
	if _, err := buildPlan(m.g, probe); err != nil {
		return
	}
	m.inputs[0].Shape[1], m.inputs[0].Shape[2] = -1, -1
	t := m.g.Inputs[0]
	m.g.Tensors[t].Shape = append([]int(nil), m.inputs[0].Shape...)
	m.probeOutputs()
}
