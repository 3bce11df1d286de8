package nn

import "math"

// ResizeBilinear and ResizeNearest with TensorFlow's coordinate rules (align_corners,
// half_pixel_centers, or neither: the legacy rule), on NHWC tensors whose output size is a
// constant input. MediaPipe's full-range face detector upsamples its feature pyramid with
// the bilinear one. Small maps only in the models wajah runs (up to 48x48), so one plain
// loop: there is no arithmetic worth a SIMD twin.

func init() {
	registerOp(OpResizeBilinear, OpDef{Infer: inferResize, Compile: compileResize(false)})
	registerOp(OpResizeNearest, OpDef{Infer: inferResize, Compile: compileResize(true)})
}

func resizeSize(n *Node, in [][]int, consts [][]float32) (int, int, error) {
	if len(in[0]) != 4 {
		return 0, 0, shapeErr(n, "input rank %d, want 4 (NHWC)", len(in[0]))
	}
	size, err := constInts(n, in, consts, 1, "size")
	if err != nil {
		return 0, 0, err
	}
	if len(size) != 2 || size[0] < 1 || size[1] < 1 || size[0] > 1<<15 || size[1] > 1<<15 {
		return 0, 0, shapeErr(n, "size %v, want two values in [1, 32768]", size)
	}
	if n.Attrs.AlignCorners && n.Attrs.HalfPixel {
		return 0, 0, shapeErr(n, "align_corners and half_pixel_centers together")
	}
	return size[0], size[1], nil
}

func inferResize(n *Node, in [][]int, consts [][]float32) ([][]int, error) {
	h, w, err := resizeSize(n, in, consts)
	if err != nil {
		return nil, err
	}
	return [][]int{{in[0][0], h, w, in[0][3]}}, nil
}

// resizeTap is one output row's (or column's) source: two input indices and the weight of
// the second (nearest: one index, weight 0).
type resizeTap struct {
	lo, hi int
	frac   float32
}

// resizeTaps follows TensorFlow's image_resizer_state and compute_interpolation_weights:
// scale in/out (or (in-1)/(out-1) with align corners), source = (o+0.5)*scale-0.5 with half
// pixels, else o*scale; nearest rounds with align corners and floors otherwise.
func resizeTaps(in, out int, align, half, nearest bool) []resizeTap {
	scale := float64(in) / float64(out)
	if align && out > 1 {
		scale = float64(in-1) / float64(out-1)
	}
	taps := make([]resizeTap, out)
	for o := range taps {
		if nearest {
			var s float64
			switch {
			case align:
				s = math.Round(float64(o) * scale)
			case half:
				s = math.Floor((float64(o) + 0.5) * scale)
			default:
				s = math.Floor(float64(o) * scale)
			}
			i := min(max(int(s), 0), in-1)
			taps[o] = resizeTap{lo: i, hi: i}
			continue
		}
		s := float64(o) * scale
		if half {
			s = (float64(o)+0.5)*scale - 0.5
		}
		f := math.Floor(s)
		taps[o] = resizeTap{lo: max(int(f), 0), hi: min(int(math.Ceil(s)), in-1), frac: float32(s - f)}
	}
	return taps
}

func compileResize(nearest bool) func(*Node, [][]int, [][]float32, [][]int) (Kernel, error) {
	return func(n *Node, in [][]int, consts [][]float32, _ [][]int) (Kernel, error) {
		oh, ow, err := resizeSize(n, in, consts)
		if err != nil {
			return Kernel{}, err
		}
		N, H, W, C := in[0][0], in[0][1], in[0][2], in[0][3]
		ys := resizeTaps(H, oh, n.Attrs.AlignCorners, n.Attrs.HalfPixel, nearest)
		xs := resizeTaps(W, ow, n.Attrs.AlignCorners, n.Attrs.HalfPixel, nearest)
		return Kernel{Run: func(in, out [][]float32, _ []float32) {
			x, y := in[0], out[0]
			for b := range N {
				img := x[b*H*W*C : (b+1)*H*W*C]
				for oy, ty := range ys {
					top, bot := img[ty.lo*W*C:(ty.lo+1)*W*C], img[ty.hi*W*C:(ty.hi+1)*W*C]
					row := y[((b*oh+oy)*ow)*C : ((b*oh+oy)*ow+ow)*C]
					for ox, tx := range xs {
						dst := row[ox*C : (ox+1)*C]
						tl, tr := top[tx.lo*C:(tx.lo+1)*C], top[tx.hi*C:(tx.hi+1)*C]
						bl, br := bot[tx.lo*C:(tx.lo+1)*C], bot[tx.hi*C:(tx.hi+1)*C]
						for c := range dst {
							t := tl[c] + (tr[c]-tl[c])*tx.frac
							u := bl[c] + (br[c]-bl[c])*tx.frac
							dst[c] = t + (u-t)*ty.frac
						}
					}
				}
			}
		}}, nil
	}
}
