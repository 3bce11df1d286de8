package embed

import (
	"bytes"
	"errors"
	"testing"
)

// The committed weight files re-marshal to the same bytes: the shared frame (magic, body,
// CRC-32) and each format's field order are what the files were written with.
func TestWeightFilesRoundTripBytes(t *testing.T) {
	for _, name := range []string{MaskFile, MaskDetailFile, FacenessFile} {
		mask, err := maskFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseMaskModel(mask)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b, _ := m.MarshalBinary(); !bytes.Equal(b, mask) {
			t.Errorf("%s re-marshals to %d bytes, file has %d (or they differ)", name, len(b), len(mask))
		}
	}
	live, err := liveFS.ReadFile(LiveFile)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseLiveHead(live)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := h.MarshalBinary(); !bytes.Equal(b, live) {
		t.Errorf("liveness head re-marshals to %d bytes, file has %d (or they differ)", len(b), len(live))
	}
	// One flipped body byte is a checksum error of the caller's format.
	bad := bytes.Clone(live)
	bad[6] ^= 1
	if _, err := ParseLiveHead(bad); !errors.Is(err, errLiveFormat) {
		t.Errorf("corrupt head: %v", err)
	}
}
