package jpeg

import "encoding/binary"

// lookBits is the Huffman lookahead width: codes up to 9 bits (nearly all symbols of
// typical tables) decode with one table read; longer ones walk maxcode as in the spec.
const lookBits = 9

// fastBits is the width of the combined AC table: a code and its magnitude bits that fit
// in it decode with one table read (libjpeg-turbo and stb_image do the same).
const fastBits = 10

// huffTable is a decoding table for one DHT.
type huffTable struct {
	look    [1 << lookBits]uint16 // code length << 8 | symbol; 0: longer than lookBits
	maxcode [18]int32             // largest code of each length, -1 if none; [17] sentinel
	valptr  [17]int32             // index into vals of the first code of each length, minus that code
	vals    [256]uint8
	// fast is indexed by the next fastBits bits: value<<16 | run<<8 | bits used, for a
	// symbol with a nonzero magnitude whose code plus magnitude bits fit; 0 otherwise.
	fast [1 << fastBits]int32
	ok   bool
}

// build makes the table from the DHT counts per length (1..16) and symbols.
func (t *huffTable) build(counts [16]int, syms []byte) error {
	*t = huffTable{}
	copy(t.vals[:], syms)
	code, k := int32(0), 0
	for l := 1; l <= 16; l++ {
		n := counts[l-1]
		t.valptr[l] = int32(k) - code
		if n == 0 {
			t.maxcode[l] = -1
		} else {
			if code+int32(n) > 1<<l {
				return formatErr("bad Huffman table")
			}
			if l <= lookBits {
				for i := 0; i < n; i++ {
					c := code + int32(i)
					shift := lookBits - l
					for j := int32(0); j < 1<<shift; j++ {
						t.look[c<<shift|j] = uint16(l)<<8 | uint16(syms[k+i])
					}
				}
			}
			if l < fastBits {
				t.buildFast(code, l, syms[k:k+n])
			}
			t.maxcode[l] = code + int32(n) - 1
		}
		code = (code + int32(n)) << 1
		k += n
	}
	t.maxcode[17] = 1<<31 - 1
	t.ok = true
	return nil
}

// buildFast fills fast for the n codes of length l starting at code.
func (t *huffTable) buildFast(code int32, l int, syms []byte) {
	for i, rs := range syms {
		r, s := int32(rs>>4), rs&15
		if s == 0 || l+int(s) > fastBits {
			continue
		}
		rest := uint(fastBits - l) // bits after the code
		for j := int32(0); j < 1<<rest; j++ {
			mag := j >> (rest - uint(s))
			v := mag
			if v < 1<<(s-1) {
				v += -1<<s + 1
			}
			t.fast[(code+int32(i))<<rest|j] = v<<16 | r<<8 | int32(l+int(s))
		}
	}
}

// bitReader reads entropy-coded bits: 0xFF00 is a data 0xFF; any other marker ends the
// data (zeros are fed after it, and after the end of the buffer, and counted so that a scan
// that reads into them is reported as truncated).
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64 // left-aligned: the next bit is bit 63
	n      uint   // valid bits in acc
	zeros  int    // zero bytes fed past a marker or the end
	atMark bool   // a marker (or the end) was reached
}

func (br *bitReader) reset(data []byte, pos int) {
	*br = bitReader{data: data, pos: pos}
}

// fill tops acc up to at least 57 bits. When the next 8 bytes hold no 0xFF it loads them
// at once; the bits below the n valid ones may then hold the start of the next byte, which
// the next fill ORs in again unchanged (acc is only ever ORed, shifted or reset).
func (br *bitReader) fill() {
	if p := br.pos; p+8 <= len(br.data) && !br.atMark {
		x := binary.BigEndian.Uint64(br.data[p:])
		y := ^x // a byte 0xFF in x is a zero byte in y
		if (y-0x0101010101010101)&^y&0x8080808080808080 == 0 {
			k := (64 - br.n) >> 3
			br.acc |= x >> br.n
			br.pos += int(k)
			br.n += 8 * k
			return
		}
	}
	for br.n <= 56 {
		var b byte
		if !br.atMark {
			if br.pos >= len(br.data) {
				br.atMark = true
			} else if b = br.data[br.pos]; b != 0xFF {
				br.pos++
			} else if br.pos+1 < len(br.data) && br.data[br.pos+1] == 0 {
				br.pos += 2
			} else {
				br.atMark = true // a marker: leave pos on its 0xFF
				b = 0
			}
		}
		if br.atMark {
			b = 0
			br.zeros++
		}
		br.acc |= uint64(b) << (56 - br.n)
		br.n += 8
	}
}

// refill is fill for a caller that keeps acc and n in locals. baselineBlock's AC loop has
// the common case (no 0xFF in the next 8 bytes) written out inline as well.
func (br *bitReader) refill(acc uint64, n uint) (uint64, uint) {
	if p := br.pos; p+8 <= len(br.data) && !br.atMark {
		x := binary.BigEndian.Uint64(br.data[p:])
		if y := ^x; (y-0x0101010101010101)&^y&0x8080808080808080 == 0 {
			k := (64 - n) >> 3
			br.pos = p + int(k)
			return acc | x>>n, n + 8*k
		}
	}
	br.acc, br.n = acc, n
	br.fill()
	return br.acc, br.n
}

// overrun reports whether decoding consumed bits beyond the real data.
func (br *bitReader) overrun() bool { return 8*br.zeros > int(br.n) }

// bits returns the next n (0..16) bits.
func (br *bitReader) bits(n uint) uint32 {
	if br.n < n {
		br.fill()
	}
	if n == 0 {
		return 0
	}
	v := uint32(br.acc >> (64 - n))
	br.acc <<= n
	br.n -= n
	return v
}

func (br *bitReader) bit() uint32 { return br.bits(1) }

// receiveExtend reads an s-bit magnitude category value (F.2.2.1).
func (br *bitReader) receiveExtend(s uint) int32 {
	if s == 0 {
		return 0
	}
	if br.n < s {
		br.fill()
	}
	v := int32(br.acc >> (64 - s))
	br.acc <<= s
	br.n -= s
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// decode reads one Huffman symbol; ok is false for a code not in the table.
func (br *bitReader) decode(t *huffTable) (uint8, bool) {
	if br.n < 16 {
		br.fill()
	}
	if e := t.look[br.acc>>(64-lookBits)]; e != 0 {
		l := uint(e >> 8)
		br.acc <<= l
		br.n -= l
		return uint8(e), true
	}
	for l := uint(lookBits + 1); l <= 16; l++ {
		c := int32(br.acc >> (64 - l))
		if c <= t.maxcode[l] {
			br.acc <<= l
			br.n -= l
			i := t.valptr[l] + c
			if i < 0 || i > 255 {
				return 0, false
			}
			return t.vals[i], true
		}
	}
	return 0, false
}

// restartMarker discards the bits left before an RSTn marker and skips the marker; it
// reports false when the next marker is not RSTn (a damaged file: the caller stops).
func (br *bitReader) restartMarker() bool {
	p := br.pos
	// Scan forward to the marker (tolerates garbage before it, as libjpeg does).
	for p+1 < len(br.data) && !(br.data[p] == 0xFF && br.data[p+1] != 0 && br.data[p+1] != 0xFF) {
		p++
	}
	if p+1 >= len(br.data) {
		return false
	}
	m := br.data[p+1]
	if m < 0xD0 || m > 0xD7 {
		return false
	}
	br.reset(br.data, p+2)
	return true
}
