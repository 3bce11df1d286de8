// What is persisted, and how (the details live next to the code that does it):
//
//   - Layout: Options.Dir/store holds Badger (SyncWrites on: a mutating call returns
//     after its transaction is fsynced; Badger batches concurrent commits into one
//     fsync), Options.Dir/index holds HNSW snapshots.
//   - Meta record (meta.go): schema version, metric, HNSW M and efConstruction, whether
//     the store is encrypted and a key-check value. Open compares them with the options
//     and the key, like pebble's CheckCompatibility: ErrIncompatible / ErrWrongKey.
//     Each gallery row pins its embedding model id and dimension: ErrModelMismatch.
//   - Keys (keys.go): a table byte, then keyed HMACs (tenant, gallery, person) or numeric
//     ids; never a raw NIK, name or token. Tokens are keyed by SHA-256.
//   - Values (codec.go, records.go): record version byte, fields, CRC32C. Decoders
//     reject flipped bits and truncation (ErrCorrupt) and are fuzzed.
//   - Encryption (crypt.go): AES-256-GCM of person ids/NIKs, names, templates, ledger
//     NIKs and index snapshots, the Badger key as additional data; sub-keys derived from
//     one 32-byte master key (Options.KeyFile or $WAJAH_KEY). No key: a loud warning.
//   - Audit rows (audit.go): trx_id, operation, outcome, timings, the person as a keyed
//     hash. Mutations write theirs in the same transaction; reads through a batched
//     background writer.
//   - Index (recover.go, snapshot.go): in memory, exact below Options.ExactBelow faces,
//     HNSW above. Open restores a gallery's graph from its snapshot when the snapshot's
//     mutation counter and size equal the store's, and rebuilds it from Badger
//     otherwise, so after a crash at any point the index equals the store. Over a
//     shared store the snapshots live in the store itself (storesnap.go).
//   - Trust (enroll_guard.go, calibration.go, erase.go): re-enrolment must match the
//     person (or Replace, audited with its Actor); a face of another person of the
//     tenant is ErrDuplicateFace; request thresholds are floored at MinThreshold;
//     identify's threshold rises with gallery size from a committed impostor table;
//     ErasePerson and RetentionDays delete personal data.

package engine
