package embed

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"

	"golang.org/x/image/webp"
)

// Limits bound what Decode accepts; zero fields take the defaults. Both pixel limits are
// checked against the header before any pixel memory is allocated.
type Limits struct {
	MaxBytes  int // encoded size; default 10 MiB
	MaxPixels int // width x height as declared; default 50,000,000 (an 8000x6000 phone photo is 48 MP)
	MaxSide   int // the longer side as declared; default 12,000
}

// DefaultLimits are the defaults.
var DefaultLimits = Limits{MaxBytes: 10 << 20, MaxPixels: 50_000_000, MaxSide: 12000}

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

// Decode turns JPEG, PNG or WebP bytes into an upright RGB image. The dimensions are read from the
// header first, so an oversized or bomb image is refused before its pixels are allocated.
func Decode(data []byte, lim Limits) (*RGB, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrImageTooLarge, len(data), lim.MaxBytes)
	}
	f := Sniff(data)
	var cfg func([]byte) (image.Config, error)
	var dec func([]byte) (image.Image, error)
	switch f {
	case FormatJPEG:
		cfg = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		dec = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case FormatPNG:
		cfg = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		dec = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case FormatWebP:
		cfg = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		dec = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return nil, ErrImageType
	}
	c, err := cfg(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImageCorrupt, err)
	}
	if err := lim.check(c.Width, c.Height); err != nil {
		return nil, err
	}
	m, err := dec(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImageCorrupt, err)
	}
	if b := m.Bounds(); b.Dx() != c.Width || b.Dy() != c.Height {
		return nil, fmt.Errorf("%w: header and pixels disagree", ErrImageCorrupt)
	}
	img := toRGB(m)
	switch f {
	case FormatJPEG:
		img = orient(img, jpegOrientation(data))
	case FormatPNG:
		img = orient(img, pngOrientation(data))
	case FormatWebP:
		img = orient(img, webpOrientation(data))
	}
	return img, nil
}
