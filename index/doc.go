// Package index: see index.go for the summary. This file documents the choices and how
// the engine persists a graph.
//
// # Choosing an index
//
// NewFlat(dim) scans every vector; NewHNSW(Options{Dim: dim}) builds the graph. Below
// about 5000 vectors (128-192 dims, measured against HNSW at ef=64, recall@10 >= 0.99)
// Flat is as fast and exact; `wajah bench index` prints the crossover for the machine
// at hand. Both implement Index and are safe for concurrent
// searches with Add and Delete. HNSW.SearchEf sets efSearch per call.
//
// # Memory layout
//
// Nodes live in pages of 4096. A node's normalized vector and its layer-0 link list share one
// block padded to 64 bytes (hnsw.go, page.level0), so the links of a node the search expands
// arrive with the vector it scored; upper layers, ids and flags are separate (read rarely).
// Once the blocks exceed 16 MiB, searches touch every cache line of the neighbours they are
// about to score first (search.go, touchVecs), which overlaps the misses; at 1M vectors that
// made queries ~20% faster (bench/INDEX.md).
//
// Concurrent Adds are equivalent to sequential ones in what they can find: an insert's
// search cannot see nodes that are being linked at the same moment, so every insert also
// takes the concurrent ones as layer-0 candidates (flight.go), writes its lists
// bottom-up, and keeps the back links others added to it meanwhile. Without that, two
// near-duplicates inserted together missed each other and the neighbour heuristic
// stranded one (2-4% of ids unfindable with four inserters, concurrent_test.go; none
// sequentially). The engine rebuilds a gallery's graph from all CPUs.
//
// # Persistence
//
// The index keeps nothing on disk itself: WriteSnapshot and ReadSnapshot turn a graph
// into bytes and back, and the engine decides where they go. Badger is the source of
// truth and the graph a cache of it (engine/snapshot.go): every enrol or delete bumps a
// per-gallery mutation counter and writes a change record in the same Badger
// transaction; the engine seals a snapshot with the seq it reflects, writes it
// atomically, and trims the change records it covers. Open reads the snapshot
// (ErrIncompatible when Dim, M or EfConstruction differ, ErrCorrupt or ErrVersion on a
// bad file), replays the change records after its seq with Add and Delete, and rebuilds
// from the face rows when anything does not add up. Re-adding an id replaces it and
// deleting an absent id is a no-op, so replay is idempotent.
//
// Restoring is much faster than rebuilding: at 100k x 192 (M=16, efC=200) reading the
// 83 MiB snapshot takes ~0.3 s against ~27 CPU-seconds to rebuild the graph from the
// vectors (bench/INDEX.md), so rebuild is the fallback, not the default. Each replayed
// change costs one insert, which is why the engine snapshots every
// Options.SnapshotEvery mutations.
//
// Deletes leave tombstones that keep routing searches; when they pass
// Options.CompactRatio (25%) of the nodes the deleting call runs Compact, which repairs
// the neighbours' links with the heuristic and renumbers the nodes (searches wait).
//
// Format: the snapshot is a versioned header, the nodes, and a trailing CRC32-C of
// everything before it (snapshot.go).
package index
