// Package index: see index.go for the summary. This file documents the choices and the
// persistence protocol the engine follows.
//
// # Choosing an index
//
// NewFlat(dim) scans every vector; NewHNSW(Options{Dim: dim}) builds the graph. Below a
// few thousand vectors Flat is as fast and exact (`wajah bench index` measures the
// crossover on the machine at hand). Both implement Index and are safe for concurrent
// searches with Add and Delete. HNSW.SearchEf sets efSearch per call.
//
// # Persistence (what the engine does)
//
// Badger is the source of truth; the index is a cache of it that can be restored fast.
// Every mutation carries a sequence number seq assigned by the engine, increasing, and
// stored in Badger in the same transaction as the face (e.g. a per-gallery counter).
//
//  1. Write path: commit the face to Badger (sync), then Add/Delete on the index, then
//     Log.AppendAdd(seq, id, vec) / Log.AppendDelete(seq, id). The log need not be
//     fsynced per record: Badger is durable, and recovery fills any gap (step 3).
//     Call Log.Sync for a group commit if you want the gap small.
//  2. Checkpoint (e.g. every 10k records or on clean shutdown): SaveSnapshot(path, idx,
//     seq) writes the graph with the seq of the last applied record to path+".tmp",
//     fsyncs and renames it over path; then Log.Reset() starts an empty log. A crash
//     between the two leaves old records with seq <= the snapshot's, which replay skips.
//  3. Open: LoadSnapshot(path, opts) returns the index and its seq (ErrIncompatible when
//     Dim, M or EfConstruction differ from opts: rebuild then). OpenLog(logPath, dim)
//     truncates a torn tail (a record with a short body or a bad CRC32-C) and Replay
//     (idx, afterSeq) applies the records with seq > the snapshot's and returns the last
//     seq applied. If that is below the store's seq, the engine re-applies the missing
//     faces from Badger (or rebuilds: Add every face of the gallery into NewHNSW).
//     Replay is idempotent: re-adding an id replaces it, deleting an absent id is a no-op.
//
// Restoring a snapshot is much faster than rebuilding the graph from vectors (at 100k x
// 192 see the figures in bench/INDEX.md), so rebuild is the fallback, not the default.
//
// Formats: the snapshot is a versioned header, the nodes, and a trailing CRC32-C of
// everything before it. The log is a header (magic, version, dim, CRC) then records:
// opcode byte, little-endian fields, CRC32-C of opcode and fields. Opcodes are appended,
// never reused.
package index
