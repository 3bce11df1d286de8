package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// fakeEmb is a deterministic Embedder: an "image" is text "person/variant" (optionally
// ending in "+mask"). The embedding is the person's base vector (seeded by the person
// name) plus 0.15 of a noise vector seeded by the whole text, so two photos of one person
// have cosine ~0.98 and two people ~0 +- 1/sqrt(dim). "noface..." fails with ErrNoFace,
// "small..." with ErrFaceTooSmall unless forced, empty bytes with ErrImageType; faces are
// scored live (0.99) except "spoof..." (0.01).
type fakeEmb struct {
	model string
	dim   int
}

func newFake() *fakeEmb { return &fakeEmb{model: "fake-1", dim: 128} }

func (f *fakeEmb) ModelID() string { return f.model }
func (f *fakeEmb) Dim() int        { return f.dim }

// Similarity maps cosine [-1,1] to [0,1]: unrelated faces land near 0.5.
func (f *fakeEmb) Similarity(c float32) float64 { return math.Max(0, math.Min(1, (float64(c)+1)/2)) }

func (f *fakeEmb) Extract(ctx context.Context, img []byte, o embed.ExtractOptions) (embed.Face, error) {
	s := string(img)
	switch {
	case s == "":
		return embed.Face{}, embed.ErrImageType
	case strings.HasPrefix(s, "noface"):
		return embed.Face{}, embed.ErrNoFace
	case strings.HasPrefix(s, "small") && !(o.Purpose == embed.PurposeEnroll && o.Force):
		return embed.Face{}, embed.ErrFaceTooSmall
	}
	masked := strings.HasSuffix(s, "+mask")
	person, _, _ := strings.Cut(strings.TrimSuffix(s, "+mask"), "/")
	base, noise := gauss(person, f.dim), gauss(s, f.dim)
	v := make([]float32, f.dim)
	for i := range v {
		v[i] = base[i] + 0.15*noise[i]
	}
	live := float32(0.99) // "spoof..." images are presentation attacks
	if strings.HasPrefix(s, "spoof") {
		live = 0.01
	}
	return embed.Face{Embedding: unit(v), Masked: masked, Score: 0.99, Quality: embed.Quality{FaceSize: 80},
		Liveness: live, LivenessScored: true}, nil
}

func gauss(seed string, dim int) []float32 {
	h := sha256.Sum256([]byte(seed))
	r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(h[:8]), binary.LittleEndian.Uint64(h[8:16])))
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func unit(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// testOptions: small Badger buffers, a fixed key from the environment of this test
// only when key is set.
func testOptions(t testing.TB, dir string) Options {
	t.Helper()
	return baseTestOptions(dir)
}

func baseTestOptions(dir string) Options {
	return Options{
		Dir: dir, KeyEnv: "WAJAH_TEST_KEY", MemTableSize: 4 << 20, VLogFileSize: 16 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func openTest(t testing.TB, o Options, emb Embedder) *Engine {
	t.Helper()
	e, err := Open(o, emb)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return e
}

func img(s string) []byte { return []byte(s) }
