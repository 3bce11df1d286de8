package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPoolPairs checks max pooling (the 2-wide, stride-2 column fold among others)
// against the definition at awkward sizes and paddings, with guard bands.
func TestMaxPoolPairs(t *testing.T) {
	const guard = 13
	rng := rand.New(rand.NewPCG(3, 3))
	for _, c := range []struct {
		h, w, c, k, s int
		pad           Padding
		pads          [4]int
	}{
		{238, 318, 10, 2, 2, PadSame, [4]int{}}, // pnet
		{7, 9, 10, 2, 2, PadSame, [4]int{}},
		{6, 7, 24, 2, 2, PadValid, [4]int{}},
		{5, 5, 3, 2, 2, PadExplicit, [4]int{1, 0, 1, 0}},
		{5, 6, 17, 2, 2, PadExplicit, [4]int{0, 1, 3, 2}},
		{1, 1, 4, 2, 2, PadSame, [4]int{}},
		{4, 1, 5, 2, 2, PadExplicit, [4]int{0, 0, 1, 1}},
		{9, 8, 28, 3, 2, PadSame, [4]int{}}, // rnet's 3x3/2 takes the general path
	} {
		name := fmt.Sprintf("%dx%dx%d_k%d_s%d_p%d_%v", c.h, c.w, c.c, c.k, c.s, c.pad, c.pads)
		t.Run(name, func(t *testing.T) {
			n := &Node{Op: OpMaxPool2D, Attrs: Attrs{Window: [2]int{c.k, c.k}, Strides: [2]int{c.s, c.s}, Padding: c.pad, Pads: c.pads}}
			g, err := geometry(n, []int{2, c.h, c.w, c.c}, c.k, c.k)
			if err != nil {
				t.Fatal(err)
			}
			x := randSlice(rng, 2*c.h*c.w*c.c)
			size := 2 * g.oh * g.ow * c.c
			y := make([]float32, size+2*guard)
			for i := range y {
				y[i] = -777
			}
			pool(&g, x, y[guard:guard+size], make([]float32, g.w*g.c), true)
			for i := 0; i < guard; i++ {
				if y[i] != -777 || y[len(y)-1-i] != -777 {
					t.Fatal("guard band overwritten")
				}
			}
			for b := 0; b < 2; b++ {
				for oy := 0; oy < g.oh; oy++ {
					for ox := 0; ox < g.ow; ox++ {
						for ch := 0; ch < g.c; ch++ {
							want := float32(math.Inf(-1))
							for ky := 0; ky < g.kh; ky++ {
								for kx := 0; kx < g.kw; kx++ {
									iy, ix := oy*g.sh-g.padTop+ky, ox*g.sw-g.padLeft+kx
									if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
										want = max(want, x[((b*g.h+iy)*g.w+ix)*g.c+ch])
									}
								}
							}
							if math.IsInf(float64(want), -1) {
								want = 0 // a window wholly in the padding
							}
							if got := y[guard+((b*g.oh+oy)*g.ow+ox)*g.c+ch]; got != want {
								t.Fatalf("y[%d,%d,%d,%d] = %v, want %v", b, oy, ox, ch, got, want)
							}
						}
					}
				}
			}
		})
	}
}
