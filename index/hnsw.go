package index

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Nodes live in fixed-size pages so the graph grows without moving what concurrent
// searches are reading; a node id is a dense uint32 (page<<pageShift | slot).
const (
	pageShift = 12
	pageSize  = 1 << pageShift
	pageMask  = pageSize - 1
	maxLevel  = 31
	noNode    = math.MaxUint32
)

// page holds pageSize nodes. A node's vector, level, ext and upper are written once
// before it is published (linked or made the entry point); link words and flags are
// read with atomics because inserts rewrite them while searches run.
//
// Each node's vector and its layer-0 links share one block (vector first, 64-byte
// aligned): a search scores a node's vector before it expands the node, so the links
// arrive with the same cache lines. At 1M vectors, where nothing fits in cache, separate
// arrays cost a miss per expansion.
type page struct {
	level0 []uint32     // pageSize*stride0: dim float32 bits, count, m0 ids, padding
	upper  [][]uint32   // per node: level*(m+1) words for layers 1..level
	level  []uint8      // top layer of each node
	ext    []uint64     // caller id
	flags  []uint32     // flagDeleted, atomically
	locks  []sync.Mutex // guard each node's link lists while they are rewritten
}

const flagDeleted = 1

// HNSW is a hierarchical navigable small world graph (Malkov & Yashunin 2016) over
// normalized vectors with inner-product similarity. Searches run concurrently with
// inserts and deletes; Compact and snapshots briefly exclude writers.
type HNSW struct {
	opts      Options
	dim, m    int
	m0        int     // layer-0 degree, 2*M
	stride0   int     // words per node in page.level0, a multiple of 16 (64 bytes)
	touch     int8    // touchAuto, touchOn, touchOff: see preload
	levelMult float64 // 1/ln(M)

	// graphMu: searches and mutations hold it shared; Compact holds it exclusively
	// because it renumbers nodes.
	graphMu sync.RWMutex
	// mutMu: mutations hold it shared; snapshots hold it exclusively so they see a
	// consistent graph while searches continue.
	mutMu sync.RWMutex

	pages atomic.Pointer[[]*page] // copy-on-grow directory
	count atomic.Uint32           // nodes allocated (published or being inserted)
	entry atomic.Uint64           // level<<32 | node, or noEntry

	growMu sync.Mutex // allocation of node ids, pages and levels
	rng    *rand.Rand // under growMu

	entryMu sync.Mutex // an insert that raises the top level holds it throughout

	flight flight // inserts in progress (flight.go)

	ids struct {
		sync.RWMutex
		m map[uint64]uint32 // caller id -> live node
	}
	deleted atomic.Int64 // tombstoned nodes not yet compacted

	visited sync.Pool // *scratch
}

const noEntry = math.MaxUint64

var _ Index = (*HNSW)(nil)

// NewHNSW returns an empty graph; zero Options fields take their defaults.
func NewHNSW(opts Options) (*HNSW, error) {
	opts = opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	h := &HNSW{
		opts:      opts,
		dim:       opts.Dim,
		m:         opts.M,
		m0:        2 * opts.M,
		stride0:   (opts.Dim + 2*opts.M + 1 + 15) &^ 15,
		levelMult: 1 / math.Log(float64(opts.M)),
		rng:       rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15)),
	}
	empty := []*page{}
	h.pages.Store(&empty)
	h.entry.Store(noEntry)
	h.ids.m = map[uint64]uint32{}
	return h, nil
}

// Options returns the options in effect (defaults filled in).
func (h *HNSW) Options() Options { return h.opts }

// Dim is the vector dimension.
func (h *HNSW) Dim() int { return h.dim }

// Len is the number of live (not deleted) vectors.
func (h *HNSW) Len() int {
	h.ids.RLock()
	defer h.ids.RUnlock()
	return len(h.ids.m)
}

// Nodes is the number of graph nodes including tombstones awaiting compaction.
func (h *HNSW) Nodes() int { return int(h.count.Load()) }

// newPage allocates storage for pageSize nodes.
func (h *HNSW) newPage() *page {
	return &page{
		level0: make([]uint32, pageSize*h.stride0), // large allocations are page-aligned
		upper:  make([][]uint32, pageSize),
		level:  make([]uint8, pageSize),
		ext:    make([]uint64, pageSize),
		flags:  make([]uint32, pageSize),
		locks:  make([]sync.Mutex, pageSize),
	}
}

// pageOf returns the page holding node, reloading the directory when the caller's copy
// predates the page (a concurrent insert grew the graph).
func (h *HNSW) pageOf(pages *[]*page, node uint32) *page {
	p := int(node >> pageShift)
	if p >= len(*pages) {
		*pages = *h.pages.Load()
	}
	return (*pages)[p]
}

func (h *HNSW) vec(pg *page, node uint32) []float32 {
	blk := pg.level0[int(node&pageMask)*h.stride0:]
	return unsafe.Slice((*float32)(unsafe.Pointer(&blk[0])), h.dim)
}

// links returns the link block (count word then ids) of node at layer lc.
func (h *HNSW) links(pg *page, node uint32, lc int) []uint32 {
	s := int(node & pageMask)
	if lc == 0 {
		o := s*h.stride0 + h.dim
		return pg.level0[o : o+h.m0+1 : o+h.m0+1]
	}
	o := (lc - 1) * (h.m + 1)
	return pg.upper[s][o : o+h.m+1 : o+h.m+1]
}

// randomLevel draws floor(-ln(U)*mL), the paper's exponentially decaying layer.
func (h *HNSW) randomLevel() int {
	u := 1 - h.rng.Float64() // (0,1]
	l := int(-math.Log(u) * h.levelMult)
	return min(l, maxLevel)
}

// allocNode reserves the next node id, growing the directory when needed.
func (h *HNSW) allocNode(level int) uint32 {
	h.growMu.Lock()
	defer h.growMu.Unlock()
	n := h.count.Load()
	pages := *h.pages.Load()
	if int(n>>pageShift) >= len(pages) {
		grown := append(pages[:len(pages):len(pages)], h.newPage())
		h.pages.Store(&grown)
		pages = grown
	}
	pg := pages[n>>pageShift]
	s := n & pageMask
	pg.level[s] = uint8(level)
	if level > 0 {
		pg.upper[s] = make([]uint32, level*(h.m+1))
	}
	h.count.Store(n + 1)
	return n
}

// visitSet marks nodes seen by one search with a generation stamp, so it is reused
// without clearing.
type visitSet struct {
	mark []uint16
	gen  uint16
}

// fresh marks node and returns 1 if it was not marked yet, 0 if it was, without a branch
// on the answer.
func (v *visitSet) fresh(node uint32) int {
	if int(node) >= len(v.mark) {
		v.grow(node)
	}
	old := v.mark[node]
	v.mark[node] = v.gen
	k := 0
	if old != v.gen {
		k = 1
	}
	return k
}

func (v *visitSet) grow(node uint32) {
	m := make([]uint16, int(node)+int(node)/4+pageSize)
	copy(m, v.mark)
	v.mark = m
}

// visit marks node and reports whether it was already marked; it grows the set when a
// concurrent insert published a node beyond it.
func (v *visitSet) visit(node uint32) bool {
	if int(node) >= len(v.mark) {
		v.grow(node)
	}
	if v.mark[node] == v.gen {
		return true
	}
	v.mark[node] = v.gen
	return false
}
