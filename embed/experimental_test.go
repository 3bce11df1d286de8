package embed

import (
	"strings"
	"testing"
)

// An unknown masked alignment is refused, not read as the default: it would otherwise
// carry a ModelID of its own for the default's vectors.
func TestExperimentalMaskedAlignUnknown(t *testing.T) {
	_, err := New(Options{Experimental: Experimental{MaskedAlign: "nose"}})
	if err == nil || !strings.Contains(err.Error(), "masked alignment") {
		t.Fatalf("New with MaskedAlign nose: %v", err)
	}
}
