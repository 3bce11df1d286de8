package embed

import (
	"image"
	"image/color"
)

// RGB is a packed 8-bit RGB image (3 bytes per pixel, row-major). The pipeline works on it
// instead of image.Image so that the hot loops index bytes, not interfaces.
type RGB struct {
	W, H int
	Pix  []uint8
}

// NewRGB allocates a black w x h image.
func NewRGB(w, h int) *RGB { return &RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)} }

// toRGB converts a decoded image, with fast paths for what image/jpeg and image/png return
// most often. Transparent pixels are composited over white, as a browser shows them.
func toRGB(src image.Image) *RGB {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := NewRGB(w, h)
	switch m := src.(type) {
	case *image.YCbCr:
		ycbcrToRGB(m, dst)
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			o := 3 * y * w
			for _, v := range row {
				dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2] = v, v, v
				o += 3
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			o := 3 * y * w
			for i := 0; i < len(row); i += 4 {
				// Premultiplied: over white adds (255 - a).
				ia := 255 - row[i+3]
				dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2] = row[i]+ia, row[i+1]+ia, row[i+2]+ia
				o += 3
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			o := 3 * y * w
			for i := 0; i < len(row); i += 4 {
				a := uint32(row[i+3])
				for c := 0; c < 3; c++ {
					dst.Pix[o+c] = uint8((uint32(row[i+c])*a + 255*(255-a) + 127) / 255)
				}
				o += 3
			}
		}
	case *image.NYCbCrA:
		nycbcraToRGB(m, dst)
	case *image.Paletted:
		palettedToRGB(m, dst)
	case *image.Gray16:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+2*w]
			o := 3 * y * w
			for i := 0; i < len(row); i += 2 {
				v := row[i] // the high byte, as color.Gray16 -> 8 bits does
				dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2] = v, v, v
				o += 3
			}
		}
	case *image.NRGBA64:
		nrgba64ToRGB(m.Pix, m.Stride, w, h, dst)
	case *image.RGBA64:
		rgba64ToRGB(m.Pix, m.Stride, w, h, dst)
	default:
		o := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bb, a := src.At(x, y).RGBA() // 16-bit premultiplied
				ia := 0xffff - a
				dst.Pix[o] = uint8((r + ia) >> 8)
				dst.Pix[o+1] = uint8((g + ia) >> 8)
				dst.Pix[o+2] = uint8((bb + ia) >> 8)
				o += 3
			}
		}
	}
	return dst
}

// ycbcrToRGB converts with "fancy" chroma upsampling as libjpeg (and so OpenCV, which the
// reference measurement decoded with) does it: each full-resolution pixel takes 3/4 of the
// nearer and 1/4 of the farther chroma sample in each subsampled direction, instead of
// image/jpeg's nearest sample, which leaves 2-pixel colour blocks on edges.
func ycbcrToRGB(m *image.YCbCr, dst *RGB) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	var sx, sy int // chroma subsampling factors
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio422:
		sx, sy = 2, 1
	case image.YCbCrSubsampleRatio440:
		sx, sy = 1, 2
	case image.YCbCrSubsampleRatio444:
		sx, sy = 1, 1
	default: // 4:1:1 and 4:1:0: rare; nearest sample
		for y := 0; y < h; y++ {
			o := 3 * y * w
			yi := m.YOffset(b.Min.X, b.Min.Y+y)
			for x := 0; x < w; x++ {
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2] = color.YCbCrToRGB(m.Y[yi+x], m.Cb[ci], m.Cr[ci])
				o += 3
			}
		}
		return
	}
	cw := (w + sx - 1) / sx
	chh := (h + sy - 1) / sy
	// Per output column: near and far chroma column and the far weight in quarters.
	taps := func(n, s, cn int) (near, far []int32, wf []int32) {
		near, far, wf = make([]int32, n), make([]int32, n), make([]int32, n)
		for i := 0; i < n; i++ {
			if s == 1 {
				near[i], far[i] = int32(i), int32(i)
				continue
			}
			c := i / 2
			f := c - 1
			if i%2 == 1 {
				f = c + 1
			}
			near[i], far[i], wf[i] = int32(c), int32(max(0, min(cn-1, f))), 1
		}
		return
	}
	nx, fx, wx := taps(w, sx, cw)
	ny, fy, wy := taps(h, sy, chh)
	// Chroma offsets are relative to the image's first chroma sample.
	c0 := m.COffset(b.Min.X, b.Min.Y)
	vcb, vcr := make([]int32, cw), make([]int32, cw) // vertically interpolated chroma, x4
	for y := 0; y < h; y++ {
		rn := m.Cb[c0+int(ny[y])*m.CStride:][:cw]
		rf := m.Cb[c0+int(fy[y])*m.CStride:][:cw]
		qn := m.Cr[c0+int(ny[y])*m.CStride:][:cw]
		qf := m.Cr[c0+int(fy[y])*m.CStride:][:cw]
		vn, vf := 4-wy[y], wy[y]
		for i := range vcb {
			vcb[i] = vn*int32(rn[i]) + vf*int32(rf[i])
			vcr[i] = vn*int32(qn[i]) + vf*int32(qf[i])
		}
		yrow := m.Y[m.YOffset(b.Min.X, b.Min.Y+y):][:w]
		out := dst.Pix[3*y*w:][:3*w]
		for x, yv := range yrow {
			hn, hf := 4-wx[x], wx[x]
			a, c := nx[x], fx[x]
			cb := (hn*vcb[a]+hf*vcb[c]+8)>>4 - 128
			cr := (hn*vcr[a]+hf*vcr[c]+8)>>4 - 128
			// color.YCbCrToRGB, inlined (16.16 fixed point, clamped).
			yy := int32(yv) * 0x10101
			out[3*x] = clamp16(yy + 91881*cr)
			out[3*x+1] = clamp16(yy - 22554*cb - 46802*cr)
			out[3*x+2] = clamp16(yy + 116130*cb)
		}
	}
}

// clamp16 converts a 16.16 fixed-point value to a byte, clamping to [0,255].
func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// Image returns a copy as *image.RGBA, for encoding or drawing.
func (m *RGB) Image() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, m.W, m.H))
	for i, j := 0, 0; i < len(m.Pix); i, j = i+3, j+4 {
		out.Pix[j], out.Pix[j+1], out.Pix[j+2], out.Pix[j+3] = m.Pix[i], m.Pix[i+1], m.Pix[i+2], 255
	}
	return out
}

// FromImage converts any image.Image (tests and tools build inputs this way).
func FromImage(src image.Image) *RGB { return toRGB(src) }

// resizeBilinear scales to w x h with OpenCV INTER_LINEAR semantics (half-pixel centres,
// clamped borders, no antialiasing): the reference pipeline measured 99.2% with it, and MTCNN's
// pyramid and crops are resized this way.
func resizeBilinear(src *RGB, w, h int) *RGB {
	dst := NewRGB(w, h)
	resizeBilinearInto(src, 0, 0, src.W, src.H, dst)
	return dst
}

// resizeBilinearInto scales the sub-rectangle (x0,y0,sw,sh) of src to fill dst.
func resizeBilinearInto(src *RGB, x0, y0, sw, sh int, dst *RGB) {
	sx := float32(sw) / float32(dst.W)
	sy := float32(sh) / float32(dst.H)
	xs := make([]int32, dst.W)
	xf := make([]float32, dst.W)
	for x := 0; x < dst.W; x++ {
		ix, f := bilinearTap(x, sx, sw)
		xs[x], xf[x] = int32(ix+x0), f
	}
	stride := 3 * src.W
	for y := 0; y < dst.H; y++ {
		iy, g := bilinearTap(y, sy, sh)
		r0 := (iy + y0) * stride
		r1 := r0
		if g > 0 {
			r1 = r0 + stride
		}
		o := 3 * y * dst.W
		for x := 0; x < dst.W; x++ {
			p := 3 * int(xs[x])
			f := xf[x]
			q := p
			if f > 0 {
				q = p + 3
			}
			for c := 0; c < 3; c++ {
				top := float32(src.Pix[r0+p+c]) + f*(float32(src.Pix[r0+q+c])-float32(src.Pix[r0+p+c]))
				bot := float32(src.Pix[r1+p+c]) + f*(float32(src.Pix[r1+q+c])-float32(src.Pix[r1+p+c]))
				dst.Pix[o+c] = uint8(top + g*(bot-top) + 0.5)
			}
			o += 3
		}
	}
}

// bilinearTap maps output pixel i, at scale source pixels per output pixel, to the source
// pixel at or left of its centre and the weight of the next one, clamped to [0, n-1] (the
// edge pixel repeats).
func bilinearTap(i int, scale float32, n int) (int, float32) {
	fi := (float32(i)+0.5)*scale - 0.5
	k := floorInt(fi)
	f := fi - float32(k)
	if k < 0 {
		k, f = 0, 0
	}
	if k >= n-1 {
		k, f = n-1, 0
	}
	return k, f
}

// halve downsamples by 2 with a 2x2 box filter (odd last row/column dropped).
func halve(src *RGB) *RGB {
	w, h := src.W/2, src.H/2
	dst := NewRGB(w, h)
	stride := 3 * src.W
	for y := 0; y < h; y++ {
		r0 := 2 * y * stride
		r1 := r0 + stride
		o := 3 * y * w
		for x := 0; x < w; x++ {
			p := 6 * x
			for c := 0; c < 3; c++ {
				s := uint32(src.Pix[r0+p+c]) + uint32(src.Pix[r0+p+3+c]) + uint32(src.Pix[r1+p+c]) + uint32(src.Pix[r1+p+3+c])
				dst.Pix[o+c] = uint8((s + 2) >> 2)
			}
			o += 3
		}
	}
	return dst
}

// shrinkTo returns src scaled so that its longer side is at most side, box-halving first so
// that the final bilinear step never skips pixels (no aliasing). It returns src itself when
// it is small enough.
func shrinkTo(src *RGB, side int) *RGB {
	m := src
	for max(m.W, m.H) >= 2*side && m.W >= 2 && m.H >= 2 {
		m = halve(m)
	}
	long := max(m.W, m.H)
	if long <= side {
		return m
	}
	f := float64(side) / float64(long)
	return resizeBilinear(m, max(1, int(float64(m.W)*f+0.5)), max(1, int(float64(m.H)*f+0.5)))
}

func floorInt(f float32) int {
	i := int(f)
	if float32(i) > f {
		i--
	}
	return i
}

// luma returns the Rec. 601 luma of pixel i (byte offset) in [0,255].
func luma(p []uint8, i int) float32 {
	return 0.299*float32(p[i]) + 0.587*float32(p[i+1]) + 0.114*float32(p[i+2])
}

// Shrink returns img scaled so that its longer side is at most side (img itself when it
// already fits).
func Shrink(img *RGB, side int) *RGB { return shrinkTo(img, side) }

// Resize scales img to exactly w x h (bilinear).
func Resize(img *RGB, w, h int) *RGB { return resizeBilinear(img, w, h) }
