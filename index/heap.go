package index

// Typed binary heaps (container/heap's interface calls cost ~30% of search time).

// cand is a node with its score (inner product: higher is closer).
type cand struct {
	score float32
	node  uint32
}

// maxHeap pops the best (highest score) first: the search frontier.
type maxHeap []cand

func (h *maxHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].score >= s[i].score {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *maxHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	*h = s
	siftDownMax(s, 0)
	return top
}

func siftDownMax(s []cand, i int) {
	n := len(s)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		b := l
		if r := l + 1; r < n && s[r].score > s[l].score {
			b = r
		}
		if s[i].score >= s[b].score {
			return
		}
		s[i], s[b] = s[b], s[i]
		i = b
	}
}

// minHeap keeps the worst (lowest score) on top: the bounded result set.
type minHeap []cand

func (h *minHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].score <= s[i].score {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *minHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	*h = s
	siftDownMin(s, 0)
	return top
}

// replaceTop swaps the worst for c (c must be better) in one sift.
func (h minHeap) replaceTop(c cand) {
	h[0] = c
	siftDownMin(h, 0)
}

func siftDownMin(s []cand, i int) {
	n := len(s)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		b := l
		if r := l + 1; r < n && s[r].score < s[l].score {
			b = r
		}
		if s[i].score <= s[b].score {
			return
		}
		s[i], s[b] = s[b], s[i]
		i = b
	}
}
