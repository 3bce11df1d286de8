package index

import (
	"slices"
	"sync/atomic"
)

// Add inserts a normalized copy of vec under id. Re-adding an id inserts a new node and
// tombstones the old one, so concurrent searches always see one of the two.
func (h *HNSW) Add(id uint64, vec []float32) error {
	if len(vec) != h.dim {
		return ErrDim
	}
	h.mutMu.RLock()
	defer h.mutMu.RUnlock()
	h.graphMu.RLock()
	defer h.graphMu.RUnlock()
	node, err := h.place(id, vec)
	if err != nil {
		return err
	}
	seq, low := h.flight.join(node)
	h.link(node, low)
	h.flight.leave(seq, low)
	h.publish(id, node)
	return nil
}

// place allocates a node and writes its vector and id before anything links to it.
func (h *HNSW) place(id uint64, vec []float32) (uint32, error) {
	h.growMu.Lock()
	level := h.randomLevel()
	h.growMu.Unlock()
	node := h.allocNode(level)
	pages := *h.pages.Load()
	pg := h.pageOf(&pages, node)
	pg.ext[node&pageMask] = id
	if err := normalizeInto(h.vec(pg, node), vec); err != nil {
		// The slot stays a tombstone: ids are dense and never reused before Compact.
		atomic.StoreUint32(&pg.flags[node&pageMask], flagDeleted)
		h.deleted.Add(1)
		return 0, err
	}
	return node, nil
}

// publish maps id to node, tombstoning a previous node of the same id.
func (h *HNSW) publish(id uint64, node uint32) {
	h.ids.Lock()
	old, had := h.ids.m[id]
	h.ids.m[id] = node
	h.ids.Unlock()
	if had {
		h.tombstone(old)
	}
}

func (h *HNSW) tombstone(node uint32) {
	pages := *h.pages.Load()
	pg := h.pageOf(&pages, node)
	atomic.OrUint32(&pg.flags[node&pageMask], flagDeleted)
	h.deleted.Add(1)
}

// link is the paper's INSERT for an allocated node: descend greedily to its level, then
// on each layer search efConstruction candidates and keep M by the heuristic; at layer 0
// the nodes inserted concurrently (flight, from low on) are candidates too. The lists
// are then written bottom-up, each with its back links, so a node that becomes
// reachable on a layer already has its lists below it. Only one node lock is held at a
// time, so concurrent inserts cannot deadlock.
func (h *HNSW) link(node uint32, low uint64) {
	pages := *h.pages.Load()
	pg := h.pageOf(&pages, node)
	level := int(pg.level[node&pageMask])
	q := h.vec(pg, node)

	e := h.entry.Load()
	if e == noEntry || level > int(e>>32) {
		// Raising the top layer (or creating the graph) is serialized; ordinary
		// inserts never touch entryMu.
		h.entryMu.Lock()
		defer h.entryMu.Unlock()
		e = h.entry.Load()
		if e == noEntry {
			h.entry.Store(uint64(level)<<32 | uint64(node))
			return
		}
	}
	top := int(e >> 32)
	ep := uint32(e)
	cur := cand{score: dot(q, h.vec(h.pageOf(&pages, ep), ep)), node: ep}
	for lc := top; lc > level; lc-- {
		cur = h.greedy(&pages, q, cur, lc)
	}
	s := h.getScratch()
	defer h.putScratch(s)
	first := min(level, top)
	if len(s.layers) <= first {
		s.layers = append(s.layers, make([][]cand, first+1-len(s.layers))...)
	}
	for lc := first; lc >= 0; lc-- {
		if lc != first {
			s.gen++ // a fresh visited set per layer
			if s.gen == 0 {
				clear(s.mark)
				s.gen = 1
			}
		}
		// A concurrent insert that took node as a candidate may have linked it already:
		// marked visited, the search never returns node itself.
		s.visit(node)
		h.searchLayer(&pages, s, q, cur, h.opts.EfConstruction, lc, false, nil)
		s.sel = sortedDesc(s.sel[:0], &s.res)
		cur = s.sel[0] // the next layer starts from a linked node, not a concurrent one
		if lc == 0 {
			s.sel = h.addConcurrent(&pages, s, q, node, low)
		}
		s.layers[lc] = append(s.layers[lc][:0], h.selectNeighbors(&pages, s.sel, h.m)...)
	}
	for lc := 0; lc <= first; lc++ {
		s.cs = h.setLinks(&pages, node, lc, s.layers[lc], s.cs)
		for _, c := range s.layers[lc] {
			s.cs = h.addLink(&pages, c.node, node, lc, c.score, s.cs)
		}
	}
	if level > top {
		h.entry.Store(uint64(level)<<32 | uint64(node))
	}
}

// addConcurrent adds to s.sel (sorted, best first) the nodes in flight since low that
// the layer-0 search did not visit, and returns it sorted again. Their vectors were
// written before they joined the flight.
func (h *HNSW) addConcurrent(pages *[]*page, s *scratch, q []float32, node uint32, low uint64) []cand {
	s.batch = h.flight.since(s.batch[:0], low, node)
	sel, added := s.sel, false
	for _, x := range s.batch {
		if !s.visit(x) {
			sel = append(sel, cand{score: dot(q, h.vec(h.pageOf(pages, x), x)), node: x})
			added = true
		}
	}
	if added {
		sortCands(sel)
	}
	return sel
}

// sortedDesc empties the heap into dst, best first.
func sortedDesc(dst []cand, res *minHeap) []cand {
	n := len(*res)
	dst = slices.Grow(dst[:0], n)[:n]
	for i := n - 1; i >= 0; i-- {
		dst[i] = res.pop()
	}
	return dst
}

// setLinks writes node's list at layer lc: sel plus the back links that concurrent
// inserts added since node was allocated (overwriting those would strand their nodes),
// pruned by the heuristic when they exceed the list. buf is scratch space, returned for
// reuse.
func (h *HNSW) setLinks(pages *[]*page, node uint32, lc int, sel, buf []cand) []cand {
	pg := h.pageOf(pages, node)
	mu := &pg.locks[node&pageMask]
	mu.Lock()
	defer mu.Unlock()
	l := h.links(pg, node, lc)
	n := int(atomic.LoadUint32(&l[0]))
	if n > 0 {
		base := h.vec(pg, node)
		cs := append(buf[:0], sel...)
	next:
		for i := 1; i <= n; i++ {
			x := atomic.LoadUint32(&l[i])
			for _, c := range sel {
				if c.node == x {
					continue next
				}
			}
			cs = append(cs, cand{score: dot(base, h.vec(h.pageOf(pages, x), x)), node: x})
		}
		sortCands(cs)
		sel, buf = h.selectNeighbors(pages, cs, len(l)-1), cs
	}
	for i, c := range sel {
		atomic.StoreUint32(&l[1+i], c.node)
	}
	atomic.StoreUint32(&l[0], uint32(len(sel)))
	return buf
}

// addLink adds the back link nb -> node (score is their similarity). A full list is
// re-pruned with the heuristic over its links plus the newcomer, as in hnswlib. buf is
// scratch space, returned for reuse.
func (h *HNSW) addLink(pages *[]*page, nb, node uint32, lc int, score float32, buf []cand) []cand {
	pg := h.pageOf(pages, nb)
	mu := &pg.locks[nb&pageMask]
	mu.Lock()
	defer mu.Unlock()
	l := h.links(pg, nb, lc)
	n := int(atomic.LoadUint32(&l[0]))
	for i := 1; i <= n; i++ {
		if atomic.LoadUint32(&l[i]) == node {
			return buf
		}
	}
	if n < len(l)-1 {
		atomic.StoreUint32(&l[1+n], node)
		atomic.StoreUint32(&l[0], uint32(n+1))
		return buf
	}
	base := h.vec(pg, nb)
	cs := append(buf[:0], cand{score: score, node: node})
	for i := 1; i <= n; i++ {
		x := atomic.LoadUint32(&l[i])
		cs = append(cs, cand{score: dot(base, h.vec(h.pageOf(pages, x), x)), node: x})
	}
	sortCands(cs)
	sel := h.selectNeighbors(pages, cs, len(l)-1)
	for i, c := range sel {
		atomic.StoreUint32(&l[1+i], c.node)
	}
	atomic.StoreUint32(&l[0], uint32(len(sel)))
	return cs
}
