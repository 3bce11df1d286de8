package nn

import (
	"errors"
	"fmt"
	"testing"
)

func depthToSpaceModel(shape []int, block int) (*Model, error) {
	g := &Graph{}
	x := g.AddTensor("x", shape, nil)
	y := g.AddTensor("y", nil, nil)
	g.AddNode(OpDepthToSpace, "d2s", []int{x}, []int{y}, Attrs{BlockSize: block})
	g.Inputs, g.Outputs = []int{x}, []int{y}
	return FromGraph(g)
}

// TestDepthToSpace checks the op against TensorFlow's definition (NHWC, DCR): output
// (n, h*b+i, w*b+j, c) = input (n, h, w, (i*b+j)*C'+c).
func TestDepthToSpace(t *testing.T) {
	for _, tc := range []struct{ n, h, w, c, b int }{{1, 2, 3, 8, 2}, {2, 3, 2, 18, 3}, {1, 1, 1, 4, 2}} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			shape := []int{tc.n, tc.h, tc.w, tc.c}
			x := make([]float32, tc.n*tc.h*tc.w*tc.c)
			for i := range x {
				x[i] = float32(i)
			}
			m, err := depthToSpaceModel(shape, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Run(&Tensor{Shape: shape, Data: x})
			if err != nil {
				t.Fatal(err)
			}
			b, cc := tc.b, tc.c/(tc.b*tc.b)
			want := []int{tc.n, tc.h * b, tc.w * b, cc}
			if fmt.Sprint(out[0].Shape) != fmt.Sprint(want) {
				t.Fatalf("shape %v, want %v", out[0].Shape, want)
			}
			for n := range tc.n {
				for y := range tc.h * b {
					for xx := range tc.w * b {
						for c := range cc {
							h, i, w, j := y/b, y%b, xx/b, xx%b
							src := x[((n*tc.h+h)*tc.w+w)*tc.c+(i*b+j)*cc+c]
							if got := out[0].Data[((n*tc.h*b+y)*tc.w*b+xx)*cc+c]; got != src {
								t.Fatalf("out(%d,%d,%d,%d) = %v, want %v", n, y, xx, c, got, src)
							}
						}
					}
				}
			}
		})
	}
}

// A block that does not divide the channels, a block below 2 and a tensor that is not NHWC
// are shape errors, not panics.
func TestDepthToSpaceRejects(t *testing.T) {
	for _, tc := range []struct {
		shape []int
		block int
	}{{[]int{1, 2, 2, 6}, 2}, {[]int{1, 2, 2, 4}, 1}, {[]int{2, 2, 4}, 2}} {
		m, err := depthToSpaceModel(tc.shape, tc.block)
		if err == nil {
			size := 1
			for _, d := range tc.shape {
				size *= d
			}
			_, err = m.Run(&Tensor{Shape: tc.shape, Data: make([]float32, size)})
		}
		if !errors.Is(err, ErrShape) {
			t.Errorf("shape %v block %d: %v, want ErrShape", tc.shape, tc.block, err)
		}
	}
}
