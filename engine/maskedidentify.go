package engine

import (
	"cmp"
	"context"
	"slices"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// Identify with a masked probe. The index holds plain embeddings, and a mask moves the
// probe's plain embedding away from its owner's, so the plain cosine ranks the right person
// lower than it would unmasked. The masked path re-scores instead: the search asks for at
// least maskedRerankHits faces, every distinct person among them is scored as Verify
// scores a masked probe (the best embed.MaskedScore over the person's faces, on the
// masked-path mapping), and the matches are those people at or above the threshold, best
// first. Measured in embed/README.md "Masked identify and compare".

// maskedRerankHits is how many faces a masked probe's search returns at least: the pool of
// people the masked path re-scores (eval engine: the right person is almost always within
// it when the masked score can verify them at all).
const maskedRerankHits = 64

// identifyHits is how many faces a search for k people asks for.
func (e *Engine) identifyHits(k int, masked bool) int {
	n := min(k*e.opts.MaxTemplates, maxIdentifyK*maxTemplatesCeiling)
	if masked {
		n = max(n, maskedRerankHits)
	}
	return n
}

// resolveMaskedHits is resolveHits for a masked probe (q, its normalized overlays): each
// person among the hits is scored by the masked path, or by simOf of its best hit's cosine
// where none of its faces has overlays stored; the k best at or above thr are returned.
func (e *Engine) resolveMaskedHits(ctx context.Context, g *gallery, hits []index.Result, k int, thr float64, q []float32, overlays [][]float32, ms MaskedSimilarity, simOf func(float32) float64) ([]Match, error) {
	var out []Match
	var seen [][]byte
	err := e.viewCtx(ctx, func(txn kv.Txn) error {
		for _, h := range hits {
			pk, rec, ok, err := hitPerson(txn, g, h, &seen)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			sim := simOf(h.Score) // the person's best plain cosine: hits are best first
			best, found, err := e.maskedBestIn(txn, g, rec, q, overlays)
			if err != nil {
				return err
			}
			if found {
				sim = ms.MaskedSimilarity(best)
			}
			if sim < thr {
				continue
			}
			p, err := e.personOf(pk, rec)
			if err != nil {
				return err
			}
			out = append(out, Match{Person: p, Similarity: sim})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Match) int { return cmp.Compare(b.Similarity, a.Similarity) })
	return out[:min(k, len(out))], nil
}
