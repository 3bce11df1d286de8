package embed

import "testing"

func TestTightCropShape(t *testing.T) {
	for _, c := range []struct {
		w, h int
		want bool
	}{
		{160, 160, true}, {50, 50, true}, {320, 256, true}, {250, 250, true},
		{321, 321, false}, // larger than a crop
		{640, 480, false}, // a camera frame
		{200, 120, false}, // too oblong
	} {
		if got := tightCrop(NewRGB(c.w, c.h)); got != c.want {
			t.Errorf("%dx%d: tightCrop %v, want %v", c.w, c.h, got, c.want)
		}
	}
	for _, c := range []struct {
		floor float32
		ok    bool
	}{{0, true}, {0.05, true}, {-1, true}, {tightONetThresh, false}, {0.9, false}} {
		if err := (Experimental{MaskedAlign: MaskedAlignFive, TightCropFloor: c.floor}).validate(); (err == nil) != c.ok {
			t.Errorf("TightCropFloor %v: %v, want ok=%v", c.floor, err, c.ok)
		}
	}
}
