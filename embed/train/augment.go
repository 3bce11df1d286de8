package train

import (
	"bytes"
	"image/jpeg"
	"math/rand/v2"

	"github.com/wajah-id/wajah/embed"
)

// AugmentVersion names what Augment draws; feature caches of augmented images are keyed by
// it, so that a change here never reuses copies drawn by the old one.
const AugmentVersion = 1

// Augment returns a randomly degraded copy of img for training the mask classifier, so
// that it cannot tell masks from faces by a source's resolution, framing, sharpness,
// compression or colour (the shortcut the first classifier learned, embed/maskmodel/README.md):
// a crop of 85-100% of the frame at a jittered offset, a shrink to 40-100%, a box blur
// (p 0.3), greyscale (p 0.25), per-channel gain 0.8-1.2, and a JPEG round trip at quality
// 20-90. Deterministic for an rng state.
func Augment(img *embed.RGB, rng *rand.Rand) *embed.RGB {
	// Crop jitter.
	f := 0.85 + 0.15*rng.Float64()
	cw, ch := max(12, int(f*float64(img.W))), max(12, int(f*float64(img.H)))
	cw, ch = min(cw, img.W), min(ch, img.H)
	x0, y0 := rng.IntN(img.W-cw+1), rng.IntN(img.H-ch+1)
	out := embed.NewRGB(cw, ch)
	for y := 0; y < ch; y++ {
		copy(out.Pix[3*y*cw:3*(y+1)*cw], img.Pix[3*((y0+y)*img.W+x0):3*((y0+y)*img.W+x0+cw)])
	}
	// Scale.
	if s := 0.4 + 0.6*rng.Float64(); s < 0.97 {
		out = embed.Resize(out, max(12, int(s*float64(cw))), max(12, int(s*float64(ch))))
	}
	if rng.Float64() < 0.3 {
		out = boxBlur3(out)
	}
	grey := rng.Float64() < 0.25
	var gain [3]float64
	for i := range gain {
		gain[i] = 0.8 + 0.4*rng.Float64()
	}
	for i := 0; i < len(out.Pix); i += 3 {
		if grey {
			l := uint8(0.299*float32(out.Pix[i]) + 0.587*float32(out.Pix[i+1]) + 0.114*float32(out.Pix[i+2]) + 0.5) // Rec. 601 luma
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = l, l, l
		}
		for k := 0; k < 3; k++ {
			out.Pix[i+k] = uint8(min(255, float64(out.Pix[i+k])*gain[k]))
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, out.Image(), &jpeg.Options{Quality: 20 + rng.IntN(71)}); err != nil {
		return out
	}
	if d, err := embed.Decode(b.Bytes(), embed.Limits{}); err == nil {
		return d
	}
	return out
}

// boxBlur3 is a 3x3 mean filter with clamped edges.
func boxBlur3(img *embed.RGB) *embed.RGB {
	out := embed.NewRGB(img.W, img.H)
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			var s [3]int
			for dy := -1; dy <= 1; dy++ {
				yy := min(max(y+dy, 0), img.H-1)
				for dx := -1; dx <= 1; dx++ {
					xx := min(max(x+dx, 0), img.W-1)
					i := 3 * (yy*img.W + xx)
					s[0] += int(img.Pix[i])
					s[1] += int(img.Pix[i+1])
					s[2] += int(img.Pix[i+2])
				}
			}
			i := 3 * (y*img.W + x)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = uint8(s[0]/9), uint8(s[1]/9), uint8(s[2]/9)
		}
	}
	return out
}
