package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// A trained head separates separable data, survives a marshal round trip unchanged, and a
// damaged file is refused. Two features carry the label; the rest of the embedding kind's
// width is noise, since a file must hold as many features as its kind has.
func TestMaskModelRoundTrip(t *testing.T) {
	for _, hidden := range []int{0, 3} {
		rng := rand.New(rand.NewPCG(1, 2))
		var x [][]float32
		var y []float32
		for i := 0; i < 200; i++ {
			a, b := float32(rng.NormFloat64()), float32(rng.NormFloat64())
			row := make([]float32, embed.Dim)
			row[0], row[1] = a*3+10, b
			for j := 2; j < len(row); j++ {
				row[j] = float32(rng.NormFloat64())
			}
			x = append(x, row)
			if a+0.5*b > 0 {
				y = append(y, 1)
			} else {
				y = append(y, 0)
			}
		}
		m := Mask(x, y, MaskConfig{Kind: embed.MaskFeatEmbedding, Hidden: hidden, Epochs: 300, LR: 0.05, Seed: 7})
		correct := 0
		for i := range x {
			if (m.Prob(x[i]) >= 0.5) == (y[i] == 1) {
				correct++
			}
		}
		if correct < 190 {
			t.Fatalf("hidden %d: %d/200 correct on separable data", hidden, correct)
		}
		data, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := embed.ParseMaskModel(data)
		if err != nil {
			t.Fatalf("hidden %d: parse: %v", hidden, err)
		}
		for i := range x[:20] {
			if m.Prob(x[i]) != m2.Prob(x[i]) {
				t.Fatalf("hidden %d: prediction changed after round trip", hidden)
			}
		}
		for _, bad := range [][]byte{data[:len(data)-1], append([]byte("XMSK"), data[4:]...), flip(data, 30)} {
			if _, err := embed.ParseMaskModel(bad); err == nil {
				t.Fatalf("damaged file accepted: %v", err)
			}
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

// Chunked gradient sums are deterministic for a chunk count and train as well as one
// sequential sum.
func TestMaskChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var x [][]float32
	var y []float32
	for i := 0; i < 301; i++ {
		a, b, c := float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
		x = append(x, []float32{a, b, c})
		y = append(y, map[bool]float32{true: 1, false: 0}[a*a+b-0.3*c > 0.5])
	}
	cfg := MaskConfig{Kind: embed.MaskFeatEmbedding, Hidden: 4, Epochs: 200, LR: 0.05, Seed: 7}
	seq := Mask(x, y, cfg)
	cfg.Chunks = 5
	a, b := Mask(x, y, cfg), Mask(x, y, cfg)
	for i := range a.W1 {
		if a.W1[i] != b.W1[i] {
			t.Fatalf("W1[%d]: %v then %v with the same chunks", i, a.W1[i], b.W1[i])
		}
	}
	var diff float64
	for i := range a.W1 {
		diff = max(diff, float64(abs32(a.W1[i]-seq.W1[i])))
	}
	if diff > 1e-3 {
		t.Fatalf("chunked weights differ from the sequential ones by %g", diff)
	}
}

// Loss weights: nil trains as all ones, and a weight of zero removes a sample. Every row is
// duplicated with its label flipped, so that feature standardization is that of the
// originals alone; weighing the flipped copies 0 must train the originals' model.
func TestMaskWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var x, x2 [][]float32
	var y, y2 []float32
	var w []float32
	for i := 0; i < 200; i++ {
		a, b := float32(rng.NormFloat64()), float32(rng.NormFloat64())
		label := map[bool]float32{true: 1, false: 0}[a-0.7*b > 0]
		x, y = append(x, []float32{a, b}), append(y, label)
		x2, y2, w = append(x2, []float32{a, b}, []float32{a, b}), append(y2, label, 1-label), append(w, 1, 0)
	}
	cfg := MaskConfig{Kind: embed.MaskFeatEmbedding, Epochs: 200, LR: 0.05, Seed: 7}
	plain := Mask(x, y, cfg)
	ones := cfg
	ones.Weights = make([]float32, len(x))
	for i := range ones.Weights {
		ones.Weights[i] = 1
	}
	if got := Mask(x, y, ones); got.B2 != plain.B2 || got.W2[0] != plain.W2[0] || got.W2[1] != plain.W2[1] {
		t.Errorf("weights of ones: %v %v, nil: %v %v", got.W2, got.B2, plain.W2, plain.B2)
	}
	cfg.Weights = w
	masked := Mask(x2, y2, cfg)
	for i := range x {
		if d := math.Abs(float64(masked.Prob(x[i]) - plain.Prob(x[i]))); d > 1e-5 {
			t.Fatalf("sample %d: P %v with the flipped copies weighed 0, %v without them", i, masked.Prob(x[i]), plain.Prob(x[i]))
		}
	}
	// Weighed 1, the flipped copies cancel what the originals teach.
	cfg.Weights = nil
	if p := Mask(x2, y2, cfg).Prob([]float32{3, -3}); math.Abs(float64(p)-0.5) > 0.05 {
		t.Errorf("contradicting copies weighed 1: P %v at a clear positive, want about 0.5", p)
	}
}

func TestBalancedWeights(t *testing.T) {
	got := BalancedWeights([]string{"m", "u", "m", "m", "u"})
	want := []float32{1.0 / 3, 0.5, 1.0 / 3, 1.0 / 3, 0.5}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-7 {
			t.Fatalf("BalancedWeights = %v, want %v", got, want)
		}
	}
}
