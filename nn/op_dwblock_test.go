package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// dwBlockGraph is x → depthwise → 1x1 conv → Add(r) → act, with r = x or a second input.
func dwBlockGraph(rng *rand.Rand, h, w, c, oc, k, s int, act Activation, bias, ownR bool) *Graph {
	g := &Graph{}
	x := g.AddTensor("x", []int{1, h, w, c}, nil)
	g.Inputs = []int{x}
	dwW := g.AddTensor("dww", []int{1, k, k, c}, randSlice(rng, k*k*c))
	dwB, pwB := -1, -1
	if bias {
		dwB = g.AddTensor("dwb", []int{c}, randSlice(rng, c))
		pwB = g.AddTensor("pwb", []int{oc}, randSlice(rng, oc))
	}
	pwW := g.AddTensor("pww", []int{oc, 1, 1, c}, randSlice(rng, oc*c))
	t := g.AddTensor("t", []int{1, -1, -1, c}, nil)
	u := g.AddTensor("u", []int{1, -1, -1, oc}, nil)
	y := g.AddTensor("y", []int{1, -1, -1, oc}, nil)
	r := x
	if ownR {
		r = g.AddTensor("r", []int{1, -1, -1, oc}, nil)
		g.Inputs = append(g.Inputs, r)
	}
	g.AddNode(OpTFJSDepthwise, "dw", []int{x, dwW, dwB}, []int{t}, Attrs{Strides: [2]int{s, s}, Padding: PadSame})
	g.AddNode(OpTFJSConv1x1, "pw", []int{t, pwW, pwB}, []int{u}, Attrs{})
	g.AddNode(OpAdd, "add", []int{u, r}, []int{y}, Attrs{Act: act})
	g.Outputs = []int{y}
	return g
}

// TestDWBlockMatchesUnfused runs blocks at awkward sizes fused (OpDWBlock) and as three
// ops, and checks the fusion happened.
func TestDWBlockMatchesUnfused(t *testing.T) {
	cases := []struct {
		h, w, c, oc, k, s int
		act               Activation
		bias, ownR        bool
	}{
		{9, 13, 24, 24, 3, 1, ActRelu, true, false}, // blazeface
		{7, 5, 48, 48, 3, 1, ActRelu, false, false},
		{5, 6, 96, 96, 3, 1, ActNone, true, false},
		{6, 7, 24, 48, 3, 2, ActRelu, true, true}, // blazeface's strided blocks add a pooled, padded input
		{11, 3, 7, 13, 5, 1, ActRelu6, true, true},
		{30, 29, 16, 16, 3, 1, ActRelu, true, false}, // several row blocks, a ragged last one
	}
	for _, c := range cases {
		name := fmt.Sprintf("%dx%dx%d_%d_k%d_s%d_a%d", c.h, c.w, c.c, c.oc, c.k, c.s, c.act)
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(c.h)))
			oh, ow := (c.h+c.s-1)/c.s, (c.w+c.s-1)/c.s
			ins := []*Tensor{{Shape: []int{1, c.h, c.w, c.c}, Data: randSlice(rng, c.h*c.w*c.c)}}
			if c.ownR {
				ins = append(ins, &Tensor{Shape: []int{1, oh, ow, c.oc}, Data: randSlice(rng, oh*ow*c.oc)})
			}
			var outs [2][]float32
			for i, fused := range []bool{false, true} {
				fuseBlocks = fused
				m, err := FromGraph(dwBlockGraph(rand.New(rand.NewPCG(8, 9)), c.h, c.w, c.c, c.oc, c.k, c.s, c.act, c.bias, c.ownR))
				fuseBlocks = true
				if err != nil {
					t.Fatal(err)
				}
				if got := m.g.Nodes[len(m.g.Nodes)-1].Op == OpDWBlock; got != fused {
					t.Fatalf("fused = %v, want %v", got, fused)
				}
				y, err := m.Run(ins...)
				if err != nil {
					t.Fatal(err)
				}
				outs[i] = y[0].Data
			}
			if len(outs[0]) != c.oc*oh*ow {
				t.Fatalf("%d outputs, want %d", len(outs[0]), c.oc*oh*ow)
			}
			for i, v := range outs[0] {
				if d := math.Abs(float64(outs[1][i] - v)); d > 1e-5*(1+math.Abs(float64(v))) {
					t.Fatalf("y[%d] = %v fused, %v unfused", i, outs[1][i], v)
				}
			}
		})
	}
}

// BenchmarkDWBlock times blazeface's 128x128x24 and 32x32x48 blocks fused and unfused.
func BenchmarkDWBlock(b *testing.B) {
	for _, c := range []struct{ h, c int }{{128, 24}, {64, 24}, {32, 48}, {16, 96}} {
		for _, fused := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dx%d/fused=%v", c.h, c.c, fused), func(b *testing.B) {
				fuseBlocks = fused
				m, err := FromGraph(dwBlockGraph(rand.New(rand.NewPCG(1, 1)), c.h, c.h, c.c, c.c, 3, 1, ActRelu, true, false))
				fuseBlocks = true
				if err != nil {
					b.Fatal(err)
				}
				in := &Tensor{Shape: []int{1, c.h, c.h, c.c}, Data: randSlice(rand.New(rand.NewPCG(2, 2)), c.h*c.h*c.c)}
				for b.Loop() {
					if _, err := m.Run(in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
