package config

import (
	"flag"

	"github.com/wajah-id/wajah/embed"
)

// ImageLimits are the image settings of Config: the pixel budget (checked from the header,
// 493 beyond it) and the decode memory budget shared by concurrent requests.
type ImageLimits struct {
	MaxImagePixels int // max-image-pixels: width x height as declared
	MaxImageSide   int // max-image-side: longer side as declared
	MaxDecodeMB    int // max-decode-mb: estimated decode memory of requests worked on at once

	// EmbedPrecision (embed-precision): the embedding model's arithmetic, fp32 (default), auto or
	// bf16 (embed.Options.Precision; part of the model id, so a store enrolled under one
	// refuses the other). Start-up fails where the CPU lacks AVX512_BF16.
	EmbedPrecision string
}

// DefaultImageLimits: 50 MP and 12,000 px (an 8000x6000 phone photo fits), 1024 MB of
// decode memory (DecodeCost: a 48 MP JPEG ~23 MB at the decode scale, a 48 MP PNG ~546 MB).
func DefaultImageLimits() ImageLimits {
	return ImageLimits{MaxImagePixels: embed.DefaultLimits.MaxPixels, MaxImageSide: embed.DefaultLimits.MaxSide, MaxDecodeMB: 1024, EmbedPrecision: embed.PrecisionFP32}
}

func (l *ImageLimits) bind(fs *flag.FlagSet) {
	fs.IntVar(&l.MaxImagePixels, "max-image-pixels", l.MaxImagePixels, "largest image accepted, width x height from the header (493 beyond)")
	fs.IntVar(&l.MaxImageSide, "max-image-side", l.MaxImageSide, "largest image side accepted in pixels (493 beyond)")
	fs.StringVar(&l.EmbedPrecision, "embed-precision", l.EmbedPrecision, "embedding model precision: fp32, bf16 (AVX512_BF16 CPUs) or auto (bf16 where the CPU has it); changes the model id: galleries enrolled under another refuse it")
	fs.IntVar(&l.MaxDecodeMB, "max-decode-mb", l.MaxDecodeMB, "decode memory of requests worked on at once, estimated from headers; more wait until their deadline (0: unbounded)")
}

// EmbedOptions are the face pipeline's options from the image settings.
func (l ImageLimits) EmbedOptions() embed.Options {
	return embed.Options{
		Limits:         embed.Limits{MaxPixels: l.MaxImagePixels, MaxSide: l.MaxImageSide},
		MaxDecodeBytes: int64(l.MaxDecodeMB) << 20,
		Precision:      l.EmbedPrecision,
	}
}
