package embed

import "context"

// coarseFrac: a verification first searches only faces whose box is at least this fraction
// of the working image's shorter side (and at least the gate's minimum box). The first
// PNet pyramid levels, which look for the smallest faces, cost most of the detection
// (their area falls with the square of the smallest box); a face of a tenth of the frame
// is small for a photo taken to be verified, and when none is found the full search runs.
const coarseFrac = 0.1

// DetectFor detects faces for purpose. For verification only the largest face counts, so
// it first searches down to coarseFrac of the shorter side and runs the full search
// (Detect: down to the gate's minimum box, with the tight fallbacks) only when that finds
// nothing; any face the coarse pass misses is smaller than the one it found. Enrolment
// needs every similarly large face (414) and runs the full search, as do Experimental.DetectFrac, whose
// search is already coarse, and the BlazeFace first stage.
func (p *Pipeline) DetectFor(ctx context.Context, d *Decoded, purpose Purpose) ([]Face, error) {
	if purpose != PurposeVerify || p.blaze != nil || p.opts.Experimental.DetectFrac > 0 {
		return p.Detect(ctx, d)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	full := p.minBox(d)
	if coarse := int(coarseFrac * float32(min(d.Work.W, d.Work.H))); coarse > full {
		boxes, err := p.det.detect(d.Work, coarse)
		if err != nil {
			return nil, err
		}
		if len(boxes) > 0 {
			return p.toFaces(d, boxes), nil
		}
	}
	return p.Detect(ctx, d)
}
