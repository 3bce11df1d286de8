package engine

import "github.com/wajah-id/wajah/internal/kv"

// Identify with a masked probe. The index holds plain embeddings, and a mask moves the
// probe's plain embedding away from its owner's, so the plain cosine ranks the right person
// lower than it would unmasked. The masked path re-scores instead: the search asks for at
// least maskedRerankHits faces, every distinct person among them is scored as Verify
// scores a masked probe (the best embed.MaskedScore over the person's faces, on the
// masked-path mapping), and the matches are those people at or above the threshold, best
// first. Measured in embed/README.md "Masked identify and compare".

// maskedRerankHits is how many faces a masked probe's search returns at least: the pool of
// people the masked path re-scores (eval engine, LFW with 4,041 enrolled faces: pools of
// 16, 64 and 256 find the same people; 64 leaves room for larger galleries).
const maskedRerankHits = 64

// identifyHits is how many faces a search for k people asks for; wide: at least the
// masked path's pool.
func (e *Engine) identifyHits(k int, wide bool) int {
	n := min(k*e.opts.MaxTemplates, maxIdentifyK*maxTemplatesCeiling)
	if wide {
		n = max(n, maskedRerankHits)
	}
	return n
}

// maskedRescore scores a person as Verify scores a masked probe (q, its overlays, in the
// masked path's space: maskedPath) against them: the best embed.MaskedScore over their
// faces with overlays.
func (e *Engine) maskedRescore(g *gallery, q []float32, overlays [][]float32, ms MaskedSimilarity) personScore {
	return func(txn kv.Txn, rec personRecord) (float64, bool, error) {
		best, found, err := e.maskedBestIn(txn, g, rec, ms, q, overlays)
		if err != nil || !found {
			return 0, false, err
		}
		return ms.MaskedSimilarity(best), true, nil
	}
}
