package jpeg_test

import (
	"bytes"
	"testing"

	"github.com/wajah-id/wajah/internal/jpeg"
)

// TestDecodeIntoReuses decodes every test file at every scale into one Image whose pixels
// hold junk from a larger image: the result must equal Decode's byte for byte (so every
// pixel is written) and reuse the memory; a too-small buffer is grown, and a failed decode
// leaves the size alone.
func TestDecodeIntoReuses(t *testing.T) {
	buf := &jpeg.Image{Pix: make([]uint8, 1<<20)}
	for _, name := range files {
		data := read(t, name)
		for _, s := range []int{1, 2, 4, 8} {
			want, err := jpeg.Decode(data, jpeg.Options{Scale: s})
			if err != nil {
				t.Fatal(name, err)
			}
			full := buf.Pix[:cap(buf.Pix)]
			for i := range full {
				full[i] = uint8(0xA5 + i)
			}
			if err := jpeg.DecodeInto(buf, data, jpeg.Options{Scale: s}); err != nil {
				t.Fatal(name, err)
			}
			if buf.W != want.W || buf.H != want.H || !bytes.Equal(buf.Pix, want.Pix) {
				t.Fatalf("%s 1/%d: DecodeInto differs from Decode (%dx%d vs %dx%d)", name, s, buf.W, buf.H, want.W, want.H)
			}
			if &buf.Pix[:1][0] != &full[0] {
				t.Fatalf("%s 1/%d: pixels reallocated with capacity %d for %d", name, s, cap(full), len(want.Pix))
			}
		}
	}
	small := &jpeg.Image{Pix: make([]uint8, 10)}
	data := read(t, "s2x2.jpg")
	if err := jpeg.DecodeInto(small, data, jpeg.Options{}); err != nil {
		t.Fatal(err)
	}
	want, _ := jpeg.Decode(data, jpeg.Options{})
	if !bytes.Equal(small.Pix, want.Pix) {
		t.Fatal("grown buffer differs from Decode")
	}
	w, h := small.W, small.H
	if err := jpeg.DecodeInto(small, data[:len(data)/3], jpeg.Options{}); err == nil {
		t.Fatal("truncated file decoded")
	}
	if small.W != w || small.H != h || len(small.Pix) != 3*w*h {
		t.Fatalf("failed decode changed the image to %dx%d, %d bytes", small.W, small.H, len(small.Pix))
	}
}
