package embed

import "fmt"

// Experimental holds the switches that exist for measurements, not for serving: each
// reproduces a protocol or a "before" row of embed/README.md, or is a candidate not yet
// measured. `wajah eval`, the training-data commands and bench/lfwjpeg set them; a server
// leaves Options.Experimental zero (internal/config has no setting for any of them).
type Experimental struct {
	// DetectFrac > 0 searches faces down to that fraction of the working image's shorter
	// side (never below MinDetect) instead of the gate-derived minimum box, and skips
	// verification's coarse first search (coarse.go): the reference's LFW protocol (0.2).
	DetectFrac float32

	// NoTightFallback turns off the detection fallbacks (tight.go): when nothing is found,
	// MTCNN looks again with lower thresholds; then, in a frame of at most 640 working
	// pixels on its shorter side, on the frame padded with its edge pixels, and finally ONet
	// is asked about the frame itself. The pipeline as it was before them.
	NoTightFallback bool

	// MTCNNThresholds overrides PNet's, RNet's and ONet's score thresholds (a zero keeps
	// MTCNN.kt's 0.6, 0.7, 0.7); for measuring detection of masked faces (embed/README.md).
	MTCNNThresholds [3]float32

	// MaskedAlign picks the landmarks a face the classifier calls masked is re-aligned
	// from before its embedding and overlays are taken (maskmatch.go): MaskedAlignFive
	// (default, no re-alignment), MaskedAlignEyesNose, MaskedAlignEyes or MaskedAlignFacemesh
	// (the five points from MediaPipe's face mesh, facemesh.go). Measured, none better than
	// five (embed/README.md); the others change the masked path's vectors, so ModelID names them.
	MaskedAlign string

	// TightCropFloor is the ONet score a tight face crop (tight.go: near-square, at most
	// tightCropMaxSide working pixels) needs when every other fallback found nothing, in the
	// last-resort crop fallback: 0 is the default (tightFloorDefault), a value in
	// (0, tightONetThresh) sets another floor, a negative value turns the fallback off.
	// Whatever the floor, the face must also pass the faceness head (faceness.go) unless
	// NoFacenessGate is set.
	TightCropFloor float32

	// DeepThresholds (PNet, RNet, ONet) are those of the last look at any frame every other
	// fallback found nothing in, whose candidate is kept only when the faceness head calls
	// it a face (tight.go, deepRetry): zero is the default (deepRetryThresholds), a negative
	// first value turns the retry off.
	DeepThresholds [3]float32

	// NoFacenessGate takes the crop fallback's and the deep retry's faces without the
	// faceness head, for measuring what the head removes.
	NoFacenessGate bool

	// NoMaskedHead leaves the masked path's trained head (maskedhead.go) unloaded, so the
	// engine scores masked pairs as before it, on that rule's own anchor: the "before" rows
	// of embed/README.md "The masked path's head".
	NoMaskedHead bool

	// ShortRange is the score MediaPipe's short-range face detector (facemesh-detection-short,
	// blazeface.go) must give a tight face crop that every default fallback found nothing in,
	// padded as tight.go pads it; the face is then taken when ONet also scores the frame at
	// least shortRangeONetFloor, with ONet's landmarks. 0 keeps it off (the default);
	// measured in embed/README.md ("Masked faces": the short-range detector).
	ShortRange float32
}

func (x Experimental) withDefaults() Experimental {
	if x.MaskedAlign == "" {
		x.MaskedAlign = MaskedAlignFive
	}
	return x
}

func (x Experimental) validate() error {
	if x.TightCropFloor >= tightONetThresh {
		return fmt.Errorf("embed: tight-crop floor %v not below %v (negative: off)", x.TightCropFloor, tightONetThresh)
	}
	if x.ShortRange < 0 || x.ShortRange >= 1 {
		return fmt.Errorf("embed: short-range detector score %v outside [0, 1)", x.ShortRange)
	}
	switch x.MaskedAlign {
	case MaskedAlignFive, MaskedAlignEyesNose, MaskedAlignEyes, MaskedAlignFacemesh:
		return nil
	}
	return fmt.Errorf("embed: unknown masked alignment %q (want %q, %q, %q or %q)", x.MaskedAlign, MaskedAlignFive, MaskedAlignEyesNose, MaskedAlignEyes, MaskedAlignFacemesh)
}
