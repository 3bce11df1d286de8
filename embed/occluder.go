package embed

import (
	"math"
	"math/rand/v2"
)

// OccluderVersion names what Occlude draws; feature caches of occluded copies are keyed by
// it.
const OccluderVersion = 1

// Occlude returns a copy of img with something that is not a mask over part of the lower
// face whose landmarks are lm: a hand (the face's own skin colour, a palm and fingers) or a
// patch of donor (another photo: a head, a shoulder or background in front of the face, as
// in crowd photos). They are the classifier's hard negatives: what covers the mouth in
// mask-worn-dev's bare-faced crowd crops that the cross-source fold calls masked. donor may
// be nil (a hand is drawn). seed makes it reproducible. Degenerate landmarks: an unchanged
// copy and false.
func Occlude(img *RGB, lm [5]Point, donor *RGB, seed uint64) (*RGB, bool) {
	out := &RGB{W: img.W, H: img.H, Pix: append([]uint8(nil), img.Pix...)}
	fr, ok := newFaceFrame(lm)
	if !ok {
		return out, false
	}
	rng := rand.New(rand.NewPCG(seed, 0x6f63636c))
	if donor == nil || donor.W < 4 || donor.H < 4 || rng.IntN(2) == 0 {
		drawHand(out, fr, rng)
	} else {
		drawDonor(out, fr, donor, rng)
	}
	return out, true
}

// drawHand draws a palm over the mouth or chin with four fingers towards the cheek, in
// the skin colour read beside the nose, smoothly shaded, neighbouring fingers in two shades.
func drawHand(img *RGB, fr faceFrame, rng *rand.Rand) {
	skin := skinColour(img, fr)
	gain := 0.8 + 0.4*rng.Float64() // another person's hand, or other light
	for k := range skin {
		skin[k] = min(255, skin[k]*gain)
	}
	cu, cv := jitter(rng, 0, 0.35), 1.05+0.25*rng.Float64()
	ru, rv := 0.55+0.3*rng.Float64(), 0.35+0.2*rng.Float64()
	angle := jitter(rng, 0, 0.5) // the fingers' direction from straight up, radians
	palm := ellipsePoly(cu, cv, ru, rv, 0)
	var fingers [][][2]float64
	du, dv := math.Sin(angle), -math.Cos(angle) // along the fingers
	pu, pv := math.Cos(angle), math.Sin(angle)  // across them
	length := 0.45 + 0.3*rng.Float64()
	for i := range 4 {
		off := (float64(i) - 1.5) * ru * 0.45
		bu, bv := cu+pu*off+du*rv*0.6, cv+pv*off+dv*rv*0.6
		fingers = append(fingers, capsule(bu, bv, bu+du*length, bv+dv*length, ru*0.2))
	}
	light := jitter(rng, 0, 0.15) // from one side
	// Smooth shading, no per-pixel noise: grain is what fabric looks like.
	fill := func(poly [][2]float64, shade float64) {
		fillPoly(img, fr, poly, func(u, v float64) [3]float64 {
			k := shade * (1 - 0.12*(v-cv) + light*(u-cu))
			return [3]float64{skin[0] * k, skin[1] * k, skin[2] * k}
		})
	}
	fill(palm, 1)
	for i, f := range fingers { // alternate shades keep the fingers apart
		fill(f, 0.93+0.06*float64(i%2))
	}
}

// drawDonor pastes a region of donor into a blob that enters the face from below or from
// one side and covers the mouth or part of it.
func drawDonor(img *RGB, fr faceFrame, donor *RGB, rng *rand.Rand) {
	side := rng.IntN(3) // 0 from below, 1 from the left, 2 from the right
	var cu, cv float64
	switch side {
	case 0:
		cu, cv = jitter(rng, 0, 0.4), 1.5+0.4*rng.Float64()
	case 1:
		cu, cv = -1.1-0.4*rng.Float64(), 0.8+0.6*rng.Float64()
	default:
		cu, cv = 1.1+0.4*rng.Float64(), 0.8+0.6*rng.Float64()
	}
	ru, rv := 0.8+0.6*rng.Float64(), 0.6+0.5*rng.Float64()
	blob := ellipsePoly(cu, cv, ru, rv, jitter(rng, 0, 0.4))
	// The donor region: a random window mapped onto the blob's box in face units.
	ws := 0.4 + 0.6*rng.Float64()
	dw, dh := max(2, int(ws*float64(donor.W))), max(2, int(ws*float64(donor.H)))
	dx0, dy0 := rng.IntN(donor.W-dw+1), rng.IntN(donor.H-dh+1)
	flip := rng.IntN(2) == 0
	fillPoly(img, fr, blob, func(u, v float64) [3]float64 {
		tx, ty := (u-(cu-ru))/(2*ru), (v-(cv-rv))/(2*rv)
		if flip {
			tx = 1 - tx
		}
		x := dx0 + min(dw-1, max(0, int(tx*float64(dw))))
		y := dy0 + min(dh-1, max(0, int(ty*float64(dh))))
		i := 3 * (y*donor.W + x)
		return [3]float64{float64(donor.Pix[i]), float64(donor.Pix[i+1]), float64(donor.Pix[i+2])}
	})
}

// skinColour is the mean colour of a small patch on each cheek beside the nose.
func skinColour(img *RGB, fr faceFrame) [3]float64 {
	var s [3]float64
	n := 0
	for _, cu := range []float64{-0.45, 0.45} {
		for dv := -0.1; dv <= 0.1; dv += 0.05 {
			for du := -0.1; du <= 0.1; du += 0.05 {
				x, y := fr.toImage(cu+du, 0.55+dv)
				xi, yi := int(x), int(y)
				if xi < 0 || yi < 0 || xi >= img.W || yi >= img.H {
					continue
				}
				i := 3 * (yi*img.W + xi)
				for k := range s {
					s[k] += float64(img.Pix[i+k])
				}
				n++
			}
		}
	}
	if n == 0 {
		return [3]float64{200, 160, 130}
	}
	for k := range s {
		s[k] /= float64(n)
	}
	return s
}

// ellipsePoly is an ellipse in face coordinates, rotated by a radians.
func ellipsePoly(cu, cv, ru, rv, a float64) [][2]float64 {
	var p [][2]float64
	ca, sa := math.Cos(a), math.Sin(a)
	for i := range 32 {
		t := 2 * math.Pi * float64(i) / 32
		x, y := ru*math.Cos(t), rv*math.Sin(t)
		p = append(p, [2]float64{cu + x*ca - y*sa, cv + x*sa + y*ca})
	}
	return p
}

// capsule is a finger: a segment from (u0, v0) to (u1, v1) widened by r with round ends.
func capsule(u0, v0, u1, v1, r float64) [][2]float64 {
	a := math.Atan2(v1-v0, u1-u0)
	var p [][2]float64
	for i := 0; i <= 8; i++ { // round end at (u1, v1)
		t := a - math.Pi/2 + math.Pi*float64(i)/8
		p = append(p, [2]float64{u1 + r*math.Cos(t), v1 + r*math.Sin(t)})
	}
	for i := 0; i <= 8; i++ { // and at (u0, v0)
		t := a + math.Pi/2 + math.Pi*float64(i)/8
		p = append(p, [2]float64{u0 + r*math.Cos(t), v0 + r*math.Sin(t)})
	}
	return p
}
