package embed

import (
	"context"
	"errors"
	"math"
	"testing"
)

// fillFace fills the polygon pts (face coordinates, see faceFrame) on img with colour c.
func fillFace(img *RGB, lm [5]Point, pts [][2]float64, c [3]uint8) {
	fr, _ := newFaceFrame(lm)
	poly := make([][2]float64, len(pts))
	for i, p := range pts {
		x, y := fr.toImage(p[0], p[1])
		poly[i] = [2]float64{x, y}
	}
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			if inPolygon(poly, float64(x)+0.5, float64(y)+0.5) {
				copy(img.Pix[3*(y*img.W+x):], c[:])
			}
		}
	}
}

// ellipse in face coordinates.
func ellipse(cu, cv, ru, rv float64) [][2]float64 {
	var p [][2]float64
	for i := 0; i < 24; i++ {
		a := 2 * math.Pi * float64(i) / 24
		p = append(p, [2]float64{cu + ru*math.Cos(a), cv + rv*math.Sin(a)})
	}
	return p
}

func copyRGB(img *RGB) *RGB { return &RGB{W: img.W, H: img.H, Pix: append([]uint8(nil), img.Pix...)} }

// Bad input made from obama.jpg: each case gets its documented answer (embed/README.md
// "Masked faces"), never a panic.
func TestOcclusions(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	ctx := context.Background()
	src, err := Decode(photo(t, exObama), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	faces, err := p.Detect(ctx, p.Prepare(src))
	if err != nil || len(faces) == 0 {
		t.Fatalf("obama.jpg: %d faces, %v", len(faces), err)
	}
	lm := faces[0].Landmarks
	enrol := extract(t, p, photo(t, exObama2), ExtractOptions{Purpose: PurposeEnroll})

	halfOut := func() *RGB { // the frame ends at the nose: half the face outside it
		w := int(lm[Nose].X)
		out := NewRGB(w, src.H)
		for y := 0; y < src.H; y++ {
			copy(out.Pix[3*y*w:3*(y+1)*w], src.Pix[3*y*src.W:3*y*src.W+3*w])
		}
		return out
	}
	noseOnly := func() *RGB {
		img := copyRGB(src)
		fillFace(img, lm, [][2]float64{{-0.5, 0.25}, {0.5, 0.25}, {0.5, 0.72}, {-0.5, 0.72}}, [3]uint8{160, 200, 228})
		return img
	}
	sunglassesMask := func() *RGB {
		img, _ := SynthMask(src, lm, MaskSurgical, 5)
		fillFace(img, lm, ellipse(-0.5, 0, 0.42, 0.3), [3]uint8{15, 15, 18})
		fillFace(img, lm, ellipse(0.5, 0, 0.42, 0.3), [3]uint8{15, 15, 18})
		fillFace(img, lm, [][2]float64{{-0.1, -0.05}, {0.1, -0.05}, {0.1, 0.02}, {-0.1, 0.02}}, [3]uint8{15, 15, 18})
		return img
	}
	hand := func() *RGB {
		img := copyRGB(src)
		i := 3 * (int(lm[Nose].Y)*src.W + int((lm[Nose].X+lm[LeftEye].X)/2)) // cheek colour
		skin := [3]uint8{src.Pix[i], src.Pix[i+1], src.Pix[i+2]}
		fillFace(img, lm, ellipse(0, 1.05, 0.95, 0.45), skin)
		for _, u := range []float64{-0.45, -0.15, 0.15, 0.45} { // finger gaps
			fillFace(img, lm, [][2]float64{{u - 0.02, 0.75}, {u + 0.02, 0.75}, {u + 0.02, 1.35}, {u - 0.02, 1.35}}, [3]uint8{skin[0] / 2, skin[1] / 2, skin[2] / 2})
		}
		return img
	}
	tests := []struct {
		name     string
		img      *RGB
		err      error // the documented answer: a code (412) ...
		verified bool  // ... or a verdict against obama2.jpg's enrolment
	}{
		// MTCNN's boxes need the whole face: half a face is no face (412).
		{"half out of frame", halfOut(), ErrNoFace, false},
		// The mouth and chin stay visible: found, and matched on the plain path.
		{"mask over the nose only", noseOnly(), nil, true},
		// Eyes and mouth both hidden: nothing for PNet and RNet to find (412).
		{"sunglasses and mask", sunglassesMask(), ErrNoFace, false},
		// A hand is not a mask, but it covers what a mask covers: found (the classifier calls
		// it masked, so the masked path matches it), and it still matches.
		{"hand over the mouth", hand(), nil, true},
	}
	for _, tc := range tests {
		f, err := p.Extract(ctx, jpegOf(t, tc.img), ExtractOptions{})
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		s := matchSimilarity(p.MaskedHead(), f, enrol)
		t.Logf("%s: masker %v (%.2f), similarity %.3f", tc.name, f.Masked, f.MaskScore, s)
		if (s >= 0.75) != tc.verified {
			t.Errorf("%s: similarity %.3f, want verified %v", tc.name, s, tc.verified)
		}
	}
}
