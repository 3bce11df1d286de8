package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDWRow3x3MatchesGeneric runs the row kernel (assembly on AVX-512 builds) against
// dwRow3x3Generic at every vector count, awkward step counts and strides, every activation,
// with guard bands around the output.
func TestDWRow3x3MatchesGeneric(t *testing.T) {
	const guard = 21
	rng := rand.New(rand.NewPCG(5, 6))
	for _, vl := range []int{16, 32, 48} {
		for _, n := range []int{1, 2, 5, 17} {
			for _, step := range []int{vl, vl + 8, 3 * vl} {
				xstep := 2 * step // stride 2 reads twice as far per output step
				for act := 0; act <= 3; act++ {
					name := fmt.Sprintf("vl%d_n%d_step%d_act%d", vl, n, step, act)
					cs := step + 3
					rs := 3*cs + 5 + (n-1)*xstep
					x := randSlice(rng, (n-1)*xstep+2*rs+2*cs+vl)
					wt, b, al := randSlice(rng, 9*vl), randSlice(rng, vl), randSlice(rng, vl)
					size := (n-1)*step + vl
					want := make([]float32, size)
					got := make([]float32, size+2*guard)
					for i := range got {
						got[i] = -777
					}
					for i := range want {
						want[i] = got[guard+i]
					}
					dwRow3x3Generic(n, xstep, step, x, rs, cs, wt, b, al, want, act)
					dwRow3x3(n, xstep, step, x, rs, cs, wt, b, al, got[guard:guard+size], act)
					for i := 0; i < guard; i++ {
						if got[i] != -777 || got[len(got)-1-i] != -777 {
							t.Fatalf("%s: guard band overwritten", name)
						}
					}
					for i, v := range want {
						if d := math.Abs(float64(got[guard+i] - v)); d > 1e-5*(1+math.Abs(float64(v))) {
							t.Fatalf("%s: dst[%d] = %v, want %v", name, i, got[guard+i], v)
						}
					}
				}
			}
		}
	}
}
