package embed

import (
	"math"
)

// Colour-texture and image-quality cues of a face for the liveness head, computed on the
// aligned face crop (the one the embedder reads) resampled to liveTexSide. A print or a
// screen re-images the face through another medium: its chroma and micro-texture differ
// from skin seen directly (Boulkenafet, Komulainen, Hadid, "Face anti-spoofing based on
// color texture analysis", ICIP 2015: uniform LBP per channel in HSV and YCbCr), and it
// loses sharpness, colour diversity and gains specular and frequency artefacts (Wen, Han,
// Jain, "Face spoof detection with image distortion analysis", TIFS 2015). Written here
// because no Go library computes them; each is a few loops over a 64x64 crop.

// liveTexSide is the side of the square crop the cues are computed on: fixed, so that
// they do not depend on the face's size in the photo.
const liveTexSide = 64

// Texture column layout, after the LiveFeatCount model columns of a feature vector.
const (
	lbpBins     = 59 // uniform LBP(8, r): 58 uniform patterns + one bin for the rest
	lbpChannels = 6  // H, S, V, Y, Cb, Cr
	lbpRadii    = 2  // r = 1 and r = 2
	// LiveTexLBP is the first LBP column: lbpRadii x lbpChannels histograms of lbpBins,
	// square-rooted (the Hellinger map, so that a linear head compares them sensibly).
	LiveTexLBP = LiveFeatCount
	// LiveTexQuality is the first image-quality column (liveQualityNames).
	LiveTexQuality = LiveTexLBP + lbpRadii*lbpChannels*lbpBins
	// LiveColumns is the length of a full liveness feature vector: model outputs, LBP,
	// quality cues.
	LiveColumns = LiveTexQuality + len(liveQualityNames)
)

// liveQualityNames name the image-quality columns in order.
var liveQualityNames = [...]string{
	"blur", "gradient", // log Laplacian variance and log mean gradient energy of Y
	"specular", "specular-v", // share of near-white low-saturation pixels, their mean V
	"h-mean", "h-std", "s-mean", "s-std", "s-skew", "v-mean", "v-std", "v-skew", // chromatic moments
	"colours", "top-colours", // distinct colours (5 bits/channel) per pixel; share of the 20 commonest
	"fband1", "fband2", "fband3", "fband4", // log share of Y's spectral energy in 4 radial bands
}

// lbpUniform maps an 8-bit LBP code to its bin: uniform codes (at most two 0/1
// transitions around the circle) get their own bins in order, the rest share the last.
var lbpUniform = func() [256]uint8 {
	var m [256]uint8
	next := uint8(0)
	for c := 0; c < 256; c++ {
		t := 0
		for i := 0; i < 8; i++ {
			if (c>>i)&1 != (c>>((i+1)%8))&1 {
				t++
			}
		}
		if t <= 2 {
			m[c] = next
			next++
		} else {
			m[c] = lbpBins - 1
		}
	}
	return m
}()

// LiveTexture returns the LiveColumns-LiveFeatCount texture and quality cues of an aligned
// face crop.
func LiveTexture(crop *RGB) []float32 {
	img := crop
	if crop.W != liveTexSide || crop.H != liveTexSide {
		img = resizeBilinear(crop, liveTexSide, liveTexSide)
	}
	n := liveTexSide * liveTexSide
	var ch [lbpChannels][]float32
	for k := range ch {
		ch[k] = make([]float32, n)
	}
	for i := 0; i < n; i++ {
		r, g, b := float32(img.Pix[3*i]), float32(img.Pix[3*i+1]), float32(img.Pix[3*i+2])
		h, s, v := rgbToHSV(r, g, b)
		ch[0][i], ch[1][i], ch[2][i] = h, s, v
		ch[3][i] = 0.299*r + 0.587*g + 0.114*b
		ch[4][i] = 128 - 0.168736*r - 0.331264*g + 0.5*b
		ch[5][i] = 128 + 0.5*r - 0.418688*g - 0.081312*b
	}
	out := make([]float32, 0, LiveColumns-LiveFeatCount)
	for _, rad := range [lbpRadii]float32{1, 2} {
		for k := range ch {
			out = append(out, lbpHist(ch[k], liveTexSide, rad)...)
		}
	}
	return append(out, qualityCues(img, ch[0], ch[1], ch[2], ch[3])...)
}

// rgbToHSV maps 0..255 RGB to H, S, V each scaled to 0..255.
func rgbToHSV(r, g, b float32) (h, s, v float32) {
	mx, mn := max(r, g, b), min(r, g, b)
	v = mx
	d := mx - mn
	if mx <= 0 || d <= 0 {
		return 0, 0, v
	}
	s = 255 * d / mx
	switch mx {
	case r:
		h = (g - b) / d
		if h < 0 {
			h += 6
		}
	case g:
		h = 2 + (b-r)/d
	default:
		h = 4 + (r-g)/d
	}
	return h * 255 / 6, s, v
}

// lbpHist is the normalized, square-rooted uniform LBP(8, rad) histogram of a side x side
// channel, neighbours sampled bilinearly on the circle, over the pixels whose circle lies
// inside the image.
func lbpHist(c []float32, side int, rad float32) []float32 {
	var dx, dy [8]float32
	for i := range dx {
		a := 2 * math.Pi * float64(i) / 8
		dx[i], dy[i] = rad*float32(math.Cos(a)), -rad*float32(math.Sin(a))
	}
	at := func(x, y float32) float32 {
		ix, iy := floorInt(x), floorInt(y)
		fx, fy := x-float32(ix), y-float32(iy)
		i := iy*side + ix
		if fx < 1e-4 && fy < 1e-4 {
			return c[i]
		}
		top := c[i] + fx*(c[i+1]-c[i])
		bot := c[i+side] + fx*(c[i+side+1]-c[i+side])
		return top + fy*(bot-top)
	}
	var hist [lbpBins]float32
	m := int(math.Ceil(float64(rad)))
	total := 0
	for y := m; y < side-m-1; y++ {
		for x := m; x < side-m-1; x++ {
			v := c[y*side+x]
			code := 0
			for i := range dx {
				if at(float32(x)+dx[i], float32(y)+dy[i]) >= v {
					code |= 1 << i
				}
			}
			hist[lbpUniform[code]]++
			total++
		}
	}
	out := make([]float32, lbpBins)
	for i, v := range hist {
		out[i] = float32(math.Sqrt(float64(v) / float64(total)))
	}
	return out
}

// qualityCues computes the liveQualityNames columns.
func qualityCues(img *RGB, h, s, v, y []float32) []float32 {
	side := img.W
	n := len(y)
	out := make([]float32, 0, len(liveQualityNames))
	// Sharpness: a re-imaged face is blurred by the second optics and the print.
	var grad float64
	cnt := 0
	for r := 1; r < side-1; r++ {
		for c := 1; c < side-1; c++ {
			i := r*side + c
			gx, gy := float64(y[i+1]-y[i-1]), float64(y[i+side]-y[i-side])
			grad += gx*gx + gy*gy
			cnt++
		}
	}
	out = append(out, float32(math.Log1p(laplacianVariance(y, side, side))), float32(math.Log1p(grad/float64(cnt))))
	// Specular highlights: bright, unsaturated pixels (glossy paper, screen glare).
	spec, specV := 0, 0.0
	for i := 0; i < n; i++ {
		if v[i] > 220 && s[i] < 40 {
			spec++
			specV += float64(v[i])
		}
	}
	out = append(out, float32(spec)/float32(n), float32(specV/float64(max(spec, 1))/255))
	// Chromatic moments (hue: mean and spread only, it is circular and skews meaninglessly).
	hm, hs, _ := moments(h)
	sm, ss, sk := moments(s)
	vm, vs, vk := moments(v)
	out = append(out, hm/255, hs/255, sm/255, ss/255, sk, vm/255, vs/255, vk)
	// Colour diversity: prints and screens reproduce fewer distinct colours.
	counts := map[uint16]int{}
	for i := 0; i < n; i++ {
		p := img.Pix[3*i:]
		counts[uint16(p[0]>>3)<<10|uint16(p[1]>>3)<<5|uint16(p[2]>>3)]++
	}
	top := make([]int, 0, len(counts))
	for _, c := range counts {
		top = append(top, c)
	}
	topShare := topK(top, 20)
	out = append(out, float32(len(counts))/float32(n), float32(topShare)/float32(n))
	return append(out, spectrumBands(y, side)...)
}

// moments returns the mean, standard deviation and skewness of v.
func moments(v []float32) (mean, std, skew float32) {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	m := s / float64(len(v))
	var s2, s3 float64
	for _, x := range v {
		d := float64(x) - m
		s2 += d * d
		s3 += d * d * d
	}
	s2 /= float64(len(v))
	s3 /= float64(len(v))
	sd := math.Sqrt(s2)
	sk := 0.0
	if sd > 1e-6 {
		sk = s3 / (sd * sd * sd)
	}
	return float32(m), float32(sd), float32(sk)
}

// topK returns the sum of the k largest counts (partial selection; counts is reordered).
func topK(counts []int, k int) int {
	sum := 0
	for j := 0; j < k && j < len(counts); j++ {
		b := j
		for i := j + 1; i < len(counts); i++ {
			if counts[i] > counts[b] {
				b = i
			}
		}
		counts[j], counts[b] = counts[b], counts[j]
		sum += counts[j]
	}
	return sum
}

// spectrumBands returns the log share of the mean-removed luma's 2-D DFT energy in four
// radial frequency bands (0-1/8, 1/8-1/4, 1/4-3/8, 3/8 and up, in cycles per pixel): moire
// and halftone raise the high bands, blur lowers them. A direct separable DFT: side is 64.
func spectrumBands(y []float32, side int) []float32 {
	var mean float64
	for _, v := range y {
		mean += float64(v)
	}
	mean /= float64(len(y))
	cs, sn := make([]float64, side), make([]float64, side)
	for k := range cs {
		a := 2 * math.Pi * float64(k) / float64(side)
		cs[k], sn[k] = math.Cos(a), math.Sin(a)
	}
	// Rows: re/im of each row's DFT.
	re, im := make([]float64, side*side), make([]float64, side*side)
	for r := 0; r < side; r++ {
		for u := 0; u < side; u++ {
			var a, b float64
			for c := 0; c < side; c++ {
				x := float64(y[r*side+c]) - mean
				k := (u * c) % side
				a += x * cs[k]
				b -= x * sn[k]
			}
			re[r*side+u], im[r*side+u] = a, b
		}
	}
	var band [4]float64
	var total float64
	for u := 0; u < side; u++ {
		for v := 0; v < side; v++ {
			var a, b float64
			for r := 0; r < side; r++ {
				k := (v * r) % side
				pr, pi := re[r*side+u], im[r*side+u]
				a += pr*cs[k] + pi*sn[k]
				b += pi*cs[k] - pr*sn[k]
			}
			e := a*a + b*b
			fu, fv := float64(min(u, side-u))/float64(side), float64(min(v, side-v))/float64(side)
			f := math.Hypot(fu, fv)
			band[min(int(f*8), 3)] += e
			total += e
		}
	}
	out := make([]float32, 4)
	for i, e := range band {
		out[i] = float32(math.Log((e + 1e-9) / (total + 1e-9)))
	}
	return out
}
