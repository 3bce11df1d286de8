package index

import "slices"

// selectNeighbors is the paper's neighbour-selection heuristic (algorithm 4, without
// extending candidates or keeping pruned ones, as hnswlib): walking candidates best
// first, keep c only when it is closer to the base than to every neighbour already
// kept. Links then spread in several directions instead of bunching in one cluster,
// which is what keeps clustered data (many photos per person) navigable.
// cands must be sorted best first; the result reuses its prefix.
func (h *HNSW) selectNeighbors(pages *[]*page, cands []cand, m int) []cand {
	if len(cands) <= m {
		return cands
	}
	out := cands[:0]
	for _, c := range cands {
		if len(out) >= m {
			break
		}
		cv := h.vec(h.pageOf(pages, c.node), c.node)
		keep := true
		for _, r := range out {
			if dot(cv, h.vec(h.pageOf(pages, r.node), r.node)) > c.score {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	return out
}

// sortCands orders best (highest score) first.
func sortCands(cs []cand) {
	slices.SortFunc(cs, func(a, b cand) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return int(a.node) - int(b.node)
	})
}
