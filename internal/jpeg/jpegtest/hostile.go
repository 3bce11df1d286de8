// Package jpegtest builds JPEG files for tests.
package jpegtest

import "encoding/binary"

// HostileProgressive is a small progressive JPEG that declares w x h pixels, three
// components at 4:4:4, and codes a flat grey picture in the fewest bits: one DC scan and one
// AC scan per component, every block one 1-bit Huffman code (about w*h/16 bytes: 197 KB at
// 4096x4096). A decoder that buffers full coefficient blocks for the declared size (as
// image/jpeg does, 256 bytes per block) needs ~200 MB for it; the file costs nothing to send.
func HostileProgressive(w, h int) []byte {
	b := []byte{0xFF, 0xD8}
	seg := func(m byte, body []byte) {
		b = append(b, 0xFF, m, 0, 0)
		binary.BigEndian.PutUint16(b[len(b)-2:], uint16(len(body)+2))
		b = append(b, body...)
	}
	dqt := make([]byte, 65)
	for i := 1; i < 65; i++ {
		dqt[i] = 1
	}
	seg(0xDB, dqt)
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3}
	for id := byte(1); id <= 3; id++ {
		sof = append(sof, id, 0x11, 0)
	}
	seg(0xC2, sof)
	// One symbol per table, code "0": DC category 0 (no change), AC 0x00 (end of block).
	one := func(class byte) []byte {
		t := make([]byte, 18)
		t[0], t[1] = class<<4, 1
		return t
	}
	seg(0xC4, append(one(0), one(1)...))
	zeros := func(bits int) {
		n := (bits + 7) / 8
		for i := 0; i < n-1; i++ {
			b = append(b, 0)
		}
		// Pad the last byte with ones, as the standard asks.
		pad := n*8 - bits
		b = append(b, byte(1<<pad-1))
	}
	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	seg(0xDA, []byte{3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0}) // DC first, all components
	zeros(3 * blocks)
	for id := byte(1); id <= 3; id++ {
		seg(0xDA, []byte{1, id, 0x00, 1, 63, 0}) // AC 1..63 first, one component
		zeros(blocks)
	}
	return append(b, 0xFF, 0xD9)
}
