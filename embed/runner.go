package embed

import "github.com/wajah-id/wajah/nn"

// runner is what the detectors and the embedder need of a model (tests substitute fakes).
type runner interface {
	Run(inputs ...*nn.Tensor) ([]*nn.Tensor, error)
}

// autoRunner runs a model with nn.Model.RunAuto: a request takes the cores no other model
// run holds (all of them at low load, one at high load), so one verify uses the idle cores
// and a loaded server runs one request per core.
type autoRunner struct{ m *nn.Model }

func (a autoRunner) Run(inputs ...*nn.Tensor) ([]*nn.Tensor, error) { return a.m.RunAuto(inputs...) }
