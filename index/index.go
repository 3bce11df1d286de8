// Package index is wajah's in-process vector index: HNSW (Malkov & Yashunin) with
// inner-product distance on L2-normalized vectors, plus exact brute force for small
// galleries and ground truth.
package index

// Result is one neighbour: the caller's id and its inner product with the query
// (cosine, since vectors are normalized on insert).
type Result struct {
	ID    uint64
	Score float32
}

// Index is what the engine uses; *HNSW and *Flat implement it. Implementations are safe
// for concurrent searches with inserts and deletes.
type Index interface {
	Add(id uint64, vec []float32) error // normalizes a copy of vec; re-adding an id replaces it
	Delete(id uint64) bool              // false when id is absent
	// Search returns up to k results, best first, skipping ids for which exclude is true
	// (exclude may be nil).
	Search(q []float32, k int, exclude func(id uint64) bool) []Result
	Len() int
	Dim() int
}
