package embed

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/webp"
	"golang.org/x/sync/semaphore"

	wjpeg "github.com/wajah-id/wajah/internal/jpeg"
)

// DecodeCost estimates, from the header alone, the bytes that decoding data for a pipeline
// with this working side holds until the face is extracted: the decoder's pixel (and, for
// progressive JPEG, coefficient) memory at the scale it will decode at, the RGB image, an
// EXIF-rotated copy, the working copy for detection and detection's own buffers. It returns 0 for data that Decode
// will refuse anyway (unknown type, damaged header, over the limits): refusing costs nothing.
//
// PNG and WebP have no reduced decode: a 48 MP PNG costs about 10 bytes per pixel
// (image/png's RGBA, our RGB, the rotated copy), ~480 MB; the same photo as JPEG about 20 MB.
func DecodeCost(data []byte, lim Limits, workSide int) int64 {
	return decodeCost(data, lim, workSide, workSide, 0)
}

// decodeCost is DecodeCost for a pipeline that picks the JPEG scale by decodeSide and
// shrinks to workSide (Options.DecodeSide, WorkSide); scale > 0 forces that JPEG scale
// (the finer decode of a small face, finer.go).
func decodeCost(data []byte, lim Limits, decodeSide, workSide, scale int) int64 {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return 0
	}
	var w, h int
	var dec int64 // the format decoder's own pixel memory
	switch Sniff(data) {
	case FormatJPEG:
		c, err := wjpeg.DecodeConfig(data)
		if err != nil || lim.check(c.Width, c.Height) != nil {
			return 0
		}
		s := jpegScale(c.Width, c.Height, decodeSide)
		if scale > 0 {
			s = scale
		}
		if c.Components == 4 { // image/jpeg fallback: CMYK at full size
			s = 1
			dec = 4 * int64(c.Width) * int64(c.Height)
		} else {
			dec = wjpeg.EstimateBytes(c, s) - 3*int64((c.Width+s-1)/s)*int64((c.Height+s-1)/s)
		}
		w, h = (c.Width+s-1)/s, (c.Height+s-1)/s
	case FormatPNG, FormatWebP:
		var c image.Config
		var err error
		if Sniff(data) == FormatPNG {
			c, err = png.DecodeConfig(bytes.NewReader(data))
		} else {
			c, err = webp.DecodeConfig(bytes.NewReader(data))
		}
		if err != nil || lim.check(c.Width, c.Height) != nil {
			return 0
		}
		w, h = c.Width, c.Height
		dec = int64(float64(w*h) * bytesPerPixel(c.ColorModel))
	default:
		return 0
	}
	px := int64(w) * int64(h)
	work := int64(0)
	if ws := int64(max(workSide, 1)); int64(max(w, h)) > ws {
		// Box halvings (each a quarter of the last) and the final bilinear copy.
		work = px + 3*min(px, ws*ws)
	}
	// Detection's working memory: PNet's first pyramid level and its activations, about 24
	// bytes per working pixel when the smallest box is MinDetect (20 px). Without it a smaller
	// decode scale let more detections run at once than the budget meant to allow.
	ws := int64(max(workSide, 1))
	det := 24 * min(px, ws*ws)
	return dec + 2*3*px + work + det
}

// bytesPerPixel is what image/png and x/image/webp allocate per pixel for a colour model.
func bytesPerPixel(m color.Model) float64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.YCbCrModel: // lossy WebP, 4:2:0
		return 1.5
	case color.NYCbCrAModel:
		return 2.5
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA
}

// admission bounds the decode memory that concurrent extractions hold (Options.MaxDecodeBytes).
type admission struct {
	sem   *semaphore.Weighted
	limit int64
}

func newAdmission(limit int64) *admission {
	if limit <= 0 {
		return nil
	}
	return &admission{sem: semaphore.NewWeighted(limit), limit: limit}
}

// acquire waits until cost bytes fit under the budget, at most until ctx ends (then
// ErrBusy). A single image dearer than the whole budget waits for all of it, running alone.
// The returned release must be called once.
func (a *admission) acquire(ctx context.Context, cost int64) (func(), error) {
	if a == nil || cost <= 0 {
		return func() {}, nil
	}
	cost = min(cost, a.limit)
	if err := a.sem.Acquire(ctx, cost); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBusy, err)
	}
	return func() { a.sem.Release(cost) }, nil
}
