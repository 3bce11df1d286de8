package vecdata

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestGenerators(t *testing.T) {
	for _, tc := range []struct {
		name string
		gen  func(n, nq, dim int, seed uint64) *Set
		// best similarity of a query to the data: high when clustered (another photo of
		// the same person exists), near zero when uniform.
		minBest, maxBest float64
	}{
		{"clustered", Clustered, 0.6, 1},
		{"uniform", Uniform, -1, 0.45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.gen(2000, 50, 64, 3)
			if s.N() != 2000 || s.NQ() != 50 || s.Dim != 64 {
				t.Fatalf("shape %d %d %d", s.N(), s.NQ(), s.Dim)
			}
			for i := range s.N() {
				if n := dot(s.Row(i), s.Row(i)); math.Abs(n-1) > 1e-5 {
					t.Fatalf("row %d norm² %v", i, n)
				}
			}
			var mean float64
			for q := range s.NQ() {
				best := -1.0
				for i := range s.N() {
					best = max(best, dot(s.Query(q), s.Row(i)))
				}
				mean += best / float64(s.NQ())
			}
			if mean < tc.minBest || mean > tc.maxBest {
				t.Fatalf("mean best similarity %.3f not in [%v, %v]", mean, tc.minBest, tc.maxBest)
			}
			if again := tc.gen(2000, 50, 64, 3); !slices.Equal(again.Data, s.Data) || !slices.Equal(again.Queries, s.Queries) {
				t.Fatal("not deterministic for a seed")
			}
		})
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	s := Uniform(10, 0, 7, 1)
	p := filepath.Join(dir, "a.fvecs")
	if err := WriteFvecs(p, s.Data, 7); err != nil {
		t.Fatal(err)
	}
	got, dim, err := ReadFvecs(p)
	if err != nil || dim != 7 || !slices.Equal(got, s.Data) {
		t.Fatalf("fvecs round trip: dim %d err %v", dim, err)
	}
	raw, _ := os.ReadFile(p)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"short row", raw[:len(raw)-3]},
		{"mixed dims", append(slices.Clone(raw), binary.LittleEndian.AppendUint32(nil, 3)...)},
	} {
		os.WriteFile(p, tc.b, 0o600)
		if _, _, err := ReadFvecs(p); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	f := filepath.Join(dir, "a.f32")
	var b []byte
	for _, x := range s.Data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	os.WriteFile(f, b, 0o600)
	if v, err := ReadF32(f, 7); err != nil || !slices.Equal(v, s.Data) {
		t.Fatalf("f32: %v", err)
	}
	if _, err := ReadF32(f, 8); !errors.Is(err, ErrFormat) {
		t.Fatalf("f32 wrong dim: %v", err)
	}
}
