package embed

import (
	"bytes"
	"testing"
)

func TestOcclude(t *testing.T) {
	donor := NewRGB(60, 80)
	for i := range donor.Pix {
		donor.Pix[i] = 200
	}
	hands, donors := 0, 0
	for seed := uint64(1); seed <= 40; seed++ {
		src := flatFace()
		out, ok := Occlude(src, arcface112, donor, seed)
		if !ok {
			t.Fatalf("seed %d: Occlude refused the template landmarks", seed)
		}
		if changed(src, 0, AlignSize) != 0 {
			t.Fatal("Occlude changed its input")
		}
		// The forehead stays bare; something covers the face below the nose tip (y 71.7).
		if f := changed(out, 0, 30); f != 0 {
			t.Errorf("seed %d: %.3f of the forehead rows changed", seed, f)
		}
		if f := changed(out, 72, AlignSize); f < 0.05 {
			t.Errorf("seed %d: only %.3f of the rows below the nose covered", seed, f)
		}
		if bytes.Contains(out.Pix, []byte{200, 200, 200}) {
			donors++
		} else {
			hands++
		}
		again, _ := Occlude(flatFace(), arcface112, donor, seed)
		if !bytes.Equal(out.Pix, again.Pix) {
			t.Errorf("seed %d: same seed, different pixels", seed)
		}
	}
	if hands < 10 || donors < 10 {
		t.Errorf("hands %d, donor patches %d of 40: want both kinds", hands, donors)
	}
	// No donor: a hand.
	if out, ok := Occlude(flatFace(), arcface112, nil, 3); !ok || changed(out, 72, AlignSize) < 0.05 {
		t.Error("no donor: no hand drawn")
	}
	var lm [5]Point
	if out, ok := Occlude(flatFace(), lm, donor, 1); ok || changed(out, 0, AlignSize) != 0 {
		t.Error("degenerate landmarks: want false and no change")
	}
}
