package embed

import (
	"bytes"
	"encoding"
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
	head, err := maskFS.ReadFile(MaskedHeadFile)
	if err != nil {
		t.Fatal(err)
	}
	mh, err := ParseMaskedHead(head)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := mh.MarshalBinary(); !bytes.Equal(b, head) {
		t.Errorf("masked head re-marshals to %d bytes, file has %d (or they differ)", len(b), len(head))
	}
	// One flipped body byte is a checksum error of the caller's format.
	bad := bytes.Clone(live)
	bad[6] ^= 1
	if _, err := ParseLiveHead(bad); !errors.Is(err, errLiveFormat) {
		t.Errorf("corrupt head: %v", err)
	}
}

// addWeightFileSeeds seeds a weight-file fuzzer with a file and with its body alone, which
// fuzzWeightFile seals.
func addWeightFileSeeds(f *testing.F, file []byte) {
	f.Add(file)
	f.Add(file[4 : len(file)-4])
}

// fuzzWeightFile parses data as given and sealed (magic + data + CRC-32), so that mutations
// reach the field checks instead of stopping at the CRC: a refusal must be errFormat, an
// accepted file must re-marshal to its own bytes, and use must not panic on it.
func fuzzWeightFile[T encoding.BinaryMarshaler](t *testing.T, data []byte, magic string, errFormat error, parse func([]byte) (T, error), use func(T)) {
	for _, file := range [][]byte{data, sealedWeightFile(magic, data)} {
		v, err := parse(file)
		if err != nil {
			if !errors.Is(err, errFormat) {
				t.Fatalf("error not %q: %v", errFormat, err)
			}
			continue
		}
		if b, err := v.MarshalBinary(); err != nil || !bytes.Equal(b, file) {
			t.Fatalf("accepted input does not round-trip")
		}
		use(v)
	}
}

// sealedWeightFile frames a body as MarshalBinary does: magic, body, CRC-32.
func sealedWeightFile(magic string, body []byte) []byte {
	b := newWeightFile(magic)
	b.Write(body)
	return sealWeightFile(b)
}
