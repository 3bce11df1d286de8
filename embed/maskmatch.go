package embed

import "errors"

// Masked matching. A mask hides the lower half of the face, which moves a masked probe's
// embedding away from the same person's unmasked enrolment (LFW View 1 pairs with a
// synthetic mask on one side: see embed/README.md "Masked faces"). The remedy chosen there
// by measurement on train pairs is the overlay: the enrolment's aligned crop and the masked
// probe's both get the same synthetic masks drawn over them (MaskedTemplates, one per
// DevMaskStyles style), so that their lower halves agree whatever the probe's real mask
// looks like, and MaskedScore averages the style-by-style cosines with the plain one.
// Also measured and not chosen: matching the probe against the enrolment's overlays only,
// and an upper-face embedding (UpperFace).

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

// MaskedScore is the masked path's score of a masked probe against one enrolled face: the
// mean of the plain cosine and the mean style-by-style cosine of their MaskedTemplates
// (both from MaskedTemplates, same style order). Without overlays on both sides it is the
// plain cosine.
func MaskedScore(probe []float32, probeOverlays [][]float32, enrolled []float32, enrolledOverlays [][]float32) float32 {
	c := Cosine(probe, enrolled)
	n := min(len(probeOverlays), len(enrolledOverlays))
	if n == 0 {
		return c
	}
	var s float32
	for k := 0; k < n; k++ {
		s += Cosine(probeOverlays[k], enrolledOverlays[k])
	}
	return (c + s/float32(n)) / 2
}

// BestCosine is the largest cosine of probe against any of the templates (-1 for none).
func BestCosine(probe []float32, templates [][]float32) float32 {
	best := float32(-1)
	for _, t := range templates {
		best = max(best, Cosine(probe, t))
	}
	return best
}

// Landmark subsets for Experimental.MaskedAlign: under a mask ONet guesses the mouth corners
// (and less often the nose tip), which tilts and scales a five-point alignment.
const (
	MaskedAlignFive     = "five"      // all five landmarks, as for an unmasked face
	MaskedAlignEyesNose = "eyes-nose" // eyes and nose tip
	MaskedAlignEyes     = "eyes"      // the eyes only
	MaskedAlignFacemesh = "facemesh"  // all five, read off MediaPipe's face mesh (facemesh.go)
)

// maskedAlignPoints maps an Experimental.MaskedAlign value to landmark indices (nil: all five).
func maskedAlignPoints(mode string) []int {
	switch mode {
	case MaskedAlignEyesNose:
		return []int{LeftEye, RightEye, Nose}
	case MaskedAlignEyes:
		return []int{LeftEye, RightEye}
	}
	return nil
}

// AlignMasked returns the aligned crop of a face the classifier calls masked, from the
// landmark subset Experimental.MaskedAlign names (AlignFace's crop for "five").
func (p *Pipeline) AlignMasked(d *Decoded, f *Face) (*RGB, error) {
	if p.mesh != nil {
		lm, err := p.mesh.five(d.Full, fullBox(d, f.Box))
		if err != nil {
			return nil, err
		}
		return Align(d.Full, lm), nil
	}
	idx := maskedAlignPoints(p.opts.Experimental.MaskedAlign)
	if idx == nil {
		return p.AlignFace(d, f), nil
	}
	src, s := alignSource(d, f)
	from, to := make([]Point, len(idx)), make([]Point, len(idx))
	for i, k := range idx {
		from[i] = Point{f.Landmarks[k].X / s, f.Landmarks[k].Y / s}
		to[i] = arcface112[k]
	}
	return warpAffine(src, similarity(from, to), AlignSize, AlignSize), nil
}

// completeMasked adds the overlays (MaskedTemplates) to an enrolled face or a face the
// classifier calls masked, re-aligning and re-embedding the latter first when
// Experimental.MaskedAlign asks for it. Any other face keeps the aligned crop Complete
// embedded for CompleteOverlays.
func (p *Pipeline) completeMasked(d *Decoded, f *Face, purpose Purpose) error {
	if purpose != PurposeEnroll && !f.Masked {
		return nil
	}
	var crop *RGB
	if f.Masked && p.opts.Experimental.MaskedAlign != MaskedAlignFive {
		var err error
		if crop, err = p.AlignMasked(d, f); err != nil {
			return err
		}
		emb, _, err := p.EmbedFace(crop)
		if err != nil {
			return err
		}
		f.Embedding = emb
	} else if crop = f.aligned; crop == nil {
		crop = p.AlignFace(d, f)
	}
	var err error
	f.MaskedTemplates, err = p.MaskedTemplates(crop)
	return err
}

// ErrNoAlignedCrop: CompleteOverlays was given a face that Extract did not return.
var ErrNoAlignedCrop = errors.New("embed: face has no aligned crop to draw overlays on")

// CompleteOverlays adds the overlays to a face Extract returned without them (an unmasked
// face at verification): what an enrolment would have stored, for matching it against a
// masked face (compare). Three embedding runs; a face that has them is left as it is.
func (p *Pipeline) CompleteOverlays(f *Face) error {
	if f.MaskedTemplates != nil {
		return nil
	}
	if f.aligned == nil {
		return ErrNoAlignedCrop
	}
	var err error
	f.MaskedTemplates, err = p.MaskedTemplates(f.aligned)
	return err
}
