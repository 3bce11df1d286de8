package jpeg_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"testing"

	"github.com/wajah-id/wajah/internal/jpeg"
	"github.com/wajah-id/wajah/internal/jpeg/jpegtest"
)

// FuzzDecode: any bytes either decode to an image of the declared size (at every scale) or
// fail with a classified error; never a panic, never more than the limits.
func FuzzDecode(f *testing.F) {
	for _, name := range append(files, "arith.jpg", "s2x2-prog-rst.jpg") {
		f.Add(read(f, name))
	}
	f.Add(jpegtest.HostileProgressive(64, 48))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []int{1, 2, 8} {
			m, err := jpeg.Decode(data, jpeg.Options{Scale: s, MaxPixels: 1 << 20, MaxSide: 2048})
			if err != nil {
				if !errors.Is(err, jpeg.ErrFormat) && !errors.Is(err, jpeg.ErrUnsupported) && !errors.Is(err, jpeg.ErrTooLarge) {
					t.Fatalf("unclassified error: %v", err)
				}
				continue
			}
			cfg, err := jpeg.DecodeConfig(data)
			if err != nil {
				t.Fatalf("Decode succeeded, DecodeConfig failed: %v", err)
			}
			w, h := jpeg.OutputSize(cfg, s)
			if m.W != w || m.H != h || len(m.Pix) != 3*w*h {
				t.Fatalf("1/%d: %dx%d (%d bytes), want %dx%d", s, m.W, m.H, len(m.Pix), w, h)
			}
		}
	})
}

// FuzzDifferential encodes a generated picture with image/jpeg and checks our decode against
// image/jpeg's at scale 1 (tolScale1Max / tolScale1Mean) and against its box-filtered pixels
// at 1/2, 1/4, 1/8 (tolScaledMean; where the image spans 16 cells each way, as partial
// edge blocks hold encoder padding).
func FuzzDifferential(f *testing.F) {
	f.Add(uint32(1), uint16(67), uint16(45), uint8(90), false)
	f.Add(uint32(7), uint16(16), uint16(16), uint8(50), true)
	f.Add(uint32(3), uint16(129), uint16(7), uint8(100), false)
	f.Fuzz(func(t *testing.T, seed uint32, w16, h16 uint16, q uint8, grey bool) {
		w, h := int(w16%300)+1, int(h16%300)+1
		var m image.Image
		rgba := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				seed = seed*1664525 + 1013904223
				// Smooth gradients plus noise of up to 7 levels, like a photo: the reduced
				// IDCT is a band-limited resampling, which matches a box filter on such
				// content, not on strong high-frequency patterns.
				n := uint8(seed >> 29)
				rgba.Set(x, y, color.RGBA{uint8(x*200/w) + n, uint8(y*200/h) + n, uint8((x+y)*100/(w+h)) + n, 255})
			}
		}
		m = rgba
		if grey {
			g := image.NewGray(rgba.Bounds())
			for i := range g.Pix {
				g.Pix[i] = rgba.Pix[4*i+1]
			}
			m = g
		}
		var buf bytes.Buffer
		if err := stdjpeg.Encode(&buf, m, &stdjpeg.Options{Quality: int(q%100) + 1}); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		ref := reference(t, data)
		for _, s := range []int{1, 2, 4, 8} {
			got, err := jpeg.Decode(data, jpeg.Options{Scale: s})
			if err != nil {
				t.Fatalf("1/%d: %v", s, err)
			}
			if s == 1 {
				maxd, mean := compare(t, "fuzz", got, ref)
				if maxd > tolScale1Max || mean > tolScale1Mean && w*h >= 256 { // a mean over a few pixels is noise
					t.Fatalf("scale 1: max %d mean %.3f", maxd, mean)
				}
				continue
			}
			if _, mean := compare(t, "fuzz", got, boxDown(ref, s)); mean > tolScaledMean && w >= 16*s && h >= 16*s {
				t.Fatalf("1/%d: mean %.3f against the box filter", s, mean)
			}
		}
	})
}
