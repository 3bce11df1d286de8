package nn

import (
	"errors"
	"fmt"
	"testing"
)

func runResize(t *testing.T, op Op, x []float32, shape []int, size []float32, a Attrs) (*Tensor, error) {
	t.Helper()
	g := &Graph{}
	xi := g.AddTensor("x", shape, nil)
	si := g.AddTensor("size", []int{len(size)}, size)
	yi := g.AddTensor("y", nil, nil)
	g.AddNode(op, "resize", []int{xi, si}, []int{yi}, a)
	g.Inputs, g.Outputs = []int{xi}, []int{yi}
	m, err := FromGraph(g)
	if err != nil {
		return nil, err
	}
	out, err := m.Run(&Tensor{Shape: shape, Data: x})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// TestResize checks a 2x2 image doubled under each of TensorFlow's coordinate rules against
// values worked out by hand from tf.image's definitions (tf.compat.v1.image.resize_*).
func TestResize(t *testing.T) {
	x := []float32{0, 1, 2, 3} // [[0 1] [2 3]], one channel
	for _, tc := range []struct {
		name string
		op   Op
		a    Attrs
		want []float32
	}{
		// half pixel: sources -0.25, 0.25, 0.75, 1.25 per axis, clamped at the edges
		{"bilinear half pixel", OpResizeBilinear, Attrs{HalfPixel: true}, []float32{
			0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3}},
		// legacy: sources 0, 0.5, 1, 1.5
		{"bilinear legacy", OpResizeBilinear, Attrs{}, []float32{
			0, 0.5, 1, 1, 1, 1.5, 2, 2, 2, 2.5, 3, 3, 2, 2.5, 3, 3}},
		// align corners: sources 0, 1/3, 2/3, 1
		{"bilinear align corners", OpResizeBilinear, Attrs{AlignCorners: true}, []float32{
			0, 1. / 3, 2. / 3, 1, 2. / 3, 1, 4. / 3, 5. / 3, 4. / 3, 5. / 3, 2, 7. / 3, 2, 7. / 3, 8. / 3, 3}},
		{"nearest half pixel", OpResizeNearest, Attrs{HalfPixel: true}, []float32{
			0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}},
		// align corners rounds 1/3 -> 0, 2/3 -> 1
		{"nearest align corners", OpResizeNearest, Attrs{AlignCorners: true}, []float32{
			0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}},
	} {
		got, err := runResize(t, tc.op, x, []int{1, 2, 2, 1}, []float32{4, 4}, tc.a)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if fmt.Sprint(got.Shape) != "[1 4 4 1]" {
			t.Fatalf("%s: shape %v", tc.name, got.Shape)
		}
		for i, w := range tc.want {
			if d := got.Data[i] - w; d > 1e-6 || d < -1e-6 {
				t.Errorf("%s: y[%d] = %v, want %v", tc.name, i, got.Data[i], w)
			}
		}
	}
}

// Channels and batches are resized independently.
func TestResizeChannels(t *testing.T) {
	x := make([]float32, 2*3*2*2) // [2,3,2,2]: channel 1 is channel 0 plus 100, batch 1 plus 10
	for b := range 2 {
		for i := range 6 {
			x[(b*6+i)*2] = float32(i + 10*b)
			x[(b*6+i)*2+1] = float32(i + 10*b + 100)
		}
	}
	got, err := runResize(t, OpResizeBilinear, x, []int{2, 3, 2, 2}, []float32{5, 3}, Attrs{HalfPixel: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(got.Data); i += 2 {
		if d := got.Data[i+1] - got.Data[i]; d < 100-1e-4 || d > 100+1e-4 {
			t.Fatalf("pixel %d: channels %v, %v differ by %v, want 100", i/2, got.Data[i], got.Data[i+1], d)
		}
	}
	half := len(got.Data) / 2
	for i := range half {
		if d := got.Data[half+i] - got.Data[i]; d < 10-1e-4 || d > 10+1e-4 {
			t.Fatalf("value %d: batches differ by %v, want 10", i, d)
		}
	}
}

func TestResizeRejects(t *testing.T) {
	x := []float32{0, 1, 2, 3}
	for _, tc := range []struct {
		name string
		size []float32
		a    Attrs
	}{
		{"zero size", []float32{0, 4}, Attrs{}},
		{"one value", []float32{4}, Attrs{}},
		{"both rules", []float32{4, 4}, Attrs{AlignCorners: true, HalfPixel: true}},
	} {
		if _, err := runResize(t, OpResizeBilinear, x, []int{1, 2, 2, 1}, tc.size, tc.a); !errors.Is(err, ErrShape) {
			t.Errorf("%s: %v, want ErrShape", tc.name, err)
		}
	}
}

// FuzzResizeAndDepthToSpace: any shape, size, block and rule either plans with an output of
// the defined shape or fails with ErrShape; never a panic.
func FuzzResizeAndDepthToSpace(f *testing.F) {
	f.Add(1, 2, 2, 1, 4, 4, 2, uint8(1))
	f.Add(2, 3, 5, 8, 0, 7, 3, uint8(3))
	f.Add(1, 1, 1, 4, 1, 1, 1, uint8(0))
	f.Add(1, 1, 1, 4, 1, 1, 1<<32, uint8(0)) // block*block wraps to 0 without the bound
	f.Fuzz(func(t *testing.T, n, h, w, c, oh, ow, block int, rule uint8) {
		for _, d := range []*int{&n, &h, &w, &c} {
			*d = 1 + (*d%16+16)%16 // 1..16: the tensor is allocated here
		}
		a := Attrs{AlignCorners: rule&1 != 0, HalfPixel: rule&2 != 0, BlockSize: block}
		x := make([]float32, n*h*w*c)
		for i := range x {
			x[i] = float32(i % 13)
		}
		shape := []int{n, h, w, c}
		size := []float32{float32(oh%64 - 2), float32(ow%64 - 2)}
		for _, op := range []Op{OpResizeBilinear, OpResizeNearest} {
			out, err := runResize(t, op, x, shape, size, a)
			if err != nil {
				if !errors.Is(err, ErrShape) {
					t.Fatalf("%s: %v, want ErrShape", op, err)
				}
				continue
			}
			if want := fmt.Sprint([]int{n, int(size[0]), int(size[1]), c}); fmt.Sprint(out.Shape) != want {
				t.Fatalf("%s: shape %v, want %s", op, out.Shape, want)
			}
		}
		m, err := depthToSpaceModel(shape, block)
		if err == nil {
			var out []*Tensor
			if out, err = m.Run(&Tensor{Shape: shape, Data: x}); err == nil {
				if want := fmt.Sprint([]int{n, h * block, w * block, c / (block * block)}); fmt.Sprint(out[0].Shape) != want {
					t.Fatalf("depth to space: shape %v, want %s", out[0].Shape, want)
				}
				return
			}
		}
		if !errors.Is(err, ErrShape) {
			t.Fatalf("depth to space %v block %d: %v, want ErrShape", shape, block, err)
		}
	})
}
