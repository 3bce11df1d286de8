package train

import (
	"math"

	"github.com/wajah-id/wajah/embed"
)

// LiveHead fits an embed.LiveHead on feature rows (full embed.LiveColumns vectors) and labels
// (1 live, 0 spoof) by Newton's method on the L2-penalized log-likelihood (at most some
// hundred features and a few thousand rows, so the Hessian is small); classes are weighted
// to equal total weight.
func LiveHead(feats []int, x [][]float32, live []bool, l2 float64) *embed.LiveHead {
	d := len(feats)
	n := len(x)
	h := &embed.LiveHead{Feats: append([]int(nil), feats...), Mean: make([]float32, d), Std: make([]float32, d), W: make([]float32, d)}
	z := make([][]float64, n)
	for i := range x {
		z[i] = make([]float64, d)
		for j, k := range feats {
			z[i][j] = embed.LiveInput(k, x[i][k])
		}
	}
	for j := 0; j < d; j++ {
		var s, ss float64
		for i := range z {
			s += z[i][j]
		}
		m := s / float64(n)
		for i := range z {
			ss += (z[i][j] - m) * (z[i][j] - m)
		}
		sd := math.Sqrt(ss / float64(n))
		if sd < 1e-6 {
			sd = 1
		}
		h.Mean[j], h.Std[j] = float32(m), float32(sd)
		for i := range z {
			z[i][j] = (z[i][j] - m) / sd
		}
	}
	nLive := 0
	for _, l := range live {
		if l {
			nLive++
		}
	}
	wLive, wSpoof := float64(n)/(2*float64(max(nLive, 1))), float64(n)/(2*float64(max(n-nLive, 1)))
	// theta = (w_0..w_{d-1}, b); rows get a constant 1 for the bias.
	for i := range z {
		z[i] = append(z[i], 1)
	}
	theta := make([]float64, d+1)
	H := make([][]float64, d+1)
	for a := range H {
		H[a] = make([]float64, d+1)
	}
	g := make([]float64, d+1)
	for iter := 0; iter < 50; iter++ {
		for a := range H {
			clear(H[a])
		}
		clear(g)
		for i, za := range z {
			var t float64
			for j, v := range za {
				t += theta[j] * v
			}
			p := 1 / (1 + math.Exp(-t))
			y, w := 0.0, wSpoof
			if live[i] {
				y, w = 1, wLive
			}
			r := w * (p - y)
			q := w * p * (1 - p)
			for a, va := range za {
				g[a] += r * va
				qa, row := q*va, H[a]
				for b := a; b <= d; b++ { // upper triangle; mirrored below
					row[b] += qa * za[b]
				}
			}
		}
		for a := 0; a <= d; a++ {
			for b := 0; b < a; b++ {
				H[a][b] = H[b][a]
			}
		}
		for a := 0; a < d; a++ {
			g[a] += l2 * float64(n) * theta[a]
			H[a][a] += l2 * float64(n)
		}
		H[d][d] += 1e-9
		step := solveSmall(H, g)
		var m float64
		for a := range theta {
			theta[a] -= step[a]
			m = max(m, math.Abs(step[a]))
		}
		if m < 1e-7 {
			break
		}
	}
	for j := 0; j < d; j++ {
		h.W[j] = float32(theta[j])
	}
	h.B = float32(theta[d])
	return h
}

// solveSmall solves H x = g by Gaussian elimination with partial pivoting (H has at most
// a few hundred rows; a zero pivot leaves that component 0).
func solveSmall(H [][]float64, g []float64) []float64 {
	n := len(g)
	a := make([][]float64, n)
	for i := range a {
		a[i] = append(append([]float64(nil), H[i]...), g[i])
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		if math.Abs(a[c][c]) < 1e-12 {
			continue
		}
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k <= n; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		if math.Abs(a[r][r]) < 1e-12 {
			continue
		}
		s := a[r][n]
		for k := r + 1; k < n; k++ {
			s -= a[r][k] * x[k]
		}
		x[r] = s / a[r][r]
	}
	return x
}
