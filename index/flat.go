package index

import (
	"slices"
	"sync"
)

// Flat is exact brute-force search: the ground truth for recall tests and the faster
// choice for small galleries (below the crossover measured by `wajah bench index`).
type Flat struct {
	dim int
	mu  struct {
		sync.RWMutex
		ids  []uint64         // ids[i] owns vecs[i*dim:(i+1)*dim]
		vecs []float32        // normalized, contiguous for streaming dot products
		pos  map[uint64]int32 // id -> row
	}
}

var _ Index = (*Flat)(nil)

// NewFlat returns an empty exact index for vectors of dimension dim.
func NewFlat(dim int) *Flat {
	f := &Flat{dim: dim}
	f.mu.pos = map[uint64]int32{}
	return f
}

// Dim is the vector dimension.
func (f *Flat) Dim() int { return f.dim }

// Len is the number of stored vectors.
func (f *Flat) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.mu.ids)
}

// Add stores a normalized copy of vec under id, replacing any previous vector.
func (f *Flat) Add(id uint64, vec []float32) error {
	if len(vec) != f.dim {
		return ErrDim
	}
	v := make([]float32, f.dim)
	if err := normalizeInto(v, vec); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.mu.pos[id]; ok {
		copy(f.mu.vecs[int(r)*f.dim:], v)
		return nil
	}
	f.mu.pos[id] = int32(len(f.mu.ids))
	f.mu.ids = append(f.mu.ids, id)
	f.mu.vecs = append(f.mu.vecs, v...)
	return nil
}

// Delete removes id by moving the last row into its place.
func (f *Flat) Delete(id uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.mu.pos[id]
	if !ok {
		return false
	}
	last := int32(len(f.mu.ids) - 1)
	if r != last {
		lid := f.mu.ids[last]
		f.mu.ids[r] = lid
		copy(f.mu.vecs[int(r)*f.dim:int(r+1)*f.dim], f.mu.vecs[int(last)*f.dim:])
		f.mu.pos[lid] = r
	}
	f.mu.ids = f.mu.ids[:last]
	f.mu.vecs = f.mu.vecs[:int(last)*f.dim]
	delete(f.mu.pos, id)
	return true
}

// Search scans every vector. The query is normalized, so Scores are cosines, as HNSW's.
func (f *Flat) Search(q []float32, k int, exclude func(id uint64) bool) []Result {
	if len(q) != f.dim || k <= 0 {
		return nil
	}
	qn := make([]float32, f.dim)
	if normalizeInto(qn, q) != nil {
		return nil
	}
	q = qn
	f.mu.RLock()
	defer f.mu.RUnlock()
	h := make(minHeap, 0, k+1)
	d := f.dim
	for i, id := range f.mu.ids {
		s := dot(q, f.mu.vecs[i*d:(i+1)*d])
		if len(h) == k && s <= h[0].score {
			continue
		}
		if exclude != nil && exclude(id) {
			continue
		}
		if len(h) < k {
			h.push(cand{score: s, node: uint32(i)})
		} else {
			h.replaceTop(cand{score: s, node: uint32(i)})
		}
	}
	return drain(h, f.mu.ids)
}

// drain empties a result heap into Results best first, mapping rows to ids.
func drain(h minHeap, ids []uint64) []Result {
	out := make([]Result, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		c := h.pop()
		out[i] = Result{ID: ids[c.node], Score: c.score}
	}
	return slices.Clip(out)
}
