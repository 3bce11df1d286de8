package tflite

import (
	"encoding/binary"
	"math"
)

// fbReader reads FlatBuffers tables from an untrusted buffer. Every access is bounds checked;
// the first failure is remembered in ok and later reads return zero values, so callers check
// once at the end instead of after every field.
//
// Written by hand rather than generated from schema.fbs for github.com/google/flatbuffers/go:
// that library indexes the buffer unchecked and panics on a corrupt file by design (there is
// no Go verifier in v25.2.10; Debian's flatc is 2.0.8), and wajah's library code returns
// errors. Measured on 200 truncations of rnet.tflite: its accessors, reading only as far as
// the first subgraph's tensor vector, panicked on 197; Parse returned ErrFormat on all 200.
// The parse runs once per model load, so speed does not enter into it. (The tests build
// models with that library's Builder, which only writes.)
type fbReader struct {
	b  []byte
	ok bool
}

// fbTable is a table position; vt is its vtable, vtLen the vtable's byte length.
type fbTable struct {
	pos, vt, vtLen int
}

func (r *fbReader) in(off, n int) bool {
	if !r.ok || off < 0 || n < 0 || off > len(r.b)-n {
		r.ok = false
		return false
	}
	return true
}

func (r *fbReader) u8(off int) uint8 {
	if !r.in(off, 1) {
		return 0
	}
	return r.b[off]
}

func (r *fbReader) u16(off int) uint16 {
	if !r.in(off, 2) {
		return 0
	}
	return binary.LittleEndian.Uint16(r.b[off:])
}

func (r *fbReader) u32(off int) uint32 {
	if !r.in(off, 4) {
		return 0
	}
	return binary.LittleEndian.Uint32(r.b[off:])
}

func (r *fbReader) u64(off int) uint64 {
	if !r.in(off, 8) {
		return 0
	}
	return binary.LittleEndian.Uint64(r.b[off:])
}

// table opens the table at pos.
func (r *fbReader) table(pos int) fbTable {
	soff := int(int32(r.u32(pos)))
	vt := pos - soff
	vtLen := int(r.u16(vt))
	if vtLen < 4 || vtLen%2 != 0 {
		r.ok = false
	}
	if !r.ok {
		return fbTable{}
	}
	return fbTable{pos: pos, vt: vt, vtLen: vtLen}
}

// root opens the buffer's root table.
func (r *fbReader) root() fbTable { return r.table(int(r.u32(0))) }

// field returns the absolute position of field i, or 0 when absent.
func (r *fbReader) field(t fbTable, i int) int {
	o := 4 + 2*i
	if !r.ok || o+2 > t.vtLen {
		return 0
	}
	fo := int(r.u16(t.vt + o))
	if fo == 0 {
		return 0
	}
	return t.pos + fo
}

func (r *fbReader) fieldU8(t fbTable, i int, def uint8) uint8 {
	if p := r.field(t, i); p != 0 {
		return r.u8(p)
	}
	return def
}

func (r *fbReader) fieldI32(t fbTable, i int, def int32) int32 {
	if p := r.field(t, i); p != 0 {
		return int32(r.u32(p))
	}
	return def
}

func (r *fbReader) fieldU32(t fbTable, i int, def uint32) uint32 {
	if p := r.field(t, i); p != 0 {
		return r.u32(p)
	}
	return def
}

func (r *fbReader) fieldU64(t fbTable, i int) uint64 {
	if p := r.field(t, i); p != 0 {
		return r.u64(p)
	}
	return 0
}

func (r *fbReader) fieldF32(t fbTable, i int, def float32) float32 {
	if p := r.field(t, i); p != 0 {
		return math.Float32frombits(r.u32(p))
	}
	return def
}

// deref follows the uoffset stored at p.
func (r *fbReader) deref(p int) int {
	if p == 0 {
		return 0
	}
	o := int(r.u32(p))
	if !r.ok || o == 0 {
		r.ok = false
		return 0
	}
	return p + o
}

// subTable returns field i as a table and whether it is present.
func (r *fbReader) subTable(t fbTable, i int) (fbTable, bool) {
	p := r.field(t, i)
	if p == 0 {
		return fbTable{}, false
	}
	q := r.deref(p)
	if !r.ok {
		return fbTable{}, false
	}
	return r.table(q), r.ok
}

// vector returns the position of field i's first element and its length (elemSize bytes each).
func (r *fbReader) vector(t fbTable, i, elemSize int) (int, int) {
	p := r.field(t, i)
	if p == 0 {
		return 0, 0
	}
	v := r.deref(p)
	n := int(r.u32(v))
	if !r.ok || n < 0 || !r.in(v+4, n*elemSize) || n > len(r.b) {
		r.ok = false
		return 0, 0
	}
	return v + 4, n
}

func (r *fbReader) string(t fbTable, i int) string {
	p, n := r.vector(t, i, 1)
	if n == 0 {
		return ""
	}
	return string(r.b[p : p+n])
}

func (r *fbReader) bytes(t fbTable, i int) []byte {
	p, n := r.vector(t, i, 1)
	if n == 0 {
		return nil
	}
	return r.b[p : p+n]
}

func (r *fbReader) int32s(t fbTable, i int) []int {
	p, n := r.vector(t, i, 4)
	out := make([]int, n)
	for j := range out {
		out[j] = int(int32(r.u32(p + 4*j)))
	}
	return out
}

func (r *fbReader) float32s(t fbTable, i int) []float32 {
	p, n := r.vector(t, i, 4)
	out := make([]float32, n)
	for j := range out {
		out[j] = math.Float32frombits(r.u32(p + 4*j))
	}
	return out
}

// tables returns the tables of a vector-of-tables field.
func (r *fbReader) tables(t fbTable, i int) []fbTable {
	p, n := r.vector(t, i, 4)
	out := make([]fbTable, 0, n)
	for j := 0; j < n && r.ok; j++ {
		out = append(out, r.table(r.deref(p+4*j)))
	}
	return out
}
