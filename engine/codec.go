package engine

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
)

// Every stored value is an envelope: one byte of record format version, the record's
// payload, and a little-endian CRC32C of everything before it. The version lets a
// future schema read old records; the checksum catches torn or bit-rotted values that
// Badger's own checksums would not (Badger verifies table blocks, not values it hands
// back from the value log unless asked).
const (
	recordVersion = 1
	envelopeExtra = 1 + 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// seal appends the CRC to a payload that starts with the version byte (see newRecord).
func sealEnvelope(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// openEnvelope checks version and CRC and returns the payload (aliasing b).
func openEnvelope(b []byte) ([]byte, error) {
	if len(b) < envelopeExtra {
		return nil, fmt.Errorf("%w: value of %d bytes", ErrCorrupt, len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if body[0] != recordVersion {
		return nil, fmt.Errorf("%w: record version %d", ErrCorrupt, body[0])
	}
	return body[1:], nil
}

// writer appends fields; a record is newRecord(), fields, then sealEnvelope.
type writer struct{ b []byte }

func newRecord(sizeHint int) *writer {
	w := &writer{b: make([]byte, 0, sizeHint+envelopeExtra)}
	w.b = append(w.b, recordVersion)
	return w
}

func (w *writer) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) varint(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *writer) bytes(p []byte)   { w.uvarint(uint64(len(p))); w.b = append(w.b, p...) }
func (w *writer) str(s string)     { w.uvarint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *writer) f64(v float64)    { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v)) }
func (w *writer) f32(v float32)    { w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(v)) }
func (w *writer) done() []byte     { return sealEnvelope(w.b) }

// reader consumes fields; the first error sticks and later reads return zero values,
// so decoders check r.err once at the end.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated %s", ErrCorrupt, what)
	}
	r.b = nil
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes returns a copy, so records never alias Badger's buffers (valid only inside a txn).
func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail("bytes")
		return nil
	}
	p := append([]byte(nil), r.b[:n]...)
	r.b = r.b[n:]
	return p
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail("string")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) f64() float64 {
	if len(r.b) < 8 {
		r.fail("float64")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *reader) f32() float32 {
	if len(r.b) < 4 {
		r.fail("float32")
		return 0
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(r.b))
	r.b = r.b[4:]
	return v
}

// end fails when bytes are left over: a record must be consumed exactly.
func (r *reader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(r.b))
	}
	return r.err
}

// decodeRecord opens the envelope and returns a reader over the payload.
func decodeRecord(v []byte) (*reader, error) {
	p, err := openEnvelope(v)
	if err != nil {
		return nil, err
	}
	return &reader{b: p}, nil
}

// vecBytes / bytesVec convert embeddings to little-endian float32 bytes.
func vecBytes(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func bytesVec(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%w: embedding of %d bytes", ErrCorrupt, len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
