package index

import "sync/atomic"

// Delete tombstones id: it is never returned again but its node keeps routing searches
// until Compact repairs the links around it. When tombstones exceed
// Options.CompactRatio of the nodes, Delete compacts before returning.
func (h *HNSW) Delete(id uint64) bool {
	h.mutMu.RLock()
	h.graphMu.RLock()
	h.ids.Lock()
	node, ok := h.ids.m[id]
	delete(h.ids.m, id)
	h.ids.Unlock()
	if ok {
		h.tombstone(node)
	}
	h.graphMu.RUnlock()
	h.mutMu.RUnlock()
	if ok && h.opts.CompactRatio > 0 {
		n, d := h.count.Load(), h.deleted.Load()
		if d >= 64 && float64(d) > h.opts.CompactRatio*float64(n) {
			h.Compact()
		}
	}
	return ok
}

// Tombstones is the number of deleted nodes awaiting Compact.
func (h *HNSW) Tombstones() int { return int(h.deleted.Load()) }

// Compact repairs and drops tombstones: every live node that linked to a deleted one
// re-selects its neighbours (heuristic) among its live links and the deleted nodes'
// live links, then live nodes are renumbered densely. Searches and writers wait.
func (h *HNSW) Compact() {
	h.mutMu.Lock()
	defer h.mutMu.Unlock()
	h.graphMu.Lock()
	defer h.graphMu.Unlock()
	if h.deleted.Load() == 0 {
		return
	}
	pages := *h.pages.Load()
	n := h.count.Load()
	dead := func(x uint32) bool {
		return pages[x>>pageShift].flags[x&pageMask]&flagDeleted != 0
	}
	h.repair(&pages, n, dead)

	// Renumber live nodes densely and copy them into fresh pages.
	remap := make([]uint32, n)
	var live uint32
	top, entry := -1, uint32(noNode)
	for x := uint32(0); x < n; x++ {
		if dead(x) {
			remap[x] = noNode
			continue
		}
		remap[x] = live
		if l := int(pages[x>>pageShift].level[x&pageMask]); l > top {
			top, entry = l, live
		}
		live++
	}
	var np []*page
	for x := uint32(0); x < n; x++ {
		y := remap[x]
		if y == noNode {
			continue
		}
		if int(y>>pageShift) >= len(np) {
			np = append(np, h.newPage())
		}
		src, dst := pages[x>>pageShift], np[y>>pageShift]
		s, d := x&pageMask, y&pageMask
		copy(h.vec(dst, y), h.vec(src, x))
		dst.ext[d] = src.ext[s]
		dst.level[d] = src.level[s]
		if lv := int(src.level[s]); lv > 0 {
			dst.upper[d] = make([]uint32, lv*(h.m+1))
		}
		for lc := 0; lc <= int(src.level[s]); lc++ {
			from, to := h.links(src, x, lc), h.links(dst, y, lc)
			k := 0
			for _, nb := range from[1 : 1+from[0]] {
				if r := remap[nb]; r != noNode {
					to[1+k] = r
					k++
				}
			}
			to[0] = uint32(k)
		}
	}
	h.pages.Store(&np)
	h.count.Store(live)
	h.deleted.Store(0)
	if live == 0 {
		h.entry.Store(noEntry)
	} else {
		h.entry.Store(uint64(top)<<32 | uint64(entry))
	}
	h.ids.Lock()
	for id, x := range h.ids.m {
		h.ids.m[id] = remap[x]
	}
	h.ids.Unlock()
	// Pooled visit sets stay valid: a mark only matches the generation that wrote it,
	// and every use starts a new generation.
}

// repair re-links the live nodes around tombstones (run under graphMu.Lock). Pass one
// re-selects every list that points at a tombstone among its live links and the
// tombstones' live links. Pass two is what an insert does after selecting: every node
// whose list changed, and every node a tombstone linked to (it loses that in-link),
// gets back links from its neighbours. Without it an outlier whose only in-links came
// through tombstones stays in the graph, linking out, but no search reaches it.
func (h *HNSW) repair(pages *[]*page, n uint32, dead func(uint32) bool) {
	type nodeLayer struct {
		node uint32
		lc   int
	}
	var affected []nodeLayer
	lost := map[nodeLayer]bool{} // live nodes a tombstone linked to
	for x := uint32(0); x < n; x++ {
		if !dead(x) {
			continue
		}
		pg := (*pages)[x>>pageShift]
		for lc := 0; lc <= int(pg.level[x&pageMask]); lc++ {
			l := h.links(pg, x, lc)
			for _, nb := range l[1 : 1+l[0]] {
				if !dead(nb) {
					lost[nodeLayer{nb, lc}] = true
				}
			}
		}
	}
	var cs []cand
	seen := map[uint32]bool{}
	for x := uint32(0); x < n; x++ {
		if dead(x) {
			continue
		}
		pg := (*pages)[x>>pageShift]
		base := h.vec(pg, x)
		for lc := 0; lc <= int(pg.level[x&pageMask]); lc++ {
			l := h.links(pg, x, lc)
			cnt := int(l[0])
			hasDead := false
			for _, nb := range l[1 : 1+cnt] {
				if dead(nb) {
					hasDead = true
					break
				}
			}
			if !hasDead {
				if lost[nodeLayer{x, lc}] {
					affected = append(affected, nodeLayer{x, lc})
				}
				continue
			}
			affected = append(affected, nodeLayer{x, lc})
			clear(seen)
			cs = cs[:0]
			seen[x] = true
			add := func(y uint32) {
				if seen[y] || dead(y) {
					return
				}
				seen[y] = true
				cs = append(cs, cand{score: dot(base, h.vec((*pages)[y>>pageShift], y)), node: y})
			}
			for _, nb := range l[1 : 1+cnt] {
				if !dead(nb) {
					add(nb)
					continue
				}
				dl := h.links((*pages)[nb>>pageShift], nb, lc)
				for _, y := range dl[1 : 1+dl[0]] {
					add(y)
				}
			}
			sortCands(cs)
			sel := h.selectNeighbors(pages, cs, len(l)-1)
			for i, c := range sel {
				atomic.StoreUint32(&l[1+i], c.node)
			}
			atomic.StoreUint32(&l[0], uint32(len(sel)))
		}
	}
	// No live list points at a tombstone any more, so the re-pruning in addLink
	// never brings one back.
	for _, a := range affected {
		pg := (*pages)[a.node>>pageShift]
		base := h.vec(pg, a.node)
		l := h.links(pg, a.node, a.lc)
		for _, nb := range l[1 : 1+l[0]] {
			score := dot(base, h.vec((*pages)[nb>>pageShift], nb))
			cs = h.addLink(pages, nb, a.node, a.lc, score, cs)
		}
	}
}
