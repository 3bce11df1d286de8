package embed

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// testImage is a w x h gradient with a distinct top-left quadrant, so orientation shows.
func testImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), 128, 255}
			if x < w/2 && y < h/2 {
				c = color.RGBA{250, 250, 250, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func encJPEG(t testing.TB, m image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t testing.TB, m image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tiffWithOrientation is a TIFF header whose IFD0 holds one entry: orientation o.
func tiffWithOrientation(o uint16, bigEndian bool) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	hdr := "II"
	if bigEndian {
		bo, hdr = binary.BigEndian, "MM"
	}
	tiff := make([]byte, 8+2+12+4)
	copy(tiff, hdr)
	bo.PutUint16(tiff[2:], 42)
	bo.PutUint32(tiff[4:], 8)
	bo.PutUint16(tiff[8:], 1)
	e := tiff[10:]
	bo.PutUint16(e[0:], 0x0112)
	bo.PutUint16(e[2:], 3)
	bo.PutUint32(e[4:], 1)
	bo.PutUint16(e[8:], o)
	return tiff
}

// withOrientation inserts an APP1 EXIF segment carrying orientation o after SOI.
func withOrientation(jpg []byte, o uint16, bigEndian bool) []byte {
	body := append([]byte("Exif\x00\x00"), tiffWithOrientation(o, bigEndian)...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	seg = append(seg, body...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestDecodeBase64(t *testing.T) {
	raw := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x01, 0xFE, 0xFB}
	std := base64.StdEncoding.EncodeToString(raw)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"std", std, true},
		{"raw std", base64.RawStdEncoding.EncodeToString(raw), true},
		{"url", base64.URLEncoding.EncodeToString(raw), true},
		{"raw url", base64.RawURLEncoding.EncodeToString(raw), true},
		{"data url", "data:image/jpeg;base64," + std, true},
		{"line breaks", std[:4] + "\r\n" + std[4:] + "\n", true},
		{"spaces around", "  " + std + " ", true},
		{"empty", "", false},
		{"data url without base64", "data:image/jpeg," + std, false},
		{"garbage", "!!!not base64???", false},
		{"truncated", std[:len(std)-3], false},
	}
	for _, tt := range tests {
		got, err := DecodeBase64(tt.in)
		if tt.ok {
			if err != nil || !bytes.Equal(got, raw) {
				t.Errorf("%s: got %x, %v; want %x", tt.name, got, err, raw)
			}
		} else if !errors.Is(err, ErrBase64) {
			t.Errorf("%s: err = %v, want ErrBase64", tt.name, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	small := testImage(32, 24)
	jpg, pngb := encJPEG(t, small), encPNG(t, small)
	big := encPNG(t, image.NewGray(image.Rect(0, 0, 12001, 10)))
	wide := encPNG(t, image.NewGray(image.Rect(0, 0, 12000, 10)))
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), Limits{}, ErrImageType},
		{"empty", nil, Limits{}, ErrImageType},
		{"text", []byte("hello"), Limits{}, ErrImageType},
		{"truncated jpeg", jpg[:len(jpg)/2], Limits{}, ErrImageCorrupt},
		{"truncated png", pngb[:len(pngb)/2], Limits{}, ErrImageCorrupt},
		{"jpeg magic only", []byte{0xFF, 0xD8, 0xFF}, Limits{}, ErrImageCorrupt},
		{"too many bytes", jpg, Limits{MaxBytes: 100}, ErrImageTooLarge},
		{"side over default", big, Limits{}, ErrImageTooLarge},
		{"side at default", wide, Limits{}, nil},
		{"side over limit", jpg, Limits{MaxSide: 31}, ErrImageTooLarge},
		{"pixels over budget", jpg, Limits{MaxPixels: 32*24 - 1}, ErrImageTooLarge},
		{"pixels at budget", jpg, Limits{MaxPixels: 32 * 24}, nil},
		{"png bomb header", pngBomb(), Limits{}, ErrImageTooLarge},
		{"jpeg bomb header", jpegBomb(t), Limits{}, ErrImageTooLarge},
	}
	for _, tt := range tests {
		if _, err := Decode(tt.data, tt.lim); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// pngBomb is a PNG whose IHDR declares 60000 x 60000 pixels.
func pngBomb() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 60000)
	binary.BigEndian.PutUint32(ihdr[4:], 60000)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	writeChunk(&b, "IHDR", ihdr)
	writeChunk(&b, "IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	writeChunk(&b, "IEND", nil)
	return b.Bytes()
}

func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc(append([]byte(typ), data...)))
	b.Write(n[:])
}

func crc(p []byte) uint32 {
	// CRC-32/IEEE, as PNG uses.
	c := ^uint32(0)
	for _, v := range p {
		c ^= uint32(v)
		for k := 0; k < 8; k++ {
			if c&1 != 0 {
				c = c>>1 ^ 0xEDB88320
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}

// jpegBomb patches a small JPEG's SOF0 to declare 65000 x 65000.
func jpegBomb(t *testing.T) []byte {
	b := encJPEG(t, testImage(16, 16))
	for i := 2; i+9 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] == 0xC0 {
			binary.BigEndian.PutUint16(b[i+5:], 65000)
			binary.BigEndian.PutUint16(b[i+7:], 65000)
			return b
		}
	}
	t.Fatal("no SOF0")
	return nil
}

func TestDecodeFormats(t *testing.T) {
	src := testImage(40, 30)
	nrgba := image.NewNRGBA(src.Bounds())
	for i := range nrgba.Pix {
		nrgba.Pix[i] = src.Pix[i]
	}
	gray := image.NewGray(src.Bounds())
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i)
	}
	for _, tt := range []struct {
		name string
		data []byte
		tol  int
	}{
		{"jpeg", encJPEG(t, src), 40},
		{"png rgba", encPNG(t, src), 0},
		{"png nrgba", encPNG(t, nrgba), 0},
	} {
		m, err := Decode(tt.data, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if m.W != 40 || m.H != 30 {
			t.Fatalf("%s: %dx%d", tt.name, m.W, m.H)
		}
		for _, xy := range [][2]int{{0, 0}, {39, 29}, {30, 5}} {
			r, g, b, _ := src.At(xy[0], xy[1]).RGBA()
			i := 3 * (xy[1]*m.W + xy[0])
			for c, want := range []uint32{r >> 8, g >> 8, b >> 8} {
				if d := int(m.Pix[i+c]) - int(want); d > tt.tol || d < -tt.tol {
					t.Errorf("%s: pixel %v channel %d = %d, want %d", tt.name, xy, c, m.Pix[i+c], want)
				}
			}
		}
	}
	m, err := Decode(encPNG(t, gray), Limits{})
	if err != nil || m.Pix[3*7] != 7 || m.Pix[3*7+2] != 7 {
		t.Fatalf("gray png: %v", err)
	}
}

func TestOrientation(t *testing.T) {
	src := testImage(40, 20) // bright block in the top-left quadrant
	jpg := encJPEG(t, src)
	// Where the bright block ends up after applying each orientation: quadrant centre.
	tests := []struct {
		o      uint16
		w, h   int
		bx, by int
	}{
		{1, 40, 20, 10, 5},
		{2, 40, 20, 30, 5},
		{3, 40, 20, 30, 15},
		{4, 40, 20, 10, 15},
		{5, 20, 40, 5, 10},
		{6, 20, 40, 15, 10},
		{7, 20, 40, 15, 30},
		{8, 20, 40, 5, 30},
		{9, 40, 20, 10, 5}, // invalid: ignored
	}
	for _, tt := range tests {
		for _, be := range []bool{false, true} {
			m, err := Decode(withOrientation(jpg, tt.o, be), Limits{})
			if err != nil {
				t.Fatalf("orientation %d: %v", tt.o, err)
			}
			if m.W != tt.w || m.H != tt.h {
				t.Fatalf("orientation %d: %dx%d, want %dx%d", tt.o, m.W, m.H, tt.w, tt.h)
			}
			if v := m.Pix[3*(tt.by*m.W+tt.bx)]; v < 230 {
				t.Errorf("orientation %d (big endian %v): block not at (%d,%d): %d", tt.o, be, tt.bx, tt.by, v)
			}
		}
	}
}

// pngWithChunk inserts a chunk of type typ after IHDR (8-byte signature + 25-byte IHDR),
// or before IEND when late; badCRC corrupts its checksum.
func pngWithChunk(pngb []byte, typ string, body []byte, late, badCRC bool) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	c = append(c, typ...)
	c = append(c, body...)
	sum := crc32.ChecksumIEEE(c[4:])
	if badCRC {
		sum ^= 1
	}
	c = binary.BigEndian.AppendUint32(c, sum)
	at := 8 + 25
	if late {
		at = len(pngb) - 12
	}
	out := append([]byte{}, pngb[:at]...)
	out = append(out, c...)
	return append(out, pngb[at:]...)
}

func TestPNGOrientation(t *testing.T) {
	pngb := encPNG(t, testImage(40, 20))
	tiff6 := tiffWithOrientation(6, true)
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"none", pngb, 1},
		{"exif 6", pngWithChunk(pngb, "eXIf", tiff6, false, false), 6},
		{"exif 3 little endian", pngWithChunk(pngb, "eXIf", tiffWithOrientation(3, false), false, false), 3},
		{"jpeg-style prefix", pngWithChunk(pngb, "eXIf", append([]byte("Exif\x00\x00"), tiff6...), false, false), 6},
		{"bad crc: no value, and the decoder refuses the file", pngWithChunk(pngb, "eXIf", tiff6, false, true), 1},
		{"after IDAT ignored", pngWithChunk(pngb, "eXIf", tiff6, true, false), 1},
		{"invalid value ignored", pngWithChunk(pngb, "eXIf", tiffWithOrientation(9, true), false, false), 1},
		{"other chunk", pngWithChunk(pngb, "tEXt", []byte("k\x00v"), false, false), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if o := pngOrientation(tt.data); o != tt.want {
				t.Fatalf("orientation = %d, want %d", o, tt.want)
			}
			m, err := Decode(tt.data, Limits{})
			if strings.HasPrefix(tt.name, "bad crc") {
				if !errors.Is(err, ErrImageCorrupt) {
					t.Fatalf("err = %v, want ErrImageCorrupt", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w, h := 40, 20
			if tt.want >= 5 {
				w, h = 20, 40
			}
			if m.W != w || m.H != h {
				t.Fatalf("decoded %dx%d, want %dx%d", m.W, m.H, w, h)
			}
		})
	}
	rotated := pngWithChunk(pngb, "eXIf", tiff6, false, false)
	for n := range len(rotated) { // every truncation parses without a value from a cut chunk
		if o := pngOrientation(rotated[:n]); o != 1 && n < 8+25+12+len(tiff6) {
			t.Fatalf("truncated at %d: orientation %d", n, o)
		}
	}
}

func TestJPEGOrientationBounded(t *testing.T) {
	jpg := withOrientation(encJPEG(t, testImage(8, 8)), 6, false)
	const segEnd = 2 + 4 + 6 + 26 // SOI, APP1 marker and length, "Exif\0\0", TIFF with one entry
	for n := 0; n < 64; n++ {     // every truncation parses; a cut APP1 never yields a value
		if o := jpegOrientation(jpg[:n]); o != 1 && n < segEnd {
			t.Fatalf("truncated at %d: orientation %d", n, o)
		}
	}
	if o := jpegOrientation(jpg); o != 6 {
		t.Fatalf("orientation = %d, want 6", o)
	}
}

func TestShrink(t *testing.T) {
	m := FromImage(testImage(3000, 1000))
	s := shrinkTo(m, 1280)
	if s.W != 1280 || s.H != 427 {
		t.Fatalf("shrinkTo: %dx%d", s.W, s.H)
	}
	if shrinkTo(m, 4000) != m {
		t.Fatal("shrinkTo enlarged or copied a small image")
	}
	// The right edge stays blue-ish red gradient at max: box filter keeps values in range.
	if v := s.Pix[3*(s.W-1)]; v < 240 {
		t.Fatalf("right edge red = %d", v)
	}
}

func FuzzDecode(f *testing.F) {
	img := testImage(17, 9)
	jpg := encJPEG(f, img)
	pngb := encPNG(f, img)
	f.Add(jpg)
	f.Add(pngb)
	f.Add(withOrientation(jpg, 6, true))
	f.Add(jpg[:len(jpg)/3])
	f.Add(pngb[:40])
	f.Add(pngWithChunk(pngb, "eXIf", tiffWithOrientation(8, false), false, false))
	f.Add(pngBomb())
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42})
	for _, name := range []string{"lossy.webp", "lossless.webp", "lossy-alpha.webp", "lossless-alpha.webp", "lossy-orient6.webp"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data, Limits{MaxSide: 512, MaxPixels: 1 << 16, MaxBytes: 1 << 20})
		if err != nil {
			if !errors.Is(err, ErrImageType) && !errors.Is(err, ErrImageCorrupt) && !errors.Is(err, ErrImageTooLarge) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if m.W <= 0 || m.H <= 0 || m.W > 512 || m.H > 512 || m.W*m.H > 1<<16 || len(m.Pix) != 3*m.W*m.H {
			t.Fatalf("bad image %dx%d len %d", m.W, m.H, len(m.Pix))
		}
		// The reduced JPEG decode (1/2..1/8 when the picture is large enough) is consistent
		// with the full one: same error class, and the size the scale implies.
		r, s, err := DecodeReduced(data, Limits{MaxSide: 512, MaxPixels: 1 << 16, MaxBytes: 1 << 20}, 8)
		if err != nil {
			t.Fatalf("full decode succeeded, reduced failed: %v", err)
		}
		if r.W != (m.W+s-1)/s || r.H != (m.H+s-1)/s || len(r.Pix) != 3*r.W*r.H {
			t.Fatalf("reduced at 1/%d: %dx%d, full %dx%d", s, r.W, r.H, m.W, m.H)
		}
	})
}

func FuzzDecodeBase64(f *testing.F) {
	f.Add([]byte("hello"), "data:image/png;base64,aGVsbG8=")
	f.Add([]byte{0xFF, 0xD8, 0xFF}, "_-_-")
	f.Add([]byte{}, "====")
	f.Fuzz(func(t *testing.T, raw []byte, text string) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			s := enc.EncodeToString(raw)
			got, err := DecodeBase64("data:image/jpeg;base64," + s)
			if len(raw) == 0 {
				if !errors.Is(err, ErrBase64) {
					t.Fatalf("empty payload: %v", err)
				}
				continue
			}
			if err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("round trip of %x via %v: %x, %v", raw, s, got, err)
			}
		}
		if _, err := DecodeBase64(text); err != nil && !errors.Is(err, ErrBase64) {
			t.Fatalf("unclassified error %v", err)
		}
	})
}

func TestYCbCrUpsampling(t *testing.T) {
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411} {
		m := image.NewYCbCr(image.Rect(0, 0, 9, 7), ratio)
		for i := range m.Y {
			m.Y[i] = uint8(30 + i)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = 100, 150
		}
		got := FromImage(m)
		// Constant chroma: every ratio gives exactly the standard conversion.
		for y := 0; y < 7; y++ {
			for x := 0; x < 9; x++ {
				r, g, b := color.YCbCrToRGB(m.Y[m.YOffset(x, y)], 100, 150)
				i := 3 * (y*9 + x)
				if got.Pix[i] != r || got.Pix[i+1] != g || got.Pix[i+2] != b {
					t.Fatalf("ratio %v at (%d,%d): %v, want %d %d %d", ratio, x, y, got.Pix[i:i+3], r, g, b)
				}
			}
		}
	}
	// 4:4:4 with every chroma value: exactly color.YCbCrToRGB (the inlined conversion).
	full := image.NewYCbCr(image.Rect(0, 0, 256, 256), image.YCbCrSubsampleRatio444)
	for i := range full.Y {
		full.Y[i], full.Cb[i], full.Cr[i] = uint8(i*7), uint8(i), uint8(i>>8)
	}
	got444 := FromImage(full)
	for i := range full.Y {
		r, g, b := color.YCbCrToRGB(full.Y[i], full.Cb[i], full.Cr[i])
		if got444.Pix[3*i] != r || got444.Pix[3*i+1] != g || got444.Pix[3*i+2] != b {
			t.Fatalf("4:4:4 pixel %d: %v, want %d %d %d", i, got444.Pix[3*i:3*i+3], r, g, b)
		}
	}
	// A horizontal chroma step in 4:2:0 is interpolated 3:1 next to the edge.
	m := image.NewYCbCr(image.Rect(0, 0, 8, 2), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = 128
	}
	for i := range m.Cr {
		m.Cr[i] = 128
		if i%m.CStride >= 2 {
			m.Cr[i] = 228 // chroma columns 2, 3: pixels 4..7
		}
	}
	got := FromImage(m)
	red := func(x int) uint8 { return got.Pix[3*x] }
	if !(red(2) == red(0) && red(3) > red(2) && red(4) > red(3) && red(4) < red(7) && red(5) == red(7)) {
		t.Fatalf("step not interpolated: %d %d %d %d %d %d %d %d", red(0), red(1), red(2), red(3), red(4), red(5), red(6), red(7))
	}
}
