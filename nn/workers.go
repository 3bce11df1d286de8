package nn

import "sync"

// RunWorkers is Run on up to workers goroutines, with results equal to Run's bit for bit.
// A batch of at least workers elements is split across them: each runs the same compiled
// kernels on its share (a plan per share size, so a request of batch B on W workers
// compiles at most two extra plans), and the outputs are joined in order. A smaller batch
// (batch 1) is split inside each large layer instead: its output rows are shared among
// the workers (split.go). It falls back to Run when workers < 2, and to the layer split
// when the inputs disagree on their batch or an output does not carry the batch first.
//
// This is nn's one parallelism option; RunAuto picks workers from load.
func (m *Model) RunWorkers(workers int, inputs ...*Tensor) ([]*Tensor, error) {
	batch := splitBatch(inputs)
	if workers < 2 {
		return m.Run(inputs...)
	}
	if batch < workers { // batch 1 (or a small batch): split inside the large layers
		p, err := m.planFor(inputs)
		if err != nil {
			return nil, err
		}
		return p.run(inputs, workers), nil
	}
	workers = min(workers, batch)
	type part struct {
		out []*Tensor
		err error
	}
	parts := make([]part, workers)
	var wg sync.WaitGroup
	for w := range workers {
		b0, b1 := w*batch/workers, (w+1)*batch/workers
		ins := make([]*Tensor, len(inputs))
		for i, t := range inputs {
			per := len(t.Data) / batch
			shape := append([]int{b1 - b0}, t.Shape[1:]...)
			ins[i] = &Tensor{Shape: shape, Data: t.Data[b0*per : b1*per]}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w].out, parts[w].err = m.Run(ins...)
		}()
	}
	wg.Wait()
	for _, p := range parts {
		if p.err != nil {
			return nil, p.err
		}
	}
	outs := make([]*Tensor, len(parts[0].out))
	for i := range outs {
		shape := append([]int{0}, parts[0].out[i].Shape[1:]...)
		var data []float32
		for w, p := range parts {
			o := p.out[i]
			if len(o.Shape) == 0 || o.Shape[0] != (w+1)*batch/workers-w*batch/workers {
				return m.Run(inputs...) // an output without a batch dimension: no split
			}
			shape[0] += o.Shape[0]
			data = append(data, o.Data...)
		}
		outs[i] = &Tensor{Shape: shape, Data: data}
	}
	return outs, nil
}

// splitBatch returns the common batch (first dimension) of the inputs, or 0 when they have
// none in common.
func splitBatch(inputs []*Tensor) int {
	batch := 0
	for i, t := range inputs {
		if t == nil || len(t.Shape) == 0 || t.Shape[0] < 1 || len(t.Data)%t.Shape[0] != 0 {
			return 0
		}
		if i == 0 {
			batch = t.Shape[0]
		} else if t.Shape[0] != batch {
			return 0
		}
	}
	return batch
}
