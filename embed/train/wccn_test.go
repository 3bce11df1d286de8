package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// With no ridge, the whitening makes the within-class covariance of the whitened unit
// vectors the identity: W Sw W^T = I, computed here from the packed W directly (Apply
// normalizes its output, which would hide the scale).
func TestWhiteningWhitensWithinClass(t *testing.T) {
	const d, people, per = 6, 40, 5
	rng := rand.New(rand.NewPCG(9, 10))
	var x [][]float32
	var cls []string
	for p := range people {
		c := make([]float64, d)
		for k := range c {
			c[k] = rng.NormFloat64()
		}
		for range per {
			v := make([]float32, d)
			for k := range v {
				v[k] = float32(c[k] + float64(k+1)*0.3*rng.NormFloat64()) // unequal spreads
			}
			x = append(x, v)
			cls = append(cls, fmt.Sprint(p))
		}
	}
	w := Whitening(x, cls, 0)
	if w.Dim != d || len(w.Mu) != d || len(w.W) != d*(d+1)/2 {
		t.Fatalf("sizes: dim %d, mu %d, W %d", w.Dim, len(w.Mu), len(w.W))
	}
	apply := func(v []float32) []float64 { // W (unit(v) - mu), unnormalized
		u := unitVec(v)
		y := make([]float64, d)
		row := 0
		for i := range d {
			for j := 0; j <= i; j++ {
				y[i] += float64(w.W[row+j]) * (u[j] - float64(w.Mu[j]))
			}
			row += i + 1
		}
		return y
	}
	ys := make([][]float64, len(x))
	mean := map[string][]float64{}
	for i, v := range x {
		ys[i] = apply(v)
		if mean[cls[i]] == nil {
			mean[cls[i]] = make([]float64, d)
		}
		for k := range d {
			mean[cls[i]][k] += ys[i][k] / per
		}
	}
	for a := range d {
		for b := range d {
			var s float64
			for i, y := range ys {
				s += (y[a] - mean[cls[i]][a]) * (y[b] - mean[cls[i]][b])
			}
			s /= float64(len(ys))
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(s-want) > 1e-3 {
				t.Fatalf("whitened within-class covariance [%d][%d] = %.5f, want %v", a, b, s, want)
			}
		}
	}
}
