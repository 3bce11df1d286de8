package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvPairMatchesUnfused runs two 1x1 heads on one input fused (OpConvPair) and as two
// convolutions, at awkward sizes, with and without bias and ReLU.
func TestConvPairMatchesUnfused(t *testing.T) {
	for _, c := range []struct {
		h, w, c, n1, n2 int
		act             Activation
		bias            bool
	}{
		{115, 155, 32, 4, 2, ActNone, true}, // pnet's heads at 240x320
		{3, 5, 7, 1, 1, ActRelu, false},
		{13, 17, 16, 10, 6, ActNone, true},
		{1, 1, 3, 2, 3, ActRelu, true},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d_%d_%d", c.h, c.w, c.c, c.n1, c.n2), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, uint64(c.h)))
			build := func() *Graph {
				r := rand.New(rand.NewPCG(5, 5))
				g := &Graph{}
				x := g.AddTensor("x", []int{1, -1, -1, c.c}, nil)
				g.Inputs = []int{x}
				for i, nn := range []int{c.n1, c.n2} {
					w := g.AddTensor(fmt.Sprint("w", i), []int{nn, 1, 1, c.c}, randSlice(r, nn*c.c))
					b := -1
					if c.bias {
						b = g.AddTensor(fmt.Sprint("b", i), []int{nn}, randSlice(r, nn))
					}
					y := g.AddTensor(fmt.Sprint("y", i), []int{1, -1, -1, nn}, nil)
					g.AddNode(OpConv2D, fmt.Sprint("conv", i), []int{x, w, b}, []int{y}, Attrs{Act: c.act})
					g.Outputs = append(g.Outputs, y)
				}
				return g
			}
			in := &Tensor{Shape: []int{1, c.h, c.w, c.c}, Data: randSlice(rng, c.h*c.w*c.c)}
			var outs [2][]*Tensor
			for i, fused := range []bool{false, true} {
				fuseBlocks = fused
				m, err := FromGraph(build())
				fuseBlocks = true
				if err != nil {
					t.Fatal(err)
				}
				if got := m.g.Nodes[0].Op == OpConvPair; got != fused || (fused && len(m.g.Nodes) != 1) {
					t.Fatalf("fused = %v with %d nodes, want %v", got, len(m.g.Nodes), fused)
				}
				if outs[i], err = m.Run(in); err != nil {
					t.Fatal(err)
				}
			}
			for o := range outs[0] {
				want, got := outs[0][o], outs[1][o]
				if !equalInts(got.Shape, want.Shape) {
					t.Fatalf("output %d shape %v, want %v", o, got.Shape, want.Shape)
				}
				for i, v := range want.Data {
					if d := math.Abs(float64(got.Data[i] - v)); d > 1e-5*(1+math.Abs(float64(v))) {
						t.Fatalf("output %d [%d] = %v fused, %v unfused", o, i, got.Data[i], v)
					}
				}
			}
		})
	}
}
