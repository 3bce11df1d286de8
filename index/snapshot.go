package index

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// Snapshot format, version 1, little-endian:
//
//	header: magic "WAJAHHNS", version u32, dim u32, M u32, efConstruction u32,
//	        seed i64, seq u64, nodes u32, entry u32 (noNode when empty), top u32
//	node:   id u64, flags u8, level u8, dim x f32, then per layer 0..level:
//	        count u32, count x neighbour u32
//	trailer: CRC32-C of everything before it
const (
	snapMagic   = "WAJAHHNS"
	snapVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot writes the graph and seq (the caller's count of applied mutations; the
// engine seals the bytes and writes them atomically, engine/snapshot.go).
// Writers wait while it runs; searches continue.
func (h *HNSW) WriteSnapshot(w io.Writer, seq uint64) error {
	h.mutMu.Lock()
	defer h.mutMu.Unlock()
	h.graphMu.RLock()
	defer h.graphMu.RUnlock()

	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20)
	pages := *h.pages.Load()
	n := h.count.Load()
	entry, top := uint32(noNode), uint32(0)
	if e := h.entry.Load(); e != noEntry {
		entry, top = uint32(e), uint32(e>>32)
	}
	var hdr []byte
	hdr = append(hdr, snapMagic...)
	for _, v := range []uint32{snapVersion, uint32(h.dim), uint32(h.m), uint32(h.opts.EfConstruction)} {
		hdr = binary.LittleEndian.AppendUint32(hdr, v)
	}
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(h.opts.Seed))
	hdr = binary.LittleEndian.AppendUint64(hdr, seq)
	for _, v := range []uint32{n, entry, top} {
		hdr = binary.LittleEndian.AppendUint32(hdr, v)
	}
	if _, err := bw.Write(hdr); err != nil {
		return err
	}
	rec := make([]byte, 0, 10+4*h.dim+(h.m0+1)*4)
	for x := uint32(0); x < n; x++ {
		pg := pages[x>>pageShift]
		s := x & pageMask
		rec = binary.LittleEndian.AppendUint64(rec[:0], pg.ext[s])
		rec = append(rec, byte(pg.flags[s]&flagDeleted), pg.level[s])
		for _, f := range h.vec(pg, x) {
			rec = binary.LittleEndian.AppendUint32(rec, math.Float32bits(f))
		}
		if _, err := bw.Write(rec); err != nil {
			return err
		}
		for lc := 0; lc <= int(pg.level[s]); lc++ {
			l := h.links(pg, x, lc) // stable: writers wait on mutMu
			rec = rec[:0]
			for _, v := range l[:1+l[0]] {
				rec = binary.LittleEndian.AppendUint32(rec, v)
			}
			if _, err := bw.Write(rec); err != nil {
				return err
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

// crcReader hashes what it reads.
type crcReader struct {
	r   io.Reader
	crc hash.Hash32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc.Write(p[:n])
	return n, err
}

// ReadSnapshot restores a graph and returns the seq it was written with. When want.Dim
// is set, the snapshot's Dim, M and EfConstruction must equal want's (after defaults)
// or ErrIncompatible is returned; EfSearch and CompactRatio come from want. Every
// field is bounds-checked and the CRC verified before the index is returned.
func ReadSnapshot(r io.Reader, want Options) (*HNSW, uint64, error) {
	cr := &crcReader{r: r, crc: crc32.New(castagnoli)}
	hdr := make([]byte, 8+4*4+8+8+3*4)
	if _, err := io.ReadFull(cr, hdr); err != nil {
		return nil, 0, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if string(hdr[:8]) != snapMagic {
		return nil, 0, fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	le := binary.LittleEndian
	if v := le.Uint32(hdr[8:]); v != snapVersion {
		return nil, 0, fmt.Errorf("%w: snapshot version %d", ErrVersion, v)
	}
	opts := Options{
		Dim:            int(le.Uint32(hdr[12:])),
		M:              int(le.Uint32(hdr[16:])),
		EfConstruction: int(le.Uint32(hdr[20:])),
		Seed:           int64(le.Uint64(hdr[24:])),
	}
	seq := le.Uint64(hdr[32:])
	n, entry, top := le.Uint32(hdr[40:]), le.Uint32(hdr[44:]), le.Uint32(hdr[48:])
	if want.Dim != 0 {
		w := want.EnsureDefaults()
		if w.Dim != opts.Dim || w.M != opts.M || w.EfConstruction != opts.EfConstruction {
			return nil, 0, fmt.Errorf("%w: snapshot dim %d M %d efC %d, want %d %d %d", ErrIncompatible,
				opts.Dim, opts.M, opts.EfConstruction, w.Dim, w.M, w.EfConstruction)
		}
		opts.EfSearch, opts.CompactRatio = w.EfSearch, w.CompactRatio
	}
	h, err := NewHNSW(opts)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if (n == 0) != (entry == noNode) || (n > 0 && (entry >= n || top > maxLevel)) {
		return nil, 0, fmt.Errorf("%w: entry %d of %d nodes", ErrCorrupt, entry, n)
	}
	rec := make([]byte, 10+4*h.dim)
	word := make([]byte, 4*(h.m0+1))
	for x := uint32(0); x < n; x++ {
		if _, err := io.ReadFull(cr, rec); err != nil {
			return nil, 0, fmt.Errorf("%w: node %d: %v", ErrCorrupt, x, err)
		}
		flags, level := rec[8], rec[9]
		if flags&^flagDeleted != 0 || level > maxLevel || (x == entry && uint32(level) != top) || uint32(level) > top {
			return nil, 0, fmt.Errorf("%w: node %d flags %d level %d", ErrCorrupt, x, flags, level)
		}
		node := h.allocNode(int(level))
		pg := (*h.pages.Load())[node>>pageShift]
		s := node & pageMask
		id := le.Uint64(rec)
		pg.ext[s], pg.flags[s] = id, uint32(flags)
		v := h.vec(pg, node)
		for i := range v {
			v[i] = math.Float32frombits(le.Uint32(rec[10+4*i:]))
		}
		for lc := 0; lc <= int(level); lc++ {
			l := h.links(pg, node, lc)
			if _, err := io.ReadFull(cr, word[:4]); err != nil {
				return nil, 0, fmt.Errorf("%w: node %d links: %v", ErrCorrupt, x, err)
			}
			cnt := le.Uint32(word)
			if cnt > uint32(len(l)-1) {
				return nil, 0, fmt.Errorf("%w: node %d layer %d has %d links", ErrCorrupt, x, lc, cnt)
			}
			if _, err := io.ReadFull(cr, word[:4*cnt]); err != nil {
				return nil, 0, fmt.Errorf("%w: node %d links: %v", ErrCorrupt, x, err)
			}
			l[0] = cnt
			for i := range cnt {
				nb := le.Uint32(word[4*i:])
				if nb >= n || nb == x {
					return nil, 0, fmt.Errorf("%w: node %d links to %d", ErrCorrupt, x, nb)
				}
				l[1+i] = nb
			}
		}
		if flags&flagDeleted != 0 {
			h.deleted.Add(1)
			continue
		}
		if _, dup := h.ids.m[id]; dup {
			return nil, 0, fmt.Errorf("%w: id %d twice", ErrCorrupt, id)
		}
		h.ids.m[id] = node
	}
	sum := cr.crc.Sum32()
	var tr [4]byte
	if _, err := io.ReadFull(r, tr[:]); err != nil {
		return nil, 0, fmt.Errorf("%w: trailer: %v", ErrCorrupt, err)
	}
	if le.Uint32(tr[:]) != sum {
		return nil, 0, fmt.Errorf("%w: snapshot checksum", ErrCorrupt)
	}
	// Neighbours must live on their layer (checked once every level is known).
	pages := *h.pages.Load()
	for x := range n {
		pg := pages[x>>pageShift]
		for lc := 1; lc <= int(pg.level[x&pageMask]); lc++ {
			l := h.links(pg, x, lc)
			for _, nb := range l[1 : 1+l[0]] {
				if int(pages[nb>>pageShift].level[nb&pageMask]) < lc {
					return nil, 0, fmt.Errorf("%w: node %d layer %d links to lower node %d", ErrCorrupt, x, lc, nb)
				}
			}
		}
	}
	if n > 0 {
		h.entry.Store(uint64(top)<<32 | uint64(entry))
	}
	return h, seq, nil
}
