package embed

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"

	"golang.org/x/image/webp"

	wjpeg "github.com/wajah-id/wajah/internal/jpeg"
)

// Limits bound what Decode accepts; zero fields take the defaults. Both pixel limits are
// checked against the header before any pixel memory is allocated.
type Limits struct {
	MaxBytes  int // encoded size; default 24 MiB (a 48 MP phone JPEG is 10-25 MB)
	MaxPixels int // width x height as declared; default 50,000,000 (an 8000x6000 phone photo is 48 MP)
	MaxSide   int // the longer side as declared; default 12,000
}

// DefaultLimits are the defaults.
var DefaultLimits = Limits{MaxBytes: 24 << 20, MaxPixels: 50_000_000, MaxSide: 12000}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultLimits.MaxSide
	}
	return l
}

// check refuses a declared size beyond the limits (ErrImageTooLarge) or a degenerate one.
func (l Limits) check(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: %dx%d", ErrImageCorrupt, w, h)
	}
	if w > l.MaxSide || h > l.MaxSide {
		return fmt.Errorf("%w: %dx%d: a side is over %d px", ErrImageTooLarge, w, h, l.MaxSide)
	}
	if int64(w)*int64(h) > int64(l.MaxPixels) {
		return fmt.Errorf("%w: %dx%d is over %d pixels", ErrImageTooLarge, w, h, l.MaxPixels)
	}
	return nil
}

// DecodeBase64 decodes image text as clients send it: optionally a data URL
// ("data:image/jpeg;base64,..."), standard or URL alphabet, padded or not, with line breaks
// or spaces anywhere.
func DecodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "data:") {
		i := strings.IndexByte(s, ',')
		if i < 0 || !strings.Contains(s[:i], ";base64") {
			return nil, ErrBase64
		}
		s = s[i+1:]
	}
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n':
				return -1
			}
			return r
		}, s)
	}
	if s == "" {
		return nil, ErrBase64
	}
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") {
		enc = enc.WithPadding(base64.NoPadding)
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBase64, err)
	}
	return b, nil
}

// Format names the sniffed container.
type Format int

const (
	FormatUnknown Format = iota
	FormatJPEG
	FormatPNG
	FormatWebP
)

// Sniff recognizes JPEG, PNG and WebP by their magic bytes (never by a declared MIME type).
func Sniff(data []byte) Format {
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return FormatJPEG
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		return FormatPNG
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return FormatWebP
	}
	return FormatUnknown
}

// Decode turns JPEG, PNG or WebP bytes into an upright RGB image at full resolution. The
// dimensions are read from the header first, so an oversized or bomb image is refused
// before its pixels are allocated.
func Decode(data []byte, lim Limits) (*RGB, error) {
	img, _, err := DecodeReduced(data, lim, 0)
	return img, err
}

// DecodeReduced is Decode for a consumer that needs only minSide pixels on the longer side:
// a JPEG is decoded with DCT-domain scaling at the smallest scale 1/2, 1/4 or 1/8 that still
// leaves its longer side >= minSide (minSide <= 0: full size). It returns the image and the
// scale: original pixels per returned pixel (1, 2, 4 or 8; always 1 for PNG and WebP).
func DecodeReduced(data []byte, lim Limits, minSide int) (*RGB, int, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, 0, fmt.Errorf("%w: %d bytes > %d", ErrImageTooLarge, len(data), lim.MaxBytes)
	}
	f := Sniff(data)
	if f == FormatJPEG {
		return decodeJPEG(data, lim, minSide)
	}
	var cfg func([]byte) (image.Config, error)
	var dec func([]byte) (image.Image, error)
	switch f {
	case FormatPNG:
		cfg = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		dec = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case FormatWebP:
		cfg = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		dec = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return nil, 0, ErrImageType
	}
	c, err := cfg(data)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrImageCorrupt, err)
	}
	if err := lim.check(c.Width, c.Height); err != nil {
		return nil, 0, err
	}
	m, err := dec(data)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrImageCorrupt, err)
	}
	if b := m.Bounds(); b.Dx() != c.Width || b.Dy() != c.Height {
		return nil, 0, fmt.Errorf("%w: header and pixels disagree", ErrImageCorrupt)
	}
	img := toRGB(m)
	if f == FormatPNG {
		img = orient(img, pngOrientation(data))
	} else {
		img = orient(img, webpOrientation(data))
	}
	return img, 1, nil
}

// jpegScale is the largest of 8, 4, 2 that keeps the longer side >= minSide, else 1.
func jpegScale(w, h, minSide int) int {
	if minSide <= 0 {
		return 1
	}
	long := max(w, h)
	for _, s := range []int{8, 4, 2} {
		if (long+s-1)/s >= minSide {
			return s
		}
	}
	return 1
}

// decodeJPEG decodes with internal/jpeg at the reduced scale. Four-component files (Adobe
// CMYK/YCCK: print workflows, not cameras) fall back to image/jpeg at full size, within the
// same pixel budget.
func decodeJPEG(data []byte, lim Limits, minSide int) (*RGB, int, error) {
	c, err := wjpeg.DecodeConfig(data)
	if err != nil {
		return nil, 0, jpegErr(err)
	}
	if err := lim.check(c.Width, c.Height); err != nil {
		return nil, 0, err
	}
	return decodeJPEGAt(data, lim, jpegScale(c.Width, c.Height, minSide))
}

// decodeJPEGAt decodes a JPEG whose header passed lim at DCT scale s (1, 2, 4 or 8).
func decodeJPEGAt(data []byte, lim Limits, s int) (*RGB, int, error) {
	m, err := wjpeg.Decode(data, wjpeg.Options{Scale: s, MaxPixels: lim.MaxPixels, MaxSide: lim.MaxSide})
	var img *RGB
	switch {
	case errors.Is(err, wjpeg.ErrCMYK):
		std, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrImageCorrupt, err)
		}
		img, s = toRGB(std), 1
	case err != nil:
		return nil, 0, jpegErr(err)
	default:
		img = &RGB{W: m.W, H: m.H, Pix: m.Pix}
	}
	return orient(img, jpegOrientation(data)), s, nil
}

// jpegErr classifies internal/jpeg's errors: too large 493 as ErrImageTooLarge, anything
// else (damaged, or a feature such as arithmetic coding that we refuse) as ErrImageCorrupt,
// with the decoder's reason kept in the message.
func jpegErr(err error) error {
	if errors.Is(err, wjpeg.ErrTooLarge) {
		return fmt.Errorf("%w: %w", ErrImageTooLarge, err)
	}
	return fmt.Errorf("%w: %w", ErrImageCorrupt, err)
}
