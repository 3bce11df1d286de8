package embed

// The three anchors below are each path's score at FAR = 1e-3 over every cross-person pair
// of LFW View 1 **train** images (the pairs file's 1,100 impostors are too few for 1e-3:
// its second-highest one anchored 0.75 before 2026-12-07, which left the plain path at FAR
// 2.0e-3 on these pairs and the masked paths at 1.2-1.4e-3). Measured with the default
// pipeline (MTCNN, refining ONet pass, gated fallbacks; embed/README.md "Similarity
// mapping"):
//
//	wajah eval pairs --all-pairs --pairs pairs_test.tsv --train pairs_train.tsv --root ../shared/data/lfw-view1
//	wajah synth-mask --pairs pairs_train.tsv --root ../shared/data/lfw-view1 --out DIR  (and pairs_test.tsv)
//	wajah eval pairs --masked --all-pairs --pairs DIR/pairs_test.tsv --train DIR/pairs_train.tsv --root DIR
//
// (tables "all pairs of pairs_train.tsv's images", column "score at FAR 1e-3"; the test
// file's table reports FAR at the anchors on held-out people). Re-measure them whenever the
// detector, alignment, decoder, classifier or model changes.

// cosAtFAR1e3 is the plain path's anchor: the cosine at FAR 1e-3 over 5,923,194
// cross-person pairs of the 3,443 train images. The API's default threshold 0.75 sits there.
const cosAtFAR1e3 = 0.4490

// Similarity maps a cosine to the API's [0,1] scale, piecewise-linearly with three anchors:
// cos <= 0 (unrelated) -> 0, cos = cosAtFAR1e3 -> 0.75, cos = 1 -> 1. Monotonic, so any
// threshold on the scale is a threshold on the cosine; 0.75 sits at FAR 1e-3.
func Similarity(cos float32) float64 { return Anchored(float64(cos), cosAtFAR1e3) }

// cosMaskedAtFAR1e3 is the masked path's anchor (verify with a probe the classifier calls
// masked): its score (MaskedScore through the head, maskedhead.go) at FAR 1e-3 over pairs
// of a train image with a synthetic mask (the probe) and another person's unmasked train
// image, so that 0.75 means the same FAR on both paths. The head is fitted on those train
// images, so their own scores are in-sample: the anchor is `wajah train-wccn`'s held-out
// figure instead (2-fold by person, heads fitted on one fold and scored on the other,
// 1,769,302 impostor pairs; embed/maskmodel/README.md). A pipeline without the head keeps
// the anchor of MaskedScore itself (cosMaskedNoHeadAtFAR1e3). Not the real-mask figure: on masked-pairs'
// photos the plain path itself is far looser (README "Security model"), so anchoring the
// masked path alone there would make it much stricter than the plain one on the same
// people. A population unlike LFW's needs its own threshold for both paths.
const cosMaskedAtFAR1e3 = 0.4651

// cosMaskedNoHeadAtFAR1e3 anchors MaskedScore without the head: its score at FAR 1e-3 over
// the 3,524,760 pairs above (the shipped anchor from 2026-12-07 until the head).
const cosMaskedNoHeadAtFAR1e3 = 0.4976

// MaskedNoHeadSimilarity maps MaskedScore of faces not taken through the head.
func MaskedNoHeadSimilarity(cos float32) float64 {
	return Anchored(float64(cos), cosMaskedNoHeadAtFAR1e3)
}

// MaskedSimilarity maps a masked-path score (through the head) to the API scale like
// Similarity, anchored at cosMaskedAtFAR1e3.
func MaskedSimilarity(cos float32) float64 { return Anchored(float64(cos), cosMaskedAtFAR1e3) }

// MaskedAnchor is the masked-path score that maps to 0.75.
func MaskedAnchor() float64 { return cosMaskedAtFAR1e3 }

// cosMaskedPlainAtFAR1e3 anchors the plain cosine of a probe the classifier calls masked
// where one side has no overlays to score (faces enrolled before them, an embedder
// without a masked path): the cosine at FAR 1e-3 over the same 3,524,760 masked-probe
// pairs. With LFW's synthetic masks it measures below the
// unmasked anchor, but a masked probe is never scored more leniently than an unmasked one
// (real masks raise impostor cosines: masked-pairs, README "Security model"), so the
// unmasked anchor is what applies today.
const cosMaskedPlainAtFAR1e3 = 0.4390

// MaskedPlainSimilarity maps the plain cosine of a masked probe to the API scale.
func MaskedPlainSimilarity(cos float32) float64 {
	return Anchored(float64(cos), max(cosMaskedPlainAtFAR1e3, cosAtFAR1e3))
}

// MaskedPlainAnchor is the plain cosine that maps to 0.75 for a masked probe.
func MaskedPlainAnchor() float64 { return max(cosMaskedPlainAtFAR1e3, cosAtFAR1e3) }

// MaskedPlainFit is the masked-probe plain cosine's own FAR-1e-3 fit, before the floor at
// the unmasked anchor: what `eval pairs --masked --all-pairs` compares a new fit with.
func MaskedPlainFit() float64 { return cosMaskedPlainAtFAR1e3 }

// MaskedPlainSimilarity implements engine.MaskedPlainSimilarity.
func (p *Pipeline) MaskedPlainSimilarity(cos float32) float64 { return MaskedPlainSimilarity(cos) }

// MaskedSimilarity implements engine.MaskedSimilarity, with the anchor of the pipeline's
// masked path (with or without the head).
func (p *Pipeline) MaskedSimilarity(cos float32) float64 {
	if p.maskedHead == nil {
		return MaskedNoHeadSimilarity(cos)
	}
	return MaskedSimilarity(cos)
}

// MaskedWhiten implements engine.MaskedSimilarity: a face in the masked path's space, through
// the built-in head (maskedhead.go); unchanged without one, or for vectors of another width.
func (p *Pipeline) MaskedWhiten(v []float32, overlays [][]float32) ([]float32, [][]float32) {
	if p.maskedHead == nil {
		return v, overlays
	}
	if wv, wo := p.maskedHead.Whiten(v, overlays); wv != nil {
		return wv, wo
	}
	return v, overlays
}

// MaskedHead is the masked path's trained head, nil without one (NoMask, or a build that
// carries none): MaskedHead().Score is the score the engine maps with MaskedSimilarity.
func (p *Pipeline) MaskedHead() *MaskedHead { return p.maskedHead }

// Anchored is the piecewise-linear map every similarity uses (0 -> 0, anchor -> 0.75,
// 1 -> 1), exported so evaluation scores a candidate path exactly as the runtime would.
func Anchored(c, anchor float64) float64 {
	switch {
	case c <= 0:
		return 0
	case c >= 1:
		return 1
	case c < anchor:
		return 0.75 * c / anchor
	default:
		return 0.75 + 0.25*(c-anchor)/(1-anchor)
	}
}

// CosineFor is the inverse of Similarity on (0,1): the cosine a similarity threshold means.
func CosineFor(sim float64) float32 {
	switch {
	case sim <= 0:
		return 0
	case sim >= 1:
		return 1
	case sim < 0.75:
		return float32(sim / 0.75 * cosAtFAR1e3)
	default:
		return float32(cosAtFAR1e3 + (sim-0.75)/0.25*(1-cosAtFAR1e3))
	}
}
