package nn

import "sync"

// RunWorkers is Run with the batch split across up to workers goroutines: each runs the
// same compiled kernels on its share of the batch (a plan per share size, so a request of
// batch B on W workers compiles at most two extra plans), and the outputs are joined in
// order. The results equal Run's: every batch element is computed the same way. It falls
// back to Run when workers < 2, the batch is 1, the inputs disagree on their batch, or an
// output does not carry the batch as its first dimension.
//
// This is nn's one parallelism option. Layers are not split inside (a batch-1 run uses
// one core); who picks workers is the caller: the server runs one request per core at
// load (workers 1), and a batch of face crops (rnet, onet, FlipTTA) may take the idle cores.
func (m *Model) RunWorkers(workers int, inputs ...*Tensor) ([]*Tensor, error) {
	batch := splitBatch(inputs)
	if workers < 2 || batch < 2 {
		return m.Run(inputs...)
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
