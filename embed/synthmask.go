package embed

// Synthetic masks are not part of the runtime pipeline (eval, training data and tests draw
// them), but they stay in this package rather than embed/train: package embed's own tests
// (the golden, the masked-face tests) draw them, and those cannot import embed/train,
// which imports embed.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// MaskStyle is a kind of synthetic mask SynthMask draws.
type MaskStyle int

// Synthetic mask styles. MaskBelowNose is a surgical mask worn under the nose and MaskChin
// one pulled down below the mouth onto the chin (the two "worn incorrectly" cases); the
// generator's dev sets use the first three.
const (
	MaskSurgical MaskStyle = iota
	MaskCloth
	MaskN95
	MaskBelowNose
	MaskChin
	numMaskStyles
)

var maskStyleNames = [numMaskStyles]string{"surgical", "cloth", "n95", "below-nose", "chin"}

func (s MaskStyle) String() string {
	if s < 0 || s >= numMaskStyles {
		return fmt.Sprintf("MaskStyle(%d)", int(s))
	}
	return maskStyleNames[s]
}

// ParseMaskStyles reads a comma-separated list of style names.
func ParseMaskStyles(list string) ([]MaskStyle, error) {
	var out []MaskStyle
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		found := false
		for i, name := range maskStyleNames {
			if n == name {
				out, found = append(out, MaskStyle(i)), true
			}
		}
		if !found {
			return nil, fmt.Errorf("embed: unknown mask style %q (want one of %s)", n, strings.Join(maskStyleNames[:], ", "))
		}
	}
	return out, nil
}

// DevMaskStyles are the styles of the masked dev sets and of the enrolment templates.
var DevMaskStyles = []MaskStyle{MaskSurgical, MaskCloth, MaskN95}

// maskShape is a mask outline in face coordinates: u across the face in inter-ocular
// distances from the eye-to-mouth midline, v down it in eye-to-mouth distances from the
// eye line (eyes at v 0, mouth at v 1, chin near v 1.6).
type maskShape struct {
	top, bottom float64 // v of the upper edge at the midline and of the lowest point
	topSide     float64 // v of the upper edge at the cheeks
	halfTop     float64 // half width (u) at the upper edge
	halfMid     float64 // half width at the mouth line
	halfLow     float64 // half width near the chin
	colour      [3]float64
	pleats      bool // surgical: three darker horizontal folds
	seam        bool // cloth: a vertical seam; N95: a horizontal one
	stripes     bool // cloth pattern
	valve       bool // N95 exhalation valve
}

// mask palettes (RGB), drawn with a jitter.
var (
	surgicalColours = [][3]float64{{160, 200, 228}, {236, 238, 240}, {150, 210, 190}, {40, 42, 46}, {235, 180, 200}}
	clothColours    = [][3]float64{{30, 40, 80}, {20, 20, 22}, {120, 122, 128}, {160, 30, 40}, {200, 180, 150}, {60, 110, 70}}
	n95Colours      = [][3]float64{{238, 238, 232}, {225, 225, 220}, {200, 205, 210}}
)

func pick(rng *rand.Rand, pal [][3]float64) [3]float64 {
	c := pal[rng.IntN(len(pal))]
	for i := range c {
		c[i] = min(255, max(0, c[i]+rng.NormFloat64()*8))
	}
	return c
}

func jitter(rng *rand.Rand, v, sd float64) float64 { return v + rng.NormFloat64()*sd }

func newMaskShape(style MaskStyle, rng *rand.Rand) maskShape {
	var s maskShape
	switch style {
	case MaskCloth:
		s = maskShape{top: 0.34, topSide: 0.42, bottom: 1.78, halfTop: 1.15, halfMid: 1.22, halfLow: 0.65, seam: true}
		s.colour = pick(rng, clothColours)
		s.stripes = rng.IntN(3) == 0
	case MaskN95:
		s = maskShape{top: 0.22, topSide: 0.45, bottom: 1.72, halfTop: 0.9, halfMid: 1.15, halfLow: 0.58, seam: true}
		s.colour = pick(rng, n95Colours)
		s.valve = rng.IntN(2) == 0
	case MaskBelowNose:
		s = maskShape{top: 0.78, topSide: 0.74, bottom: 1.75, halfTop: 1.22, halfMid: 1.2, halfLow: 0.62, pleats: true}
		s.colour = pick(rng, surgicalColours)
	case MaskChin:
		// Upper edge under the lower lip, the rest over the chin and onto the neck.
		s = maskShape{top: 1.24, topSide: 1.16, bottom: 2.05, halfTop: 1.05, halfMid: 1.12, halfLow: 0.72, pleats: true}
		s.colour = pick(rng, surgicalColours)
	default:
		s = maskShape{top: 0.30, topSide: 0.36, bottom: 1.72, halfTop: 1.25, halfMid: 1.2, halfLow: 0.65, pleats: true}
		s.colour = pick(rng, surgicalColours)
	}
	s.top = jitter(rng, s.top, 0.03)
	s.topSide = jitter(rng, s.topSide, 0.03)
	s.bottom = jitter(rng, s.bottom, 0.06)
	w := jitter(rng, 1, 0.04)
	s.halfTop *= w
	s.halfMid *= w
	s.halfLow *= w
	return s
}

// outline returns the mask's polygon in (u, v), clockwise from the upper left.
func (s maskShape) outline() [][2]float64 {
	var pts [][2]float64
	const n = 12
	// Upper edge: a parabola from the cheeks up to the nose bridge.
	for i := 0; i <= n; i++ {
		t := -1 + 2*float64(i)/n
		pts = append(pts, [2]float64{t * s.halfTop, s.topSide + (s.top-s.topSide)*(1-t*t)})
	}
	// Right side down to the mouth line (or just below the upper edge, for a mask whose
	// edge is under the mouth), then curving in to the chin.
	mid := 1.0
	if s.topSide >= mid {
		mid = s.topSide + 0.08
	}
	pts = append(pts, [2]float64{s.halfMid, mid})
	for i := 1; i <= n; i++ {
		a := math.Pi / 2 * float64(i) / n // 0 at the side, pi/2 at the chin
		u := s.halfLow + (s.halfMid-s.halfLow)*math.Cos(a)
		pts = append(pts, [2]float64{u * math.Cos(a*0.9), mid + (s.bottom-mid)*math.Sin(a)})
	}
	for i := n; i >= 1; i-- {
		a := math.Pi / 2 * float64(i) / n
		u := s.halfLow + (s.halfMid-s.halfLow)*math.Cos(a)
		pts = append(pts, [2]float64{-u * math.Cos(a*0.9), mid + (s.bottom-mid)*math.Sin(a)})
	}
	pts = append(pts, [2]float64{-s.halfMid, mid})
	return pts
}

// faceFrame maps face coordinates (u, v) to image pixels and back, from five landmarks.
type faceFrame struct {
	ex, ey, mx, my float64 // eye midpoint and mouth midpoint
	ux, uy         float64 // unit vector from the left eye to the right eye
	iod            float64
}

func newFaceFrame(lm [5]Point) (faceFrame, bool) {
	f := faceFrame{
		ex: float64(lm[LeftEye].X+lm[RightEye].X) / 2, ey: float64(lm[LeftEye].Y+lm[RightEye].Y) / 2,
		mx: float64(lm[MouthLeft].X+lm[MouthRight].X) / 2, my: float64(lm[MouthLeft].Y+lm[MouthRight].Y) / 2,
	}
	dx, dy := float64(lm[RightEye].X-lm[LeftEye].X), float64(lm[RightEye].Y-lm[LeftEye].Y)
	f.iod = math.Hypot(dx, dy)
	h := math.Hypot(f.mx-f.ex, f.my-f.ey)
	if !(f.iod > 1) || !(h > 1) {
		return f, false
	}
	f.ux, f.uy = dx/f.iod, dy/f.iod
	return f, true
}

func (f faceFrame) toImage(u, v float64) (x, y float64) {
	return f.ex + v*(f.mx-f.ex) + u*f.iod*f.ux, f.ey + v*(f.my-f.ey) + u*f.iod*f.uy
}

// toFace inverts toImage (a 2x2 solve).
func (f faceFrame) toFace(x, y float64) (u, v float64) {
	a, b := f.iod*f.ux, f.mx-f.ex // x = ex + u*a + v*b
	c, d := f.iod*f.uy, f.my-f.ey // y = ey + u*c + v*d
	det := a*d - b*c
	px, py := x-f.ex, y-f.ey
	return (px*d - b*py) / det, (a*py - c*px) / det
}

// SynthMask returns a copy of img with a synthetic mask of the given style drawn over the
// face whose five landmarks are lm (as Detect reports them). seed makes the drawing
// reproducible: the same image, landmarks, style and seed give the same pixels. If the
// landmarks are degenerate (eyes or mouth closer than a pixel) it returns an unchanged copy
// and false.
func SynthMask(img *RGB, lm [5]Point, style MaskStyle, seed uint64) (*RGB, bool) {
	out := &RGB{W: img.W, H: img.H, Pix: append([]uint8(nil), img.Pix...)}
	ok := DrawMask(out, lm, style, seed)
	return out, ok
}

// DrawMask draws a synthetic mask into img in place; see SynthMask.
func DrawMask(img *RGB, lm [5]Point, style MaskStyle, seed uint64) bool {
	fr, ok := newFaceFrame(lm)
	if !ok {
		return false
	}
	rng := rand.New(rand.NewPCG(seed, uint64(style)+0x9e3779b97f4a7c15))
	s := newMaskShape(style, rng)
	light := jitter(rng, 0, 0.25) // light from one side
	noise := rand.New(rand.NewPCG(seed^0x5bd1e995, uint64(style)))
	fillPoly(img, fr, s.outline(), func(u, v float64) [3]float64 { return s.shade(u, v, light, fr.iod, noise) })
	return true
}

// shade is the mask's colour at (u, v): the base colour, darker towards the sides (the
// mask curves away), folds, seams, stripes, a valve and a little fabric noise.
func (s maskShape) shade(u, v, light, iod float64, noise *rand.Rand) [3]float64 {
	k := 1 - 0.22*(u/s.halfMid)*(u/s.halfMid) + 0.08*light*u
	px := 1 / max(iod, 1) // one pixel in u units: line widths at least a pixel
	lw := max(0.025, px)
	if s.pleats {
		for _, p := range [3]float64{0.72, 1.02, 1.32} {
			if math.Abs(v-p) < lw*1.5 {
				k *= 0.82
			}
		}
	}
	if s.seam {
		if s.colour[0] > 180 { // N95: a horizontal seam below the nose
			if math.Abs(v-0.9) < lw {
				k *= 0.88
			}
		} else if math.Abs(u) < lw {
			k *= 0.75
		}
	}
	c := s.colour
	if s.stripes && int(math.Floor(v*6))%2 == 0 {
		c = [3]float64{c[0]*0.6 + 90, c[1]*0.6 + 90, c[2]*0.6 + 90}
	}
	if s.valve && math.Hypot(u-0.45, v-1.15) < 0.18 {
		c, k = [3]float64{90, 95, 100}, 1
	}
	n := noise.NormFloat64() * 4
	return [3]float64{c[0]*k + n, c[1]*k + n, c[2]*k + n}
}

// fillPoly paints the polygon poly (face coordinates) with colour(u, v), anti-aliased at
// its edges (3x3 samples per pixel); colour is called once per covered pixel, in scan order.
func fillPoly(img *RGB, fr faceFrame, poly [][2]float64, colour func(u, v float64) [3]float64) {
	pts := make([][2]float64, len(poly))
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range poly {
		x, y := fr.toImage(p[0], p[1])
		pts[i] = [2]float64{x, y}
		x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
	}
	ix0, iy0 := max(0, int(math.Floor(x0))), max(0, int(math.Floor(y0)))
	ix1, iy1 := min(img.W-1, int(math.Ceil(x1))), min(img.H-1, int(math.Ceil(y1)))
	const sub = 3
	for y := iy0; y <= iy1; y++ {
		for x := ix0; x <= ix1; x++ {
			cov := 0
			for sy := range sub {
				for sx := range sub {
					if inPolygon(pts, float64(x)+(float64(sx)+0.5)/sub, float64(y)+(float64(sy)+0.5)/sub) {
						cov++
					}
				}
			}
			if cov == 0 {
				continue
			}
			c := colour(fr.toFace(float64(x)+0.5, float64(y)+0.5))
			a := float64(cov) / (sub * sub)
			i := 3 * (y*img.W + x)
			for k := range 3 {
				img.Pix[i+k] = uint8(min(255, max(0, math.Round(a*c[k]+(1-a)*float64(img.Pix[i+k])))))
			}
		}
	}
}

// inPolygon is the even-odd rule.
func inPolygon(poly [][2]float64, x, y float64) bool {
	in := false
	j := len(poly) - 1
	for i := range poly {
		xi, yi, xj, yj := poly[i][0], poly[i][1], poly[j][0], poly[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
		j = i
	}
	return in
}

// MaskCrop draws a synthetic mask on a copy of an aligned 112x112 crop (the ArcFace
// template's landmarks place it): the enrolment-side templates of masked matching.
func MaskCrop(crop *RGB, style MaskStyle, seed uint64) *RGB {
	out, _ := SynthMask(crop, arcface112, style, seed)
	return out
}
