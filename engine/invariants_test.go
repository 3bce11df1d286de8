package engine

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// checkInvariants walks the whole store and the in-memory indexes and fails the test on
// any disagreement:
//   - every value opens (version, CRC) and every sealed field decrypts;
//   - every person's face ids have face rows that point back at the person;
//   - every face row is listed by exactly its person;
//   - every gallery's index holds as many faces as its face rows, and finds each by its
//     vector (every one when exact; HNSW is approximate and may miss under 1%);
//   - no person or face row belongs to a gid without a gallery.
func checkInvariants(t testing.TB, e *Engine) {
	t.Helper()
	e.mu.RLock()
	gals := map[uint64]*gallery{}
	for _, g := range e.mu.galleries {
		gals[g.rec.GID] = g
	}
	e.mu.RUnlock()
	type faceInfo struct {
		ph  []byte
		vec []float32
	}
	faces := map[uint64]map[uint64]faceInfo{} // gid -> face id -> info
	owners := map[uint64]map[uint64][]byte{}  // gid -> face id -> person hash listing it
	err := e.view(func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			switch k[0] {
			case tabPerson:
				gid := binary.BigEndian.Uint64(k[1:9])
				if gals[gid] == nil {
					t.Errorf("person row under dropped gid %d", gid)
					continue
				}
				rec, err := decodePerson(v)
				if err != nil {
					t.Errorf("person row: %v", err)
					continue
				}
				if _, err := e.personOf(k, rec); err != nil {
					t.Errorf("person row does not open: %v", err)
				}
				if len(rec.Faces) == 0 || len(rec.Faces) > e.opts.MaxTemplates {
					t.Errorf("person with %d faces", len(rec.Faces))
				}
				if owners[gid] == nil {
					owners[gid] = map[uint64][]byte{}
				}
				for _, f := range rec.Faces {
					if owners[gid][f] != nil {
						t.Errorf("face %d listed twice", f)
					}
					owners[gid][f] = k[9:]
				}
			case tabFace:
				gid := binary.BigEndian.Uint64(k[1:9])
				if gals[gid] == nil {
					t.Errorf("face row under dropped gid %d", gid)
					continue
				}
				fr, err := decodeFace(v)
				if err != nil {
					t.Errorf("face row: %v", err)
					continue
				}
				plain, err := e.keys.open(fr.SealedEmbedding, k)
				if err != nil {
					t.Errorf("face row does not open: %v", err)
					continue
				}
				vec, _ := bytesVec(plain)
				if faces[gid] == nil {
					faces[gid] = map[uint64]faceInfo{}
				}
				faces[gid][binary.BigEndian.Uint64(k[9:])] = faceInfo{fr.PersonHash, vec}
			default:
				if _, err := openEnvelope(v); err != nil && k[0] != tabSeq {
					t.Errorf("row of table %#x: %v", k[0], err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for gid, g := range gals {
		fs, os := faces[gid], owners[gid]
		if len(fs) != len(os) {
			t.Errorf("gallery %s: %d face rows, %d listed by people", g.rec.Name, len(fs), len(os))
		}
		for id, f := range fs {
			if ph, ok := os[id]; !ok || !bytes.Equal(ph, f.ph) {
				t.Errorf("gallery %s: face %d not listed by its person", g.rec.Name, id)
			}
		}
		idx := g.index()
		if idx.Len() != len(fs) {
			t.Errorf("gallery %s: index holds %d, store %d", g.rec.Name, idx.Len(), len(fs))
		}
		missed := 0
		for id, f := range fs {
			hits := idx.Search(f.vec, 10, nil)
			if !slices.ContainsFunc(hits, func(h index.Result) bool { return h.ID == id }) {
				missed++
			}
		}
		if exact := g.idx.Load().exact; (exact && missed > 0) || missed > len(fs)/100 {
			t.Errorf("gallery %s (exact=%v): %d of %d faces not found by their own vector", g.rec.Name, exact, missed, len(fs))
		}
	}
}
