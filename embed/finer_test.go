package embed

import (
	"context"
	"testing"
)

func TestFinerScale(t *testing.T) {
	for _, tt := range []struct {
		orig int
		size float32
		want int
	}{
		{1, 10, 0},    // already the full decode
		{2, 96, 0},    // 48 px at 1/2: enough
		{2, 95, 1},    // 47.5 px at 1/2: full decode
		{8, 400, 0},   // 50 px at 1/8
		{8, 300, 4},   // 37.5 at 1/8, 75 at 1/4
		{8, 100, 2},   // 50 at 1/2
		{8, 60, 1},    // 30 at 1/2: full decode
		{4, 40, 1},    // the gate's smallest face
		{4, 192, 0},   // exactly 48 at 1/4
		{4, 191.9, 2}, // just under
	} {
		if got := finerScale(tt.orig, tt.size); got != tt.want {
			t.Errorf("finerScale(%d, %v) = %d, want %d", tt.orig, tt.size, got, tt.want)
		}
	}
}

// paste returns a w x h grey canvas with img at (x, y).
func paste(img *RGB, w, h, x, y int) *RGB {
	c := NewRGB(w, h)
	for i := range c.Pix {
		c.Pix[i] = 128
	}
	for r := 0; r < img.H; r++ {
		copy(c.Pix[3*((y+r)*w+x):], img.Pix[3*r*img.W:3*(r+1)*img.W])
	}
	return c
}

// A verification of a face that is small in a large photo: the coarse pass (faces of a
// tenth of the shorter side) misses it, the full search finds it, and it is aligned from a
// finer second decode, so the embedding matches that of the same pixels as a small photo
// decoded at full size (where no reduction, coarse pass or second decode happens).
func TestSmallFaceInLargePhoto(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name         string
		w, h, side   int // canvas, and the pasted photo's longer side
		coarseFinds  bool
		decode, fine int // the first decode's scale, the finer one's (0: none)
	}{
		{"1080p photo in 4000x3000", 4000, 3000, 1920, true, 4, 2},
		{"500 photo in 4000x3000", 4000, 3000, 500, false, 4, 1},
		{"960 photo in 8000x6000", 8000, 6000, 960, false, 8, 1},
	} {
		src, err := Decode(photo(t, exObama), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		small := Shrink(src, tt.side)
		ref := extract(t, p, jpegOf(t, small), ExtractOptions{})
		x, y := (tt.w-small.W)/3, (tt.h-small.H)/2
		data := jpegOf(t, paste(small, tt.w, tt.h, x, y))

		d, err := p.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if int(d.Orig) != tt.decode {
			t.Errorf("%s: decoded at 1/%v, want 1/%d", tt.name, d.Orig, tt.decode)
		}
		coarse := int(coarseFrac * float32(min(d.Work.W, d.Work.H)))
		boxes, err := p.det.detect(d.Work, coarse)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(boxes) > 0; got != tt.coarseFinds {
			t.Errorf("%s: coarse pass found %d faces, want found=%v", tt.name, len(boxes), tt.coarseFinds)
		}
		faces, err := p.DetectFor(ctx, d, PurposeVerify)
		if err != nil || len(faces) == 0 {
			t.Fatalf("%s: %d faces, %v", tt.name, len(faces), err)
		}
		if got := finerScale(int(d.Orig), faces[0].Quality.FaceSize); got != tt.fine {
			t.Errorf("%s: face %.0f px: finer decode at 1/%d, want 1/%d", tt.name, faces[0].Quality.FaceSize, got, tt.fine)
		}

		f := extract(t, p, data, ExtractOptions{})
		cos := Cosine(f.Embedding, ref.Embedding)
		tol := 0.03 * float32(small.W)
		for k := range f.Landmarks {
			a, b := f.Landmarks[k], Point{ref.Landmarks[k].X + float32(x), ref.Landmarks[k].Y + float32(y)}
			if dx, dy := a.X-b.X, a.Y-b.Y; dx*dx+dy*dy > tol*tol {
				t.Errorf("%s: landmark %d at %v, alone %v", tt.name, k, a, b)
			}
		}
		t.Logf("%s: face %.0f px (alone %.0f), cosine %.4f to the photo alone", tt.name, f.Quality.FaceSize, ref.Quality.FaceSize, cos)
		if cos < 0.97 {
			t.Errorf("%s: cosine %.4f to the photo alone", tt.name, cos)
		}
	}
}
