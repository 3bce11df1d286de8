package embed

import (
	"errors"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/models"
)

// An unknown masked alignment is refused, not read as the default: it would otherwise
// carry a ModelID of its own for the default's vectors.
func TestExperimentalMaskedAlignUnknown(t *testing.T) {
	_, err := New(Options{Experimental: Experimental{MaskedAlign: "nose"}})
	if err == nil || !strings.Contains(err.Error(), "masked alignment") {
		t.Fatalf("New with MaskedAlign nose: %v", err)
	}
}

// MaskedAlign re-aligns only faces the classifier calls masked: the plain enrolment keeps
// the default's vectors, the masked probe's embedding and overlays change. That is why it
// is part of ModelID.
func TestExperimentalMaskedAlignChangesMaskedVectors(t *testing.T) {
	heavy(t)
	def := goldenFaces(t, testPipeline(t))
	p, err := New(Options{Experimental: Experimental{MaskedAlign: MaskedAlignEyes}})
	if errors.Is(err, models.ErrMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if p.ModelID() == testPipeline(t).ModelID() {
		t.Fatalf("MaskedAlign eyes shares the default's ModelID %q", p.ModelID())
	}
	eyes := goldenFaces(t, p)
	plain, masked := "obama enrol", "obama masked verify"
	if c := Cosine(eyes[plain].Embedding, def[plain].Embedding); c < 0.999999 {
		t.Errorf("unmasked enrolment moved: cosine %.7f to the default", c)
	}
	c := Cosine(eyes[masked].Embedding, def[masked].Embedding)
	o := Cosine(eyes[masked].Overlays[0], def[masked].Overlays[0])
	t.Logf("masked probe: cosine %.4f to the default's embedding, %.4f for its first overlay", c, o)
	if c > 0.9999 || o > 0.9999 {
		t.Errorf("re-aligning from the eyes left the masked probe's vectors alone (cosine %.6f, overlay %.6f)", c, o)
	}
}

// The default pipeline loads the masked head and maps the masked path with its anchor;
// NoMaskedHead scores as before the head, on that rule's own anchor, and whitens nothing.
func TestExperimentalNoMaskedHead(t *testing.T) {
	for _, tt := range []struct {
		noHead bool
		anchor float32
	}{{false, cosMaskedAtFAR1e3}, {true, cosMaskedNoHeadAtFAR1e3}} {
		p, err := New(Options{Experimental: Experimental{NoMaskedHead: tt.noHead}})
		if errors.Is(err, models.ErrMissing) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if (p.MaskedHead() == nil) != tt.noHead {
			t.Errorf("NoMaskedHead %v: head loaded %v", tt.noHead, p.MaskedHead() != nil)
		}
		if got := p.MaskedSimilarity(tt.anchor); !near(got, 0.75, 1e-6) {
			t.Errorf("NoMaskedHead %v: MaskedSimilarity(%v) = %v, want 0.75", tt.noHead, tt.anchor, got)
		}
		v := make([]float32, Dim)
		v[0] = 1
		w, _ := p.MaskedWhiten(v, nil)
		if moved := w[0] != 1; moved == tt.noHead {
			t.Errorf("NoMaskedHead %v: MaskedWhiten moved the vector: %v", tt.noHead, moved)
		}
	}
}
