package embed

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// webpSource is the image the testdata WebP files were encoded from (see testdata/README.md).
func webpSource(alpha bool) *image.NRGBA {
	w, h := 40, 30
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{uint8(x * 255 / (w - 1)), uint8(y * 255 / (h - 1)), 128, 255}
			if x < w/2 && y < h/2 {
				c = color.NRGBA{250, 250, 250, 255}
			}
			if alpha && x >= 5 {
				c.A = uint8(255 - x*6)
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

func readTestdata(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// maxDiff is the largest channel difference between an RGB image and want composited over
// white.
func maxDiff(t *testing.T, got *RGB, want image.Image) int {
	t.Helper()
	ref := toRGBGeneric(want)
	if got.W != ref.W || got.H != ref.H {
		t.Fatalf("size %dx%d, want %dx%d", got.W, got.H, ref.W, ref.H)
	}
	d := 0
	for i := range got.Pix {
		d = max(d, abs(int(got.Pix[i])-int(ref.Pix[i])))
	}
	return d
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// toRGBGeneric is the specification of every toRGB fast path: image.At, composited over
// white.
func toRGBGeneric(src image.Image) *RGB {
	b := src.Bounds()
	dst := NewRGB(b.Dx(), b.Dy())
	o := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, a := src.At(x, y).RGBA()
			ia := 0xffff - a
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2] = uint8((r+ia)>>8), uint8((g+ia)>>8), uint8((bb+ia)>>8)
			o += 3
		}
	}
	return dst
}

func TestDecodeWebP(t *testing.T) {
	for _, tt := range []struct {
		file  string
		alpha bool
		tol   int // lossy: VP8's 4:2:0 chroma at q 95 smears the block's sharp colour edge
	}{
		{"lossless.webp", false, 0},
		{"lossless-alpha.webp", true, 1},
		{"lossy.webp", false, 64},
		{"lossy-alpha.webp", true, 64},
	} {
		data := readTestdata(t, tt.file)
		if Sniff(data) != FormatWebP {
			t.Fatalf("%s: not sniffed as WebP", tt.file)
		}
		m, err := Decode(data, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if d := maxDiff(t, m, webpSource(tt.alpha)); d > tt.tol {
			t.Errorf("%s: max channel difference %d > %d", tt.file, d, tt.tol)
		}
		// The fade to white must show: the right edge is near white for alpha files.
		if tt.alpha {
			if v := m.Pix[3*(15*m.W+39)+2]; v < 200 {
				t.Errorf("%s: blue at the transparent edge = %d, want near white", tt.file, v)
			}
		}
		if _, err := Decode(data, Limits{MaxPixels: 40*30 - 1}); !errors.Is(err, ErrImageTooLarge) {
			t.Errorf("%s: budget one pixel short: err = %v", tt.file, err)
		}
		if _, err := Decode(data[:len(data)-20], Limits{}); !errors.Is(err, ErrImageCorrupt) {
			t.Errorf("%s: truncated: err = %v", tt.file, err)
		}
	}
	m, err := Decode(readTestdata(t, "lossy-orient6.webp"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// Orientation 6 turns the 40x30 image 90 degrees clockwise: the bright block is top-right.
	if m.W != 30 || m.H != 40 || m.Pix[3*(5*30+25)] < 230 || m.Pix[3*(5*30+5)] > 200 {
		t.Fatalf("orientation 6 not applied: %dx%d", m.W, m.H)
	}
}

// The PNG fast paths (16-bit, palette) agree with image.At exactly.
func TestPNGFastPaths(t *testing.T) {
	src := webpSource(true)
	b := src.Bounds()
	n64 := image.NewNRGBA64(b)
	r64 := image.NewRGBA64(b)
	g16 := image.NewGray16(b)
	pal := image.NewPaletted(b, color.Palette{color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 128}, color.Gray{77}})
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := src.NRGBAAt(x, y)
			c64 := color.NRGBA64{uint16(c.R)*257 + uint16(x), uint16(c.G) * 257, uint16(c.B)*257 + 3, uint16(c.A)*257 - uint16(y)}
			n64.SetNRGBA64(x, y, c64)
			r64.Set(x, y, c64)
			g16.SetGray16(x, y, color.Gray16{uint16(x*1500 + y)})
			pal.SetColorIndex(x, y, uint8((x+y)%3))
		}
	}
	for _, tt := range []struct {
		name string
		m    image.Image
	}{{"nrgba64", n64}, {"rgba64", r64}, {"gray16", g16}, {"paletted", pal}} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, tt.m); err != nil {
			t.Fatal(err)
		}
		dec, err := png.Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []image.Image{tt.m, dec} { // what we built, and what image/png returns
			if d := maxDiff(t, toRGB(m), m); d > 1 {
				t.Errorf("%s (%T): fast path differs from image.At by %d", tt.name, m, d)
			}
		}
	}
}
