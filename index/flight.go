package index

import "sync"

// flight records the nodes being linked, so concurrent inserts see each other.
//
// An insert's search only finds nodes that are already linked into the graph. Two
// near-duplicates inserted at the same moment would not find each other, and the
// neighbour heuristic then prunes one of them from every list that holds the other
// (it is closer to its twin than to the list's owner): the node is stranded, found by
// no search. hnswlib avoids this by locking a node for its whole insert, so searches
// wait for it; here searches never lock, so instead every insert also considers, as
// layer-0 candidates, the nodes that were in flight at any moment of its own insert.
// Of two overlapping inserts the later one therefore always sees the earlier one and
// links the two both ways, as a sequential build would.
//
// Nodes are numbered by a sequence as they join. An insert that joins notes low, the
// sequence of the oldest insert still in flight, and later reads every node that joined
// from low on. Entries are dropped once no running insert's low reaches them.
type flight struct {
	mu    sync.Mutex
	base  uint64 // sequence of nodes[0]
	nodes []flightNode
	lows  map[uint64]int // low of each running insert (with multiplicity)
}

type flightNode struct {
	node uint32
	done bool
}

// join registers node (its vector and level already written) and returns its sequence
// and low.
func (f *flight) join(node uint32) (seq, low uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lows == nil {
		f.lows = map[uint64]int{}
	}
	seq = f.base + uint64(len(f.nodes))
	low = seq
	for i, e := range f.nodes {
		if !e.done {
			low = f.base + uint64(i)
			break
		}
	}
	f.nodes = append(f.nodes, flightNode{node: node})
	f.lows[low]++
	return seq, low
}

// since appends to dst every node that joined at or after low, except self.
func (f *flight) since(dst []uint32, low uint64, self uint32) []uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.nodes[low-f.base:] {
		if e.node != self {
			dst = append(dst, e.node)
		}
	}
	return dst
}

// leave marks the insert (seq, low) finished and drops the entries no running insert
// can still ask for.
func (f *flight) leave(seq, low uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes[seq-f.base].done = true
	if f.lows[low]--; f.lows[low] == 0 {
		delete(f.lows, low)
	}
	keep := f.base + uint64(len(f.nodes)) // no insert running: drop everything
	for l := range f.lows {
		keep = min(keep, l)
	}
	// Every entry below keep is done: a running insert's own entry is at or above its low.
	drop := int(keep - f.base)
	if drop > 0 {
		n := copy(f.nodes, f.nodes[drop:])
		f.nodes = f.nodes[:n]
		f.base = keep
	}
}
