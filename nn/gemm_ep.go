package nn

import "sync"

// Fused GEMM epilogue: when one K block covers K and the panels cover N exactly, a kernel
// with segEp starts C at the bias and applies the activation before its only store, so
// the bias pass before and the activation pass after (each a sweep over the C block)
// disappear. Activations it folds: none, ReLU, LeakyReLU, PReLU, as one slope per column.

// segEpKernel is segKernel with the epilogue: c gets pre(bias + Σ A·B) with
// pre(x) = max(x,0) + alpha·min(x,0); bias and alpha hold the panel's nr columns.
type segEpKernel func(mr, nseg, kc int, a []float32, lda, ss int, bp, c []float32, ldc int, bias, alpha []float32)

// resKernel is segEpKernel over one segment with a residual r (rows ldr floats apart)
// added before the activation: c gets pre(bias + Σ A·B + r).
type resKernel func(mr, kc int, a []float32, lda int, bp, c []float32, ldc int, bias, alpha, r []float32, ldr int)

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

// resGeneric is the residual kernel's reference: bias, then seg, then + r, then pre.
func resGeneric(seg segKernel, nr int) resKernel {
	return func(mr, kc int, a []float32, lda int, bp, c []float32, ldc int, bias, alpha, r []float32, ldr int) {
		for i := 0; i < mr; i++ {
			copy(c[i*ldc:i*ldc+nr], bias[:nr])
		}
		seg(mr, 1, kc, a, lda, 0, bp, c, ldc)
		for i := 0; i < mr; i++ {
			row, ri := c[i*ldc:i*ldc+nr], r[i*ldr:i*ldr+nr]
			for j, v := range row {
				v += ri[j]
				row[j] = max(v, 0) + alpha[j]*min(v, 0)
			}
		}
	}
}

// gemmResidual computes C = act(A·B + bias + R) (R rows ldr apart) with impl's residual
// kernel and reports whether it could: one K block, whole panels and an activation that
// folds (ep's; ep carries the bias). The values are those of gemm with ep's bias and no
// activation, then an addition of R and the activation.
func gemmResidual(impl *gemmImpl, m int, a []float32, lda int, b *packedB, c []float32, ldc int, ep *epilogue, r []float32, ldr int) bool {
	n, k, nr, mr := b.n, b.k, b.nr, impl.mr
	if impl.res == nil || k > Kc || n%nr != 0 {
		return false
	}
	bias, alpha, ok := ep.fused(n)
	if !ok {
		return false
	}
	for i0 := 0; i0 < m; i0 += Mc {
		mc := min(Mc, m-i0)
		for pan := 0; pan*nr < n; pan++ {
			j0 := pan * nr
			bp := b.data[pan*k*nr : (pan+1)*k*nr]
			for i := i0; i < i0+mc; i += mr {
				impl.res(min(mr, i0+mc-i), k, a[i*lda:], lda, bp, c[i*ldc+j0:], ldc, bias[j0:j0+nr], alpha[j0:j0+nr], r[i*ldr+j0:], ldr)
			}
		}
	}
	return true
}
