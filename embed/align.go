package embed

import "math"

// AlignSize is the side of the aligned face crop MobileFaceNet takes.
const AlignSize = 112

// arcface112 is the standard ArcFace / insightface five-point template for 112x112 crops
// (image-left eye first), the alignment the 99.2% reference measurement used.
var arcface112 = [5]Point{
	{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041},
}

// affine maps (x, y) to (A*x + B*y + C, D*x + E*y + F).
type affine struct{ A, B, C, D, E, F float64 }

func (m affine) apply(p Point) Point {
	x, y := float64(p.X), float64(p.Y)
	return Point{float32(m.A*x + m.B*y + m.C), float32(m.D*x + m.E*y + m.F)}
}

// invert returns the inverse transform; ok is false when m is singular.
func (m affine) invert() (affine, bool) {
	det := m.A*m.E - m.B*m.D
	if math.Abs(det) < 1e-12 || math.IsNaN(det) {
		return affine{}, false
	}
	a, b, d, e := m.E/det, -m.B/det, -m.D/det, m.A/det
	return affine{a, b, -(a*m.C + b*m.F), d, e, -(d*m.C + e*m.F)}, true
}

// similarity is Umeyama's least-squares similarity (rotation, uniform scale, translation,
// no reflection) taking src onto dst. In 2-D it has a closed form: with centred points,
// scale*cos = sum(x*u + y*v)/sum(x^2+y^2) and scale*sin = sum(x*v - y*u)/sum(x^2+y^2),
// which equals the SVD solution, including its det < 0 case.
func similarity(src, dst []Point) affine {
	n := float64(len(src))
	var msx, msy, mdx, mdy float64
	for i := range src {
		msx += float64(src[i].X)
		msy += float64(src[i].Y)
		mdx += float64(dst[i].X)
		mdy += float64(dst[i].Y)
	}
	msx, msy, mdx, mdy = msx/n, msy/n, mdx/n, mdy/n
	var num1, num2, den float64
	for i := range src {
		x, y := float64(src[i].X)-msx, float64(src[i].Y)-msy
		u, v := float64(dst[i].X)-mdx, float64(dst[i].Y)-mdy
		num1 += x*u + y*v
		num2 += x*v - y*u
		den += x*x + y*y
	}
	if den == 0 {
		return affine{}
	}
	a, b := num1/den, num2/den
	return affine{a, -b, mdx - (a*msx - b*msy), b, a, mdy - (b*msx + a*msy)}
}

// alignTransform maps image landmarks onto the 112x112 template.
func alignTransform(lm [5]Point) affine { return similarity(lm[:], arcface112[:]) }

// warpAffine renders dst (w x h) where dst(u,v) = src(M^-1 (u,v)), bilinear, black outside:
// cv2.warpAffine with INTER_LINEAR and a constant 0 border, as the reference did.
func warpAffine(src *RGB, m affine, w, h int) *RGB {
	dst := NewRGB(w, h)
	inv, ok := m.invert()
	if !ok {
		return dst
	}
	px := func(x, y, c int) float32 {
		if x < 0 || y < 0 || x >= src.W || y >= src.H {
			return 0
		}
		return float32(src.Pix[3*(y*src.W+x)+c])
	}
	for v := 0; v < h; v++ {
		for u := 0; u < w; u++ {
			sx := inv.A*float64(u) + inv.B*float64(v) + inv.C
			sy := inv.D*float64(u) + inv.E*float64(v) + inv.F
			if sx <= -1 || sy <= -1 || sx >= float64(src.W) || sy >= float64(src.H) {
				continue
			}
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := float32(sx-float64(x0)), float32(sy-float64(y0))
			o := 3 * (v*w + u)
			inside := x0 >= 0 && y0 >= 0 && x0+1 < src.W && y0+1 < src.H
			for c := 0; c < 3; c++ {
				var p00, p01, p10, p11 float32
				if inside {
					i := 3*(y0*src.W+x0) + c
					p00, p01 = float32(src.Pix[i]), float32(src.Pix[i+3])
					i += 3 * src.W
					p10, p11 = float32(src.Pix[i]), float32(src.Pix[i+3])
				} else {
					p00, p01, p10, p11 = px(x0, y0, c), px(x0+1, y0, c), px(x0, y0+1, c), px(x0+1, y0+1, c)
				}
				top := p00 + fx*(p01-p00)
				bot := p10 + fx*(p11-p10)
				dst.Pix[o+c] = uint8(top + fy*(bot-top) + 0.5)
			}
		}
	}
	return dst
}

// Align returns the 112x112 aligned crop for five landmarks of img.
func Align(img *RGB, lm [5]Point) *RGB {
	return warpAffine(img, alignTransform(lm), AlignSize, AlignSize)
}
