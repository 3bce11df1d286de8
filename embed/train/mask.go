// Package train fits wajah's own small heads offline (the mask classifier) and holds the
// training-time augmentation; embed/ keeps only what runs per request.
package train

import (
	"math"
	"math/rand/v2"
	"sync"

	"github.com/wajah-id/wajah/embed"
)

// MaskConfig tunes Mask.
type MaskConfig struct {
	Kind   uint32
	Hidden int     // 0: logistic regression
	Epochs int     // full-batch Adam steps; default 400
	LR     float64 // default 0.01
	L2     float64 // weight decay; default 1e-3
	Seed   uint64
	Chunks int // gradient sums in parallel chunks (0 or 1: one sequential sum)
	// Weights, when set, weighs each sample's loss (one per row of x; normalized to mean 1
	// so that L2 keeps its meaning). Nil: every sample counts the same.
	Weights []float32
}

// Mask fits a embed.MaskModel to raw features x and labels y (1 = mask) with full-batch Adam
// on the mean logistic loss plus L2. Deterministic for a seed.
func Mask(x [][]float32, y []float32, c MaskConfig) *embed.MaskModel {
	if c.Epochs <= 0 {
		c.Epochs = 400
	}
	if c.LR <= 0 {
		c.LR = 0.01
	}
	if c.L2 < 0 {
		c.L2 = 0
	} else if c.L2 == 0 {
		c.L2 = 1e-3
	}
	n, d := len(x), len(x[0])
	w := normalizedWeights(c.Weights, n)
	m := &embed.MaskModel{Kind: c.Kind, Dim: d, Hidden: c.Hidden, Mean: make([]float32, d), Std: make([]float32, d)}
	for j := 0; j < d; j++ {
		var s, s2 float64
		for i := range x {
			v := float64(x[i][j])
			s += v
			s2 += v * v
		}
		mu := s / float64(n)
		m.Mean[j] = float32(mu)
		m.Std[j] = float32(math.Sqrt(max(s2/float64(n)-mu*mu, 0)) + 1e-6)
	}
	z := make([][]float32, n)
	for i := range x {
		z[i] = make([]float32, d)
		for j := range x[i] {
			z[i][j] = (x[i][j] - m.Mean[j]) / m.Std[j]
		}
	}
	h := c.Hidden
	rng := rand.New(rand.NewPCG(c.Seed, 1))
	w2n := d
	if h > 0 {
		w2n = h
		m.W1 = make([]float32, h*d)
		m.B1 = make([]float32, h)
		sc := math.Sqrt(2 / float64(d))
		for i := range m.W1 {
			m.W1[i] = float32(rng.NormFloat64() * sc)
		}
	}
	m.W2 = make([]float32, w2n)
	if h > 0 {
		sc := math.Sqrt(1 / float64(h))
		for i := range m.W2 {
			m.W2[i] = float32(rng.NormFloat64() * sc)
		}
	}
	// Parameters as one flat view for Adam: W1, B1, W2, B2.
	params := [][]float32{m.W1, m.B1, m.W2}
	mom := [][]float64{make([]float64, len(m.W1)), make([]float64, len(m.B1)), make([]float64, len(m.W2))}
	vel := [][]float64{make([]float64, len(m.W1)), make([]float64, len(m.B1)), make([]float64, len(m.W2))}
	var mb, vb float64
	const b1, b2, eps = 0.9, 0.999, 1e-8
	// Chunks accumulate their gradients apart and are summed in chunk order, so that the
	// result depends on Chunks, not on the machine's core count. One chunk is the original
	// sequential sum, which reproduces the committed weights.
	chunks := max(c.Chunks, 1)
	parts := make([]maskGrads, chunks)
	for k := range parts {
		parts[k] = maskGrads{w1: make([]float64, len(m.W1)), b1: make([]float64, len(m.B1)), w2: make([]float64, len(m.W2)), act: make([]float32, h)}
	}
	for t := 1; t <= c.Epochs; t++ {
		var wg sync.WaitGroup
		for k := range parts {
			lo, hi := k*n/chunks, (k+1)*n/chunks
			wg.Add(1)
			go func() {
				defer wg.Done()
				parts[k].accumulate(m, z[lo:hi], y[lo:hi], w[lo:hi], n)
			}()
		}
		wg.Wait()
		for k := 1; k < chunks; k++ {
			parts[0].add(&parts[k])
		}
		grads := [][]float64{parts[0].w1, parts[0].b1, parts[0].w2}
		gb := parts[0].b2
		c1, c2 := 1-math.Pow(b1, float64(t)), 1-math.Pow(b2, float64(t))
		for p := range params {
			for j := range params[p] {
				g := grads[p][j] + c.L2*float64(params[p][j])
				mom[p][j] = b1*mom[p][j] + (1-b1)*g
				vel[p][j] = b2*vel[p][j] + (1-b2)*g*g
				params[p][j] -= float32(c.LR * (mom[p][j] / c1) / (math.Sqrt(vel[p][j]/c2) + eps))
			}
		}
		mb = b1*mb + (1-b1)*gb
		vb = b2*vb + (1-b2)*gb*gb
		m.B2 -= float32(c.LR * (mb / c1) / (math.Sqrt(vb/c2) + eps))
	}
	return m
}

// maskGrads holds one chunk's gradient sums (and its hidden activations scratch).
type maskGrads struct {
	w1, b1, w2 []float64
	b2         float64
	act        []float32
}

// accumulate zeroes g and adds the mean-loss gradients of samples z (labels y, weights w) of
// a batch of n to it.
func (g *maskGrads) accumulate(m *embed.MaskModel, z [][]float32, y, w []float32, n int) {
	clear(g.w1)
	clear(g.b1)
	clear(g.w2)
	g.b2 = 0
	h, d, act := m.Hidden, m.Dim, g.act
	for i := range z {
		logit := m.B2
		if h == 0 {
			for j, v := range z[i] {
				logit += m.W2[j] * v
			}
		} else {
			for k := 0; k < h; k++ {
				a := m.B1[k]
				row := m.W1[k*d : (k+1)*d]
				for j, v := range z[i] {
					a += row[j] * v
				}
				act[k] = max(a, 0)
				logit += m.W2[k] * act[k]
			}
		}
		// embed's sigmoid rounds to float32 before the label is subtracted; kept so that
		// retraining reproduces the committed weights.
		e := float64(float32(1/(1+math.Exp(-float64(logit))))-y[i]) / float64(n)
		if w[i] != 1 {
			e *= float64(w[i])
		}
		g.b2 += e
		if h == 0 {
			for j, v := range z[i] {
				g.w2[j] += e * float64(v)
			}
			continue
		}
		for k := 0; k < h; k++ {
			g.w2[k] += e * float64(act[k])
			if act[k] <= 0 {
				continue
			}
			ek := e * float64(m.W2[k])
			g.b1[k] += ek
			w := g.w1[k*d : (k+1)*d]
			for j, v := range z[i] {
				w[j] += ek * float64(v)
			}
		}
	}
}

// add adds o's sums to g's.
func (g *maskGrads) add(o *maskGrads) {
	for i, v := range o.w1 {
		g.w1[i] += v
	}
	for i, v := range o.b1 {
		g.b1[i] += v
	}
	for i, v := range o.w2 {
		g.w2[i] += v
	}
	g.b2 += o.b2
}

// normalizedWeights returns weights scaled to mean 1, or n ones when weights is nil (or
// has the wrong length, or sums to nothing): the unweighted loss.
func normalizedWeights(weights []float32, n int) []float32 {
	w := make([]float32, n)
	var sum float64
	if len(weights) == n {
		for _, v := range weights {
			sum += float64(max(v, 0))
		}
	}
	for i := range w {
		w[i] = 1
		if sum > 0 {
			w[i] = float32(float64(max(weights[i], 0)) * float64(n) / sum)
		}
	}
	return w
}

// BalancedWeights weighs samples so that every group (a class, or a source and class) has
// the same total weight: a group of k samples gets 1/k each. Without it a training set
// with three synthetic-mask copies of every unmasked face counts masked faces about
// twice, and the head learns that prior.
func BalancedWeights(groups []string) []float32 {
	count := map[string]int{}
	for _, g := range groups {
		count[g]++
	}
	w := make([]float32, len(groups))
	for i, g := range groups {
		w[i] = 1 / float32(count[g])
	}
	return w
}
