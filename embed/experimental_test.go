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
