package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpf checks expf against math.Exp over its range, at the clamps and on NaN.
func TestExpf(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 400000; i++ {
		x := -87.0 + 175.5*float64(i)/400000
		got, want := float64(expf(float32(x))), math.Exp(float64(float32(x)))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 2e-7 {
		t.Errorf("worst relative error %.3g, want <= 2e-7", worst)
	}
	for _, c := range []struct{ x, want float32 }{{0, 1}, {1, float32(math.E)}, {-200, expf(-87.3)}, {200, expf(88.7)}} {
		if got := expf(c.x); got != c.want {
			t.Errorf("expf(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if v := expf(float32(math.NaN())); v == v {
		t.Errorf("expf(NaN) = %v", v)
	}
	if math.IsInf(float64(expf(88.7)), 0) || expf(-87.3) == 0 {
		t.Errorf("clamped values overflow or underflow: %v, %v", expf(88.7), expf(-87.3))
	}
}

// TestSoftmaxTwoClasses checks the two-class softmax (float32 exp) against float64 math,
// with a temperature and differences that saturate.
func TestSoftmaxTwoClasses(t *testing.T) {
	x := []float32{0, 0, 1, -1, 3.5, 2, -40, 60, 100, -100, 0.001, 0, -7, -7.5}
	for _, beta := range []float32{0, 1, 0.5} {
		n := &Node{Op: OpSoftmax, Attrs: Attrs{Beta: beta}}
		k, err := compileSoftmax(n, [][]int{{7, 2}}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		y := make([]float32, len(x)+1)
		y[len(x)] = -777
		k.Run([][]float32{x}, [][]float32{y[:len(x)]}, nil)
		b := float64(beta)
		if b == 0 {
			b = 1
		}
		for r := 0; r < len(x); r += 2 {
			p0 := 1 / (1 + math.Exp(b*float64(x[r+1]-x[r])))
			if math.Abs(float64(y[r])-p0) > 1e-7 || math.Abs(float64(y[r+1])-(1-p0)) > 1e-7 {
				t.Errorf("beta %v row %d: %v %v, want %v %v", beta, r/2, y[r], y[r+1], p0, 1-p0)
			}
		}
		if y[len(x)] != -777 {
			t.Fatal("wrote past the output")
		}
	}
}

// TestSoftmax2MatchesGeneric runs the vector two-class softmax against softmax2Generic and
// float64 math at lengths around the vector width, with guard bands.
func TestSoftmax2MatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, pairs := range []int{1, 7, 8, 9, 16, 33, 100} {
		x := randSlice(rng, 2*pairs)
		for i := range x {
			x[i] *= 30 // saturating differences too
		}
		want := make([]float32, len(x))
		softmax2Generic(want, x, 0.7)
		got := make([]float32, len(x)+2)
		got[0], got[len(got)-1] = -777, -777
		softmax2(got[1:len(got)-1], x, 0.7)
		if got[0] != -777 || got[len(got)-1] != -777 {
			t.Fatal("guard band overwritten")
		}
		for i, v := range want {
			ref := 1 / (1 + math.Exp(0.7*float64(x[i^1]-x[i])))
			if d := math.Abs(float64(got[1+i] - v)); d > 2e-7 || math.Abs(float64(got[1+i])-ref) > 2e-7 {
				t.Fatalf("%d pairs: y[%d] = %v, generic %v, float64 %v", pairs, i, got[1+i], v, ref)
			}
		}
	}
}

// TestSoftmax2SameAnywhere: a pair's probabilities are the same bits alone as at any place
// of a longer slice (vector body or tail), so a sample's scores do not depend on its batch.
func TestSoftmax2SameAnywhere(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, pairs := range []int{1, 3, 7, 8, 9, 15, 16, 17, 40} {
		x := randSlice(rng, 2*pairs)
		for i := range x {
			x[i] *= 10
		}
		y := make([]float32, len(x))
		softmax2(y, x, 1)
		for r := 0; r < pairs; r++ {
			var alone [2]float32
			softmax2(alone[:], x[2*r:2*r+2], 1)
			if math.Float32bits(alone[0]) != math.Float32bits(y[2*r]) || math.Float32bits(alone[1]) != math.Float32bits(y[2*r+1]) {
				t.Fatalf("%d pairs: pair %d = %v in the slice, %v alone", pairs, r, y[2*r:2*r+2], alone)
			}
		}
	}
}
