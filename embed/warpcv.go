package embed

import "math"

// OpenCV 4.x fixed-point constants of warpAffine with INTER_LINEAR (imgwarp.cpp).
const (
	cvInterBits = 5 // source coordinates quantized to 1/32 px
	cvABBits    = 10
	cvCoefBits  = 15 // bilinear weights in 1/32768
)

// warpAffineCV is warpAffine computed as OpenCV 4.6 does it (the reference measurement's
// version): source coordinates rounded to 1/32 px in fixed point, integer bilinear weights,
// round-half-up to uint8, constant 0 border. Differs from warpAffine by at most one grey
// level on a few pixels; kept to compare with the reference (Options.CVWarp).
func warpAffineCV(src *RGB, m affine, w, h int) *RGB {
	dst := NewRGB(w, h)
	inv, ok := m.invert()
	if !ok {
		return dst
	}
	const abScale = 1 << cvABBits
	const roundDelta = abScale >> cvInterBits >> 1
	const tab = 1 << cvInterBits
	cvRound := func(v float64) int { return int(math.RoundToEven(v)) }
	adelta, bdelta := make([]int, w), make([]int, w)
	for u := range w {
		adelta[u] = cvRound(inv.A * float64(u) * abScale)
		bdelta[u] = cvRound(inv.D * float64(u) * abScale)
	}
	px := func(x, y, c int) int {
		if x < 0 || y < 0 || x >= src.W || y >= src.H {
			return 0
		}
		return int(src.Pix[3*(y*src.W+x)+c])
	}
	for v := range h {
		x0 := cvRound((inv.B*float64(v)+inv.C)*abScale) + roundDelta
		y0 := cvRound((inv.E*float64(v)+inv.F)*abScale) + roundDelta
		for u := range w {
			X := (x0 + adelta[u]) >> (cvABBits - cvInterBits)
			Y := (y0 + bdelta[u]) >> (cvABBits - cvInterBits)
			sx, sy := X>>cvInterBits, Y>>cvInterBits
			if sx >= src.W || sx+1 < 0 || sy >= src.H || sy+1 < 0 {
				continue
			}
			fx, fy := X&(tab-1), Y&(tab-1)
			// Weights (1-fy)(1-fx) etc. in 1/32768: exact, they sum to 32768.
			w00 := (tab - fy) * (tab - fx) * (1 << cvCoefBits) / (tab * tab)
			w01 := (tab - fy) * fx * (1 << cvCoefBits) / (tab * tab)
			w10 := fy * (tab - fx) * (1 << cvCoefBits) / (tab * tab)
			w11 := fy * fx * (1 << cvCoefBits) / (tab * tab)
			o := 3 * (v*w + u)
			for c := range 3 {
				s := px(sx, sy, c)*w00 + px(sx+1, sy, c)*w01 + px(sx, sy+1, c)*w10 + px(sx+1, sy+1, c)*w11
				dst.Pix[o+c] = uint8(min(255, max(0, (s+(1<<(cvCoefBits-1)))>>cvCoefBits)))
			}
		}
	}
	return dst
}
