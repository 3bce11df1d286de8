package embed

import (
	"bytes"
	"math"
	"testing"
)

func TestMirror(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{1, 1}, {2, 3}, {5, 2}, {112, 112}} {
		c := NewRGB(sz.w, sz.h)
		for i := range c.Pix {
			c.Pix[i] = uint8(i*37 + 11)
		}
		m := Mirror(c)
		for y := range sz.h {
			for x := range sz.w {
				a := c.Pix[3*(y*sz.w+x) : 3*(y*sz.w+x)+3]
				b := m.Pix[3*(y*sz.w+sz.w-1-x) : 3*(y*sz.w+sz.w-1-x)+3]
				if !bytes.Equal(a, b) {
					t.Fatalf("%dx%d: pixel (%d,%d) %v mirrored to %v", sz.w, sz.h, x, y, a, b)
				}
			}
		}
		if !bytes.Equal(Mirror(m).Pix, c.Pix) {
			t.Fatalf("%dx%d: mirroring twice is not the identity", sz.w, sz.h)
		}
	}
}

// TestEmbedFaceFlip: with FlipTTA the embedding is the normalized sum of the crop's and
// its mirror's; it is mirror-invariant, unit length, and plain is the un-augmented one.
func TestEmbedFaceFlip(t *testing.T) {
	heavy(t)
	base := testPipeline(t)
	p := &Pipeline{opts: base.opts, det: base.det, mfn: base.mfn}
	p.opts.FlipTTA = true
	d, err := p.Decode(photo(t, exObama))
	if err != nil {
		t.Fatal(err)
	}
	faces, err := p.Detect(t.Context(), d)
	if err != nil || len(faces) == 0 {
		t.Fatalf("detect: %v, %d faces", err, len(faces))
	}
	crop := p.AlignFace(d, &faces[0])
	emb, plain, err := p.EmbedFace(crop)
	if err != nil {
		t.Fatal(err)
	}
	one, err := base.EmbedCrops(crop, Mirror(crop))
	if err != nil {
		t.Fatal(err)
	}
	if c := Cosine(plain, one[0]); c < 0.9999 {
		t.Errorf("plain embedding differs from the un-augmented one: cos %v", c)
	}
	if c := Cosine(one[0], one[1]); c > 0.999 {
		t.Errorf("mirror embeds the same as the crop (cos %v): the flip did nothing", c)
	}
	memb, _, err := p.EmbedFace(Mirror(crop))
	if err != nil {
		t.Fatal(err)
	}
	if c := Cosine(emb, memb); c < 0.9999 {
		t.Errorf("flip embedding not mirror-invariant: cos %v", c)
	}
	var n float64
	for _, v := range emb {
		n += float64(v) * float64(v)
	}
	if math.Abs(n-1) > 1e-4 {
		t.Errorf("norm^2 %v", n)
	}
	// The sum lies between the two: closer to each than they are to each other.
	if c := Cosine(emb, one[0]); c <= Cosine(one[0], one[1]) {
		t.Errorf("cos(flip, crop) %v <= cos(crop, mirror) %v", c, Cosine(one[0], one[1]))
	}
}
