package embed

// Masked matching. A mask hides the lower half of the face, which moves a masked probe's
// embedding away from the same person's unmasked enrolment (LFW View 1 test pairs with a
// synthetic mask on one side: see embed/README.md "Masked faces"). Two remedies are built
// here and measured there: masked templates (the enrolment's aligned crop with synthetic
// masks drawn on it, so that a masked probe meets a masked version of the enrolment) and an
// upper-face embedding (both crops with everything below the nose bridge greyed out).

// templateSeed fixes the enrolment templates' drawing: they must not change between
// enrolments, releases or machines, since stored galleries hold them.
const templateSeed = 0x6d61736b // "mask"

// MaskedTemplates embeds an aligned 112x112 crop once per DevMaskStyles style with that
// mask drawn on it (one batch), returning L2-normalized embeddings in style order.
func (p *Pipeline) MaskedTemplates(crop *RGB) ([][]float32, error) {
	crops := make([]*RGB, len(DevMaskStyles))
	for i, s := range DevMaskStyles {
		crops[i] = MaskCrop(crop, s, templateSeed+uint64(i))
	}
	return p.EmbedCrops(crops...)
}

// upperCut is the first row of the aligned crop UpperFace greys out: just below the eyes
// (template eye line at y 51.7, nose tip at 71.7), where a mask's upper edge sits.
const upperCut = 60

// UpperFace returns a copy of an aligned crop with rows from upperCut down set to mid-grey,
// MobileFaceNet's zero input, so that mask and mouth contribute nothing.
func UpperFace(crop *RGB) *RGB {
	out := &RGB{W: crop.W, H: crop.H, Pix: append([]uint8(nil), crop.Pix...)}
	for i := 3 * upperCut * crop.W; i < len(out.Pix); i++ {
		out.Pix[i] = 128
	}
	return out
}

// BestCosine is the largest cosine of probe against any of the templates (-1 for none).
func BestCosine(probe []float32, templates [][]float32) float32 {
	best := float32(-1)
	for _, t := range templates {
		best = max(best, Cosine(probe, t))
	}
	return best
}
