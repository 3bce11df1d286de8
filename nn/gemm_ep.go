package nn

import "sync"

// Fused GEMM epilogue: when one K block covers K and the panels cover N exactly, a kernel
// with segEp starts C at the bias and applies the activation before its only store, so
// the bias pass before and the activation pass after (each a sweep over the C block)
// disappear. Activations it folds: none, ReLU, LeakyReLU, PReLU, as one slope per column.

// segEpKernel is segKernel with the epilogue: c gets pre(bias + Σ A·B) with
// pre(x) = max(x,0) + alpha·min(x,0); bias and alpha hold the panel's nr columns.
type segEpKernel func(mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32)

// epPatterns is the per-column bias and slope the epilogue kernels read.
type epPatterns struct {
	once        sync.Once
	bias, alpha []float32 // len N
	ok          bool      // the activation folds
}

// fused returns the epilogue's per-column bias and slope over n columns, and whether its
// activation folds into the kernels.
func (ep *epilogue) fused(n int) (bias, alpha []float32, ok bool) {
	p := &ep.pat
	p.once.Do(func() {
		p.bias, p.alpha = make([]float32, n), make([]float32, n)
		if ep.bias != nil {
			copy(p.bias, ep.bias[:n])
		}
		p.ok = true
		for j := range p.alpha {
			switch ep.act {
			case ActNone:
				p.alpha[j] = 1
			case ActRelu:
				p.alpha[j] = 0
			case ActLeakyRelu:
				p.alpha[j] = ep.alpha
			case ActPRelu:
				switch {
				case len(ep.prelu) == 1:
					p.alpha[j] = ep.prelu[0]
				case len(ep.prelu) >= n:
					p.alpha[j] = ep.prelu[j]
				default:
					p.ok = false
				}
			default:
				p.ok = false
			}
		}
	})
	return p.bias, p.alpha, p.ok
}

// segEpGeneric is the epilogue kernel's reference: bias, then seg, then pre per value.
func segEpGeneric(seg segKernel, nr int) segEpKernel {
	return func(mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32) {
		for i := 0; i < mr; i++ {
			copy(c[i*ldc:i*ldc+nr], bias[:nr])
		}
		seg(mr, nseg, kc, a, lda, ss, bp, c, ldc)
		for i := 0; i < mr; i++ {
			row := c[i*ldc : i*ldc+nr]
			for j, v := range row {
				row[j] = max(v, 0) + alpha[j]*min(v, 0)
			}
		}
	}
}
