package embed

import "testing"

func TestSimilarityMapping(t *testing.T) {
	tests := []struct {
		cos  float32
		want float64
	}{
		{-0.5, 0}, {0, 0}, {cosAtFAR1e3, 0.75}, {1, 1}, {1.2, 1},
	}
	for _, tt := range tests {
		if got := Similarity(tt.cos); !near(got, tt.want, 1e-6) {
			t.Errorf("Similarity(%v) = %v, want %v", tt.cos, got, tt.want)
		}
	}
	prev := -1.0
	for c := float32(-1); c <= 1; c += 0.01 {
		s := Similarity(c)
		if s < prev {
			t.Fatalf("not monotonic at %v", c)
		}
		prev = s
		if c > 0.01 && c < 0.99 {
			if back := CosineFor(s); !near(float64(back), float64(c), 1e-5) {
				t.Fatalf("CosineFor(Similarity(%v)) = %v", c, back)
			}
		}
	}
}

// Each path's anchor maps to 0.75, and a masked probe's plain cosine is never scored above
// an unmasked one's (engine's identify and compare rely on it).
func TestMaskedMappings(t *testing.T) {
	if got := MaskedSimilarity(cosMaskedAtFAR1e3); !near(got, 0.75, 1e-6) {
		t.Errorf("MaskedSimilarity(anchor) = %v, want 0.75", got)
	}
	if got := MaskedNoHeadSimilarity(cosMaskedNoHeadAtFAR1e3); !near(got, 0.75, 1e-6) {
		t.Errorf("MaskedNoHeadSimilarity(anchor) = %v, want 0.75", got)
	}
	if got := MaskedPlainSimilarity(float32(MaskedPlainAnchor())); !near(got, 0.75, 1e-6) {
		t.Errorf("MaskedPlainSimilarity(anchor) = %v, want 0.75", got)
	}
	for c := float32(-1); c <= 1.2; c += 0.005 {
		if m, u := MaskedPlainSimilarity(c), Similarity(c); m > u+1e-12 {
			t.Fatalf("cosine %v: masked probe %v above unmasked %v", c, m, u)
		}
	}
}
