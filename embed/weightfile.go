package embed

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// wajah's own small weight files (maskmodel/, livemodel/) share one frame: a 4-byte magic,
// a little-endian body, and a CRC-32 (IEEE) of everything before it.

// newWeightFile starts a weight file with its magic; sealWeightFile ends it.
func newWeightFile(magic string) *bytes.Buffer {
	var b bytes.Buffer
	b.WriteString(magic)
	return &b
}

// putLE appends values little-endian (bytes.Buffer writes never fail).
func putLE(b *bytes.Buffer, vs ...any) {
	for _, v := range vs {
		_ = binary.Write(b, binary.LittleEndian, v)
	}
}

// sealWeightFile appends the CRC-32 of the file so far and returns its bytes.
func sealWeightFile(b *bytes.Buffer) []byte {
	putLE(b, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes()
}

// openWeightFile checks the magic, a minimum length and the checksum, and returns a reader
// of the body after the magic; errFormat is the caller's format error.
func openWeightFile(data []byte, magic string, minLen int, errFormat error) (*bytes.Reader, error) {
	if len(data) < minLen || string(data[:4]) != magic {
		return nil, errFormat
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum", errFormat)
	}
	return bytes.NewReader(body[4:]), nil
}

// readLE reads n float32s; the caller has checked the length.
func readLE(r *bytes.Reader, n int) []float32 {
	a := make([]float32, n)
	_ = binary.Read(r, binary.LittleEndian, a)
	return a
}
