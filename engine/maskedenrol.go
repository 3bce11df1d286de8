package engine

import (
	"errors"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/internal/kv"
)

// A masked probe is matched against a masked enrolment only through what both masks leave
// visible, and that is not enough: measured (embed/README.md "Masked against masked") on
// masked-pairs' real masks, 549 masked-vs-masked pairs, the deployed rule at 0.75 lets 84 of
// 400 different-person pairs through (FAR 21%; TAR@FAR1e-2 0.28), and on LFW View 1 with a
// synthetic mask on both sides 8 of 500 (1.6%, against the 1e-3 that 0.75 means). So by
// default an enrolment photo the mask classifier calls masked is refused before anything is
// stored, and the visitor is asked for an unmasked one; masked probes then always meet
// unmasked templates, the path the masked anchor was calibrated on.

// ErrMaskedEnrolment: the enrolment photo's face wears a mask (Options.MaskedEnrolment
// refuse). HTTP code 419.
var ErrMaskedEnrolment = errors.New("masked face at enrolment: enrol a photo without a mask")

// Masked-enrolment policies (Options.MaskedEnrolment).
const (
	MaskedEnrolRefuse = "refuse"
	MaskedEnrolAllow  = "allow"
)

// maskedEnrolGate refuses a masked enrolment face under MaskedEnrolRefuse.
func (e *Engine) maskedEnrolGate(f embed.Face) error {
	if f.Masked && e.opts.MaskedEnrolment == MaskedEnrolRefuse {
		return ErrMaskedEnrolment
	}
	return nil
}

// An unmasked probe against a masked enrolment (MaskedEnrolAllow) is the masked path's
// pair with its roles swapped, and embed.MaskedScore is symmetric: the probe gets the
// overlays an enrolment would have stored (OverlayCompleter, drawn on the crop it was
// embedded from) and each masked face of the person is scored as Verify scores a masked
// probe against an unmasked enrolment, on the masked-path mapping, the one calibrated for
// masked-against-unmasked pairs. The person's unmasked faces keep the plain score. The
// overlays cost three embedding runs, paid only when a masked face is met. Measured in
// embed/README.md "Masked enrolment, unmasked probe".

// maskedEnrolledRescore scores a person for an unmasked probe (q, normalized; face, the
// probe it came from, which gets its overlays on the first masked face met): the best of
// the plain mapping over the person's unmasked faces and the masked path over their masked
// ones; found is false when they have no masked face, so the plain score stands. It is nil
// when the embedder has no masked path (the plain score stands for everyone).
func (e *Engine) maskedEnrolledRescore(g *gallery, q []float32, face *embed.Face) personScore {
	ms, masked := e.emb.(MaskedSimilarity)
	oc, completes := e.emb.(OverlayCompleter)
	if !masked || !completes || face.Masked {
		return nil
	}
	return (&unmaskedProbe{e: e, g: g, q: q, face: face, ms: ms, oc: oc}).score
}

// unmaskedProbe is an unmasked probe scored against people who may have masked faces.
type unmaskedProbe struct {
	e        *Engine
	g        *gallery
	q        []float32   // the probe's normalized embedding
	face     *embed.Face // the probe, for CompleteOverlays
	ms       MaskedSimilarity
	oc       OverlayCompleter
	mq       []float32   // q in the masked path's space (maskedPath); nil until a masked face needs it
	overlays [][]float32 // the probe's, normalized, in that space; nil until a masked face needs them
}

// score is the personScore of maskedEnrolledRescore.
func (p *unmaskedProbe) score(txn kv.Txn, rec personRecord) (best float64, found bool, err error) {
	best = -1
	err = p.e.eachFace(txn, p.g, rec, func(fr faceRecord, fk []byte) error {
		vec, err := p.e.openEmbedding(fr, fk)
		if err != nil {
			return err
		}
		sim := p.e.emb.Similarity(dot(p.q, vec))
		if fr.Masked {
			if sim, err = p.maskedFace(fr, fk, vec); err != nil {
				return err
			}
		}
		best, found = max(best, sim), found || fr.Masked
		return nil
	})
	return best, found, err
}

// maskedFace scores the probe against one masked enrolled face (fr, its embedding vec) on
// the masked path, completing the probe's overlays the first time. A face stored without
// overlays is scored by the plain cosine on the masked-probe mapping, as compare scores
// such a pair, and so is any masked face when the probe cannot have overlays.
func (p *unmaskedProbe) maskedFace(fr faceRecord, fk []byte, vec []float32) (float64, error) {
	plain := p.e.probeSimilarity(true)(dot(p.q, vec))
	if len(fr.SealedMasked) == 0 {
		return plain, nil
	}
	if p.overlays == nil {
		err := p.oc.CompleteOverlays(p.face)
		if err != nil && !errors.Is(err, embed.ErrNoAlignedCrop) {
			return 0, err
		}
		_, mq, ov, ok := p.e.maskedPath(*p.face, p.q, p.g.rec.Dim)
		if err != nil || !ok { // no crop to draw on, or overlays not of the gallery's model
			return plain, nil
		}
		p.mq, p.overlays = mq, ov
	}
	ts, err := p.e.openMasked(fr.SealedMasked, p.g.rec.Dim, fk)
	if err != nil {
		return 0, err
	}
	wv, wts := p.ms.MaskedWhiten(vec, ts)
	return p.ms.MaskedSimilarity(embed.MaskedScore(p.mq, p.overlays, wv, wts)), nil
}
