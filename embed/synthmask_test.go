package embed

import (
	"bytes"
	"testing"
)

// flatFace is a uniform grey 112x112 image; with arcface112's landmarks it is an aligned crop.
func flatFace() *RGB {
	img := NewRGB(AlignSize, AlignSize)
	for i := range img.Pix {
		img.Pix[i] = 100
	}
	return img
}

// changed reports the fraction of pixels in rows [y0, y1) that differ from 100.
func changed(img *RGB, y0, y1 int) float64 {
	n, c := 0, 0
	for y := y0; y < y1; y++ {
		for x := 0; x < img.W; x++ {
			i := 3 * (y*img.W + x)
			n++
			if img.Pix[i] != 100 || img.Pix[i+1] != 100 || img.Pix[i+2] != 100 {
				c++
			}
		}
	}
	return float64(c) / float64(n)
}

func TestSynthMaskCoversLowerFace(t *testing.T) {
	for _, s := range []MaskStyle{MaskSurgical, MaskCloth, MaskN95, MaskBelowNose, MaskChin} {
		t.Run(s.String(), func(t *testing.T) {
			src := flatFace()
			out, ok := SynthMask(src, arcface112, s, 7)
			if !ok {
				t.Fatal("SynthMask refused the template landmarks")
			}
			if changed(src, 0, AlignSize) != 0 {
				t.Fatal("SynthMask changed its input")
			}
			// Eyes (template y 51.7) stay visible; the mouth (y 92.2) is covered.
			if f := changed(out, 0, 46); f != 0 {
				t.Errorf("%.3f of the rows above the eyes changed", f)
			}
			mouth := changed(out, 88, 96)
			if s == MaskChin {
				// Pulled down onto the chin: the mouth is bare, the chin below it covered.
				if mouth > 0 {
					t.Errorf("chin mask covers %.3f of the mouth rows", mouth)
				}
				if f := changed(out, 104, 112); f < 0.5 {
					t.Errorf("chin mask covers only %.3f of the chin rows", f)
				}
				return
			}
			if mouth < 0.5 {
				t.Errorf("only %.3f of the mouth rows covered", mouth)
			}
			nose := changed(out, 66, 70) // just above the nose tip (y 71.7)
			if s == MaskBelowNose && nose > 0 {
				t.Errorf("below-nose mask covers %.3f of the nose rows", nose)
			}
			if s != MaskBelowNose && nose < 0.4 {
				t.Errorf("mask covers only %.3f of the nose rows", nose)
			}
		})
	}
}

func TestSynthMaskSeeded(t *testing.T) {
	a, _ := SynthMask(flatFace(), arcface112, MaskCloth, 3)
	b, _ := SynthMask(flatFace(), arcface112, MaskCloth, 3)
	c, _ := SynthMask(flatFace(), arcface112, MaskCloth, 4)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Error("same seed, different pixels")
	}
	if bytes.Equal(a.Pix, c.Pix) {
		t.Error("different seeds, same pixels")
	}
}

func TestSynthMaskDegenerate(t *testing.T) {
	var lm [5]Point // all landmarks at the origin
	out, ok := SynthMask(flatFace(), lm, MaskSurgical, 1)
	if ok || changed(out, 0, AlignSize) != 0 {
		t.Errorf("degenerate landmarks: ok %v, changed %.3f; want false and no change", ok, changed(out, 0, AlignSize))
	}
	// A face half out of the frame: drawing clips, never panics.
	lm = arcface112
	for i := range lm {
		lm[i].X += 80
		lm[i].Y += 40
	}
	if _, ok := SynthMask(flatFace(), lm, MaskN95, 1); !ok {
		t.Error("face partly outside the frame refused")
	}
}

func TestParseMaskStyles(t *testing.T) {
	s, err := ParseMaskStyles("surgical, n95,below-nose,chin")
	if err != nil || len(s) != 4 || s[0] != MaskSurgical || s[1] != MaskN95 || s[2] != MaskBelowNose || s[3] != MaskChin {
		t.Errorf("got %v %v", s, err)
	}
	if _, err := ParseMaskStyles("bandana"); err == nil {
		t.Error("unknown style accepted")
	}
}

func TestPadReplicate(t *testing.T) {
	img := NewRGB(2, 1)
	copy(img.Pix, []uint8{1, 2, 3, 4, 5, 6})
	p := padReplicate(img, 1)
	if p.W != 4 || p.H != 3 {
		t.Fatalf("size %dx%d", p.W, p.H)
	}
	want := []uint8{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}
	for y := 0; y < 3; y++ {
		if got := p.Pix[12*y : 12*y+12]; !bytes.Equal(got, want) {
			t.Errorf("row %d = %v, want %v", y, got, want)
		}
	}
}
