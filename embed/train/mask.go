// Package train fits wajah's own small heads offline (the mask classifier) and holds the
// training-time augmentation; embed/ keeps only what runs per request.
package train

import (
	"math"
	"math/rand/v2"

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
	grads := [][]float64{make([]float64, len(m.W1)), make([]float64, len(m.B1)), make([]float64, len(m.W2))}
	mom := [][]float64{make([]float64, len(m.W1)), make([]float64, len(m.B1)), make([]float64, len(m.W2))}
	vel := [][]float64{make([]float64, len(m.W1)), make([]float64, len(m.B1)), make([]float64, len(m.W2))}
	var gb, mb, vb float64
	act := make([]float32, h)
	const b1, b2, eps = 0.9, 0.999, 1e-8
	for t := 1; t <= c.Epochs; t++ {
		for _, g := range grads {
			clear(g)
		}
		gb = 0
		for i := range z {
			var logit float32
			if h == 0 {
				logit = m.B2
				for j, v := range z[i] {
					logit += m.W2[j] * v
				}
			} else {
				logit = m.B2
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
			gb += e
			if h == 0 {
				for j, v := range z[i] {
					grads[2][j] += e * float64(v)
				}
				continue
			}
			for k := 0; k < h; k++ {
				grads[2][k] += e * float64(act[k])
				if act[k] <= 0 {
					continue
				}
				ek := e * float64(m.W2[k])
				grads[1][k] += ek
				g := grads[0][k*d : (k+1)*d]
				for j, v := range z[i] {
					g[j] += ek * float64(v)
				}
			}
		}
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
