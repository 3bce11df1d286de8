package nn

import "math"

// expf is e^x in float32 arithmetic (relative error below 2e-7 on [-87, 88]; results
// saturate outside): for MTCNN's two-class softmax, which ran one float64 math.Exp per
// pixel. x = n·ln2 + r with |r| <= ln2/2, e^r by its degree-7 Taylor polynomial, 2^n by
// building the exponent bits. NaN propagates.
func expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375 // ln 2 split so n·ln2hi is exact for |n| < 2^8
		ln2lo = -2.12194440e-4
	)
	if x != x {
		return x
	}
	x = min(max(x, -87.3), 88.7)
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	// 2^n for n in [-126, 128): scale in two steps so n = 128 does not overflow the bits.
	h := int32(n) / 2
	s1 := math.Float32frombits(uint32(h+127) << 23)
	s2 := math.Float32frombits(uint32(int32(n)-h+127) << 23)
	return p * s1 * s2
}

// softmax2Generic is the two-class softmax over pairs of len(y) (even) values:
// y[2r] = 1/(1+e^(β·(x[2r+1]-x[2r]))), y[2r+1] = 1 - y[2r].
func softmax2Generic(y, x []float32, beta float32) {
	x = x[:len(y)]
	for r := 0; r+1 < len(y); r += 2 {
		p0 := 1 / (1 + expf((x[r+1]-x[r])*beta))
		y[r], y[r+1] = p0, 1-p0
	}
}
