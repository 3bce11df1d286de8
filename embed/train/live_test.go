package train

import (
	"math/rand/v2"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

func TestLiveHeadSeparates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var x [][]float32
	var y []bool
	for i := 0; i < 400; i++ {
		live := i%2 == 0
		m := 0.3
		if live {
			m = 0.7
		}
		f := make([]float32, embed.LiveFeatCount)
		f[embed.LiveFeatAntispoof] = float32(min(max(m+0.1*rng.NormFloat64(), 0.01), 0.99))
		f[embed.LiveFeatLiveness] = float32(rng.Float64()) // noise
		x, y = append(x, f), append(y, live)
	}
	h := LiveHead([]int{embed.LiveFeatAntispoof, embed.LiveFeatLiveness}, x, y, 1e-2)
	correct := 0
	for i := range x {
		if (h.Prob(x[i]) >= 0.5) == y[i] {
			correct++
		}
	}
	if correct < 380 {
		t.Fatalf("%d/400 correct", correct)
	}
	if !(h.W[0] > 0) || abs32(h.W[1]) > abs32(h.W[0])/4 {
		t.Fatalf("weights %v: the informative feature should dominate", h.W)
	}
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
