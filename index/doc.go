// Package index: see index.go for the summary. This file documents the choices and the
// persistence protocol the engine follows.
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
// # Persistence (what the engine does)
//
// Badger is the source of truth; the index is a cache of it that can be restored fast.
// Every mutation carries a sequence number seq assigned by the engine, increasing, and
// stored in Badger in the same transaction as the face (e.g. a per-gallery counter).
//
//  1. Write path, under the gallery's write lock: commit the face and its seq to Badger
//     (sync), then Add/Delete on the index, then Log.AppendAdd(seq, id, vec) /
//     Log.AppendDelete(seq, id). The log need not be fsynced per record: Badger is
//     durable and recovery fills any gap (step 3). Log.Sync is a group commit.
//  2. Checkpoint (e.g. every 10k records or on clean shutdown), under the same lock so
//     seq covers exactly the applied changes: SaveSnapshot(path, idx, seq) writes to
//     path+".tmp", fsyncs, renames over path and fsyncs the directory; then Log.Reset.
//     A crash between the two leaves records with seq <= the snapshot's: replay skips
//     them. Searches keep running during the snapshot; writers wait.
//  3. Open: LoadSnapshot(path, opts) returns the index and its seq (ErrIncompatible when
//     Dim, M or EfConstruction differ from opts, ErrCorrupt on a bad CRC: rebuild
//     then). OpenLog(logPath, dim) truncates a torn tail (short record, unknown opcode
//     or bad CRC32-C; Truncated says how much) and Log.ReplayInto(idx, seq) applies the
//     records with a greater seq and returns the last one applied. If that is below
//     the store's seq, re-apply the faces changed after it from Badger (a per-gallery
//     seq -> face key makes that a range scan) or rebuild: NewHNSW + Add every face.
//     Replay is idempotent: re-adding an id replaces it, deleting an absent id is a
//     no-op. Then SaveSnapshot + Log.Reset to start clean.
//
// Restoring is much faster than rebuilding: at 100k x 192 (M=16, efC=200) loading the
// 83 MiB snapshot takes ~0.3 s against ~27 CPU-seconds to rebuild the graph from the
// vectors (bench/INDEX.md), so rebuild is the fallback, not the default. Replaying a log
// costs one insert per record, so checkpoint before the log grows past ~10% of the
// gallery.
//
// Deletes leave tombstones that keep routing searches; when they pass
// Options.CompactRatio (25%) of the nodes the deleting call runs Compact, which repairs
// the neighbours' links with the heuristic and renumbers the nodes (searches wait).
//
// Formats: the snapshot is a versioned header, the nodes, and a trailing CRC32-C of
// everything before it. The log is a header (magic, version, dim, CRC) then records:
// opcode byte, little-endian fields, CRC32-C of opcode and fields. Opcodes are appended,
// never reused.
package index
