package embed

import "math"

// The mask classifier looks twice at a face it is unsure of. A face whose first
// probability lies within maskSecondLookMargin of either certainty is classified again
// on its mirror image and the two logits are averaged: the classifier's errors on one
// view are partly its own noise (a fold, a shadow, a cell of the map on one side), and a
// mask is as much a mask in the mirror. Measured on the validation split of
// embed/maskmodel/README.md ("Second look"): 23 errors become 18 at every margin from 0
// (always two looks) to 0.4; 0.2 keeps the cost to the faces that need it (2% of the split,
// fewer of ordinary frames), one MobileFaceNet run each.
const maskSecondLookMargin = 0.2

// SecondLook reports whether a first-look probability of a mask is one the classifier
// looks at again, on the mirrored crop.
func SecondLook(prob float32) bool {
	return prob > maskSecondLookMargin && prob < 1-maskSecondLookMargin
}

// CombineLooks is the probability of the mean of two looks' logits.
func CombineLooks(first, mirror float32) float32 {
	return sigmoid((logit(first) + logit(mirror)) / 2)
}

func logit(p float32) float32 {
	q := math.Min(math.Max(float64(p), 1e-7), 1-1e-7)
	return float32(math.Log(q / (1 - q)))
}

// MaskScore is m's probability of a mask for an aligned face, as Complete sets
// Face.MaskScore: one look, or two where the first is unsure (SecondLook; the second from
// MirrorMaskInput).
func (p *Pipeline) MaskScore(m *MaskModel, in MaskInput) (float32, error) {
	first := m.Predict(in)
	if !SecondLook(first) {
		return first, nil
	}
	mirror, err := p.MirrorMaskInput(in)
	if err != nil {
		return 0, err
	}
	return CombineLooks(first, m.Predict(mirror)), nil
}

// MirrorMaskInput is what the mask heads read of in's mirrored crop (the second look):
// from the embedding's own batch under Options.FlipTTA, else from one more run.
func (p *Pipeline) MirrorMaskInput(in MaskInput) (MaskInput, error) {
	if in.mirror != nil {
		return *in.mirror, nil
	}
	_, mi, err := p.embedMaskInput(Mirror(in.Crop))
	return mi, err
}
