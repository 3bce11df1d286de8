// Package vecdata generates and reads the vector sets `wajah bench index` and the index
// tests use, so every run (ours and hnswlib's) sees the same vectors.
//
// # Clustered generator (face-like)
//
// Face embeddings are not uniform on the sphere: several photos of one person lie close
// together, and people themselves fall into loose groups. Clustered draws, with a
// seeded PCG:
//
//   - groups: n/1000 (at least 1) unit vectors g, isotropic Gaussian then normalized;
//   - identities: n/PerIdentity centres c = normalize(g + 1.2*e), g a random group and e
//     a unit Gaussian direction, so two identities of one group have cosine ~0.4;
//   - vectors: each identity gets 1..2*PerIdentity-1 photos (mean PerIdentity) at
//     normalize(c + 0.6*e'), so two photos of a person have cosine ~0.74 and a photo and
//     its centre ~0.86, close to a mobile face model's genuine pairs.
//
// Queries are fresh photos of existing identities (a person coming back), drawn from the
// same model with a different stream. Uniform draws isotropic Gaussian vectors,
// normalized (the hardest case for a graph index: no structure to exploit).
package vecdata

import (
	"math"
	"math/rand/v2"
)

// PerIdentity is the mean number of near-duplicate vectors per identity.
const PerIdentity = 5

const (
	groupSpread    = 1.2
	identitySpread = 0.6
)

// Set is n vectors of dimension Dim, row-major, plus queries.
type Set struct {
	Dim     int
	Data    []float32
	Queries []float32
}

// N is the number of data vectors.
func (s *Set) N() int { return len(s.Data) / s.Dim }

// Row returns data vector i.
func (s *Set) Row(i int) []float32 { return s.Data[i*s.Dim : (i+1)*s.Dim] }

// Query returns query i.
func (s *Set) Query(i int) []float32 { return s.Queries[i*s.Dim : (i+1)*s.Dim] }

// NQ is the number of queries.
func (s *Set) NQ() int { return len(s.Queries) / s.Dim }

// unitGauss writes a uniformly random unit direction into v.
func unitGauss(r *rand.Rand, v []float32) {
	var ss float64
	for i := range v {
		x := r.NormFloat64()
		v[i] = float32(x)
		ss += x * x
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
}

// mix writes normalize(a + s*unit random) into dst.
func mix(r *rand.Rand, dst, a []float32, s float32) {
	unitGauss(r, dst)
	var ss float64
	for i := range dst {
		dst[i] = a[i] + s*dst[i]
		ss += float64(dst[i]) * float64(dst[i])
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range dst {
		dst[i] *= inv
	}
}

// Clustered returns n face-like vectors and nq queries (see the package doc).
func Clustered(n, nq, dim int, seed uint64) *Set {
	r := rand.New(rand.NewPCG(seed, 1))
	ng := max(1, n/1000)
	groups := make([]float32, ng*dim)
	for g := range ng {
		unitGauss(r, groups[g*dim:(g+1)*dim])
	}
	ni := max(1, n/PerIdentity)
	ids := make([]float32, ni*dim)
	for i := range ni {
		g := r.IntN(ng)
		mix(r, ids[i*dim:(i+1)*dim], groups[g*dim:(g+1)*dim], groupSpread)
	}
	s := &Set{Dim: dim, Data: make([]float32, n*dim), Queries: make([]float32, nq*dim)}
	for i := 0; i < n; {
		id := r.IntN(ni)
		for k := 1 + r.IntN(2*PerIdentity-1); k > 0 && i < n; k-- {
			mix(r, s.Row(i), ids[id*dim:(id+1)*dim], identitySpread)
			i++
		}
	}
	rq := rand.New(rand.NewPCG(seed, 2))
	for q := range nq {
		id := rq.IntN(ni)
		mix(rq, s.Query(q), ids[id*dim:(id+1)*dim], identitySpread)
	}
	return s
}

// Uniform returns n and nq isotropic unit vectors.
func Uniform(n, nq, dim int, seed uint64) *Set {
	r := rand.New(rand.NewPCG(seed, 3))
	s := &Set{Dim: dim, Data: make([]float32, n*dim), Queries: make([]float32, nq*dim)}
	for i := range n {
		unitGauss(r, s.Row(i))
	}
	for q := range nq {
		unitGauss(r, s.Query(q))
	}
	return s
}
