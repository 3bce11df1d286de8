package train

import (
	"math"

	"github.com/wajah-id/wajah/embed"
)

// Whitening fits within-class covariance normalisation (embed.Whitening) to vectors x of
// classes cls: the mean of the unit vectors, and the Cholesky factor of their within-class
// covariance (classes with one vector add nothing) plus lambda times its mean variance on
// the diagonal. Deterministic; the factor and its triangular solve are written out because
// a 192x192 Cholesky is twenty lines and the module has no linear-algebra dependency.
func Whitening(x [][]float32, cls []string, lambda float64) embed.Whitening {
	d := 0
	if len(x) > 0 {
		d = len(x[0])
	}
	u := make([][]float64, len(x))
	mu := make([]float64, d)
	sum, cnt := map[string][]float64{}, map[string]float64{}
	for k, v := range x {
		u[k] = unitVec(v)
		m := sum[cls[k]]
		if m == nil {
			m = make([]float64, d)
			sum[cls[k]] = m
		}
		for i, e := range u[k] {
			m[i] += e
			mu[i] += e / float64(len(x))
		}
		cnt[cls[k]]++
	}
	s := make([]float64, d*d)
	var n float64
	r := make([]float64, d)
	for k, v := range u {
		c := cnt[cls[k]]
		if c < 2 {
			continue
		}
		n++
		for i := range v {
			r[i] = v[i] - sum[cls[k]][i]/c
		}
		for i := range d {
			for j := 0; j <= i; j++ {
				s[i*d+j] += r[i] * r[j]
			}
		}
	}
	var tr float64
	for i := range d {
		for j := 0; j <= i; j++ {
			s[i*d+j] /= max(n, 1)
		}
		tr += s[i*d+i]
	}
	for i := range d {
		s[i*d+i] += lambda * tr / float64(max(d, 1))
	}
	l := make([]float64, d*d)
	for i := range d {
		for j := 0; j <= i; j++ {
			v := s[i*d+j]
			for k := range j {
				v -= l[i*d+k] * l[j*d+k]
			}
			if i == j {
				l[i*d+i] = math.Sqrt(max(v, 1e-12))
			} else {
				l[i*d+j] = v / l[j*d+j]
			}
		}
	}
	// W = L^-1, column by column: L W[:,j] = e_j by forward substitution.
	inv := make([]float64, d*d)
	for j := range d {
		for i := j; i < d; i++ {
			v := 0.0
			if i == j {
				v = 1
			}
			for k := j; k < i; k++ {
				v -= l[i*d+k] * inv[k*d+j]
			}
			inv[i*d+j] = v / l[i*d+i]
		}
	}
	w := embed.Whitening{Dim: d, Mu: make([]float32, d), W: make([]float32, 0, d*(d+1)/2)}
	for i := range d {
		w.Mu[i] = float32(mu[i])
		for j := 0; j <= i; j++ {
			w.W = append(w.W, float32(inv[i*d+j]))
		}
	}
	return w
}

func unitVec(v []float32) []float64 {
	o := make([]float64, len(v))
	var s float64
	for i, x := range v {
		o[i] = float64(x)
		s += o[i] * o[i]
	}
	s = math.Sqrt(max(s, 1e-24))
	for i := range o {
		o[i] /= s
	}
	return o
}

// MaskedHead fits the masked path's head: one whitening of the plain embeddings, one of the
// overlays (every overlay of every image its own sample, of its image's class).
func MaskedHead(plain [][]float32, overlays [][][]float32, cls []string, lambda float64) *embed.MaskedHead {
	var xo [][]float32
	var co []string
	for i, t := range overlays {
		for _, v := range t {
			xo = append(xo, v)
			co = append(co, cls[i])
		}
	}
	return &embed.MaskedHead{Lambda: float32(lambda), Plain: Whitening(plain, cls, lambda), Overlay: Whitening(xo, co, lambda)}
}
