package engine

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/kv/badgerkv"
)

const testKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// dirContains reports whether any file under dir holds needle.
func dirContains(t *testing.T, dir string, needle []byte) bool {
	t.Helper()
	found := false
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, needle) {
			found = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestEncryptionAtRest writes a NIK, a name and a template, closes the store and looks
// for them in every file Badger wrote (WAL/memtable, tables, value log). The unencrypted
// control case must find them, which shows the search would see a leak.
func TestEncryptionAtRest(t *testing.T) {
	const nik, name = "3201234567890123", "Siti Nurhaliza Binti"
	for _, encrypted := range []bool{false, true} {
		t.Run(fmt.Sprintf("encrypted=%v", encrypted), func(t *testing.T) {
			dir := t.TempDir()
			o := testOptions(t, dir)
			if encrypted {
				kf := filepath.Join(t.TempDir(), "key")
				if err := os.WriteFile(kf, []byte(testKeyHex+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				o.KeyFile = kf
			}
			e := openTest(t, o, newFake())
			r, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: nik, Name: name, Image: img("siti/1"), CreateGallery: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.RecordCheckin(ctx, CheckinRecord{Tenant: "acme", NIK: nik, Direction: "checkin"}); err != nil {
				t.Fatal(err)
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			emb := vecBytes(r.Face.Embedding)[:32]
			for what, needle := range map[string][]byte{"nik": []byte(nik), "name": []byte(name), "embedding": emb} {
				if got := dirContains(t, dir, needle); got == encrypted {
					t.Errorf("%s in files: %v", what, got)
				}
			}
			if !encrypted {
				return
			}
			// Without the key, or with another one, the store refuses to open.
			o2 := o
			o2.KeyFile = ""
			if _, err := Open(o2, newFake()); !errors.Is(err, ErrWrongKey) {
				t.Fatalf("open without key: %v", err)
			}
			t.Setenv("WAJAH_TEST_KEY", hex.EncodeToString(bytes.Repeat([]byte{7}, 32)))
			o2.KeyEnv = "WAJAH_TEST_KEY"
			if _, err := Open(o2, newFake()); !errors.Is(err, ErrWrongKey) {
				t.Fatalf("open with another key: %v", err)
			}
			t.Setenv("WAJAH_TEST_KEY", testKeyHex) // the right key from the environment
			e = openTest(t, o2, newFake())
			defer e.Close()
			v, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: nik, Image: img("siti/2")})
			if err != nil || !v.Verified || v.Person.Name != name {
				t.Fatalf("verify after reopen: %+v %v", v, err)
			}
		})
	}
	// An unencrypted store refuses a key rather than mixing clear and sealed rows.
	dir := t.TempDir()
	e := openTest(t, testOptions(t, dir), nil)
	e.Close()
	t.Setenv("WAJAH_TEST_KEY", testKeyHex)
	o := testOptions(t, dir)
	o.KeyEnv = "WAJAH_TEST_KEY"
	if _, err := Open(o, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("key on unencrypted store: %v", err)
	}
}

func TestCompatibility(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	o.IndexM = 12
	e := openTest(t, o, nil)
	e.Close()
	tests := []struct {
		name   string
		m, efc int
		err    error
	}{
		{"zero adopts stored", 0, 0, nil},
		{"same", 12, 0, nil},
		{"other M", 16, 0, ErrIncompatible},
		{"other efConstruction", 0, 100, ErrIncompatible},
	}
	for _, tc := range tests {
		o := testOptions(t, dir)
		o.IndexM, o.IndexEfConstruction = tc.m, tc.efc
		e, err := Open(o, nil)
		if !errors.Is(err, tc.err) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err == nil {
			if e.Options().IndexM != 12 {
				t.Fatalf("%s: IndexM %d", tc.name, e.Options().IndexM)
			}
			e.Close()
		}
	}
	// A newer schema version is refused.
	db, err := badgerkv.Open(badgerkv.Options{Dir: filepath.Join(dir, storeSubdir), MemTableSize: 4 << 20, VLogFileSize: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Update(context.Background(), func(txn kv.Txn) error {
		item, err := txn.Get(keyMeta)
		if err != nil {
			return err
		}
		v, _ := item.ValueCopy(nil)
		m, err := decodeMeta(v)
		if err != nil {
			return err
		}
		m.Schema = schemaVersion + 1
		return txn.Set(keyMeta, m.encode())
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(testOptions(t, dir), nil); !errors.Is(err, ErrIncompatible) {
		t.Fatalf("newer schema: %v", err)
	}
}

// TestCorruptValue flips one byte of a stored person row: the CRC catches it.
func TestCorruptValue(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	enroll(t, e, "acme", "g", "x", "x/1")
	g, _ := e.lookup("acme", "g")
	pk := personKey(g.rec.GID, e.keys.personHash(g.rec.GID, "x"))
	err := e.update(func(txn kv.Txn) error {
		item, err := txn.Get(pk)
		if err != nil {
			return err
		}
		v, _ := item.ValueCopy(nil)
		v[3] ^= 0x40
		return txn.Set(pk, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "x", Image: img("x/2")}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("verify of corrupt row: %v", err)
	}
}

// TestOrphanPurge leaves rows of a gid without a gallery, as a crash in the middle of
// DeleteGallery's purge does; Open removes them.
func TestOrphanPurge(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, testOptions(t, dir), newFake())
	enroll(t, e, "acme", "keep", "x", "x/1")
	enroll(t, e, "acme", "drop", "y", "y/1")
	enroll(t, e, "acme", "drop", "z", "z/1")
	g, _ := e.lookup("acme", "drop")
	// Drop only the gallery row, as if the purge never ran.
	if err := e.update(func(txn kv.Txn) error { return txn.Delete(g.key) }); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = openTest(t, testOptions(t, dir), newFake())
	defer e.Close()
	if r := e.Recovery(); r.Orphans != 7 || r.Galleries != 1 || r.Faces != 1 {
		t.Fatalf("recovery %+v, want 7 orphan rows (2 people, 2 faces, 2 changes, 1 counter)", r)
	}
	checkInvariants(t, e)
}

// TestExactToHNSW grows a gallery past ExactBelow: it switches to HNSW, every face stays
// findable, and a reopen builds HNSW directly.
func TestExactToHNSW(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	o.ExactBelow = 40
	o.NoSyncWrites = true
	e := openTest(t, o, newFake())
	for i := range 60 {
		enroll(t, e, "acme", "g", fmt.Sprint(i), fmt.Sprintf("p%d/1", i))
	}
	g, _ := e.lookup("acme", "g")
	if g.idx.Load().exact {
		t.Fatal("gallery still exact above ExactBelow")
	}
	checkInvariants(t, e)
	e.Close()
	e = openTest(t, o, newFake())
	defer e.Close()
	g, _ = e.lookup("acme", "g")
	if g.idx.Load().exact || g.index().Len() != 60 {
		t.Fatalf("after reopen: exact=%v len=%d", g.idx.Load().exact, g.index().Len())
	}
	for i := range 60 {
		r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img(fmt.Sprintf("p%d/2", i))})
		if err != nil || r.Matches[0].Person.ID != fmt.Sprint(i) {
			t.Fatalf("identify %d: %v", i, err)
		}
	}
	checkInvariants(t, e)
}

// TestConcurrent runs enrols, verifies, identifies and deletes from several goroutines
// (meaningful under -race), then checks the invariants.
func TestConcurrent(t *testing.T) {
	o := testOptions(t, t.TempDir())
	o.ExactBelow = 30 // cross over to HNSW while others search
	e := openTest(t, o, newFake())
	defer e.Close()
	var (
		wg     sync.WaitGroup
		misses atomic.Int64
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				id := fmt.Sprintf("w%d-%d", w, i)
				if _, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: id, Image: img(id + "/1"), CreateGallery: true}); err != nil {
					t.Error(err)
					return
				}
				if r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: id, Image: img(id + "/2")}); err != nil || !r.Verified {
					t.Errorf("verify %s: %v", id, err)
				}
				// Past ExactBelow the search is approximate: count misses, fail on errors.
				if r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img(id + "/3")}); errors.Is(err, ErrNotVerified) || (err == nil && r.Matches[0].Person.ID != id) {
					misses.Add(1)
				} else if err != nil {
					t.Errorf("identify %s: %v", id, err)
				}
				if i%3 == 0 {
					if err := e.DeletePerson(ctx, "acme", "g", id); err != nil {
						t.Error(err)
					}
				}
				_ = e.Stats()
			}
		}()
	}
	wg.Wait()
	if n := misses.Load(); n > 2 {
		t.Errorf("identify missed %d of 100 just-enrolled people", n)
	}
	checkInvariants(t, e)
	if n := e.Stats().GallerySizes["acme/g"]; n != 4*(25-9) {
		t.Fatalf("gallery size %d", n)
	}
}

// TestSnapshots: a clean Close lets Open restore the HNSW graph; writes after the
// snapshot (a crash skipping Close is simulated by turning snapshots off before it) are
// replayed from the change records; a gap in them or a damaged file makes Open rebuild
// from the store instead.
func TestSnapshots(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	o.ExactBelow = 20
	o.NoSyncWrites = true
	e := openTest(t, o, newFake())
	for i := range 50 {
		enroll(t, e, "acme", "g", fmt.Sprint(i), fmt.Sprintf("p%d/1", i))
	}
	e.Close()
	reopen := func(wantSnaps, wantReplayed, wantFaces int) *Engine {
		t.Helper()
		e := openTest(t, o, newFake())
		if r := e.Recovery(); r.Snapshots != wantSnaps || r.Replayed != wantReplayed || r.Faces != wantFaces {
			t.Fatalf("recovery %+v, want %d snapshots, %d replayed, %d faces", r, wantSnaps, wantReplayed, wantFaces)
		}
		checkInvariants(t, e)
		return e
	}
	crash := func(e *Engine) {
		e.opts.NoIndexSnapshots = true // as if the process died before Close
		e.Close()
	}
	e = reopen(1, 0, 50)
	enroll(t, e, "acme", "g", "late", "late/1")
	if err := e.DeletePerson(ctx, "acme", "g", "3"); err != nil {
		t.Fatal(err)
	}
	crash(e)
	e = reopen(1, 2, 50) // snapshot + enrol + delete replayed
	if r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("late/2")}); err != nil || r.Matches[0].Person.ID != "late" {
		t.Fatalf("late enrol after replay: %v", err)
	}
	if _, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("p3/2")}); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("deleted person after replay: %v", err)
	}
	enroll(t, e, "acme", "g", "later", "later/1")
	gid := e.mu.galleries[galleryName{"acme", "g"}].rec.GID
	crash(e)
	// Lose a change record: the gap forces a rebuild.
	e = openTest(t, o, newFake())
	if err := e.update(func(txn kv.Txn) error { return txn.Delete(changeKey(gid, 53)) }); err != nil {
		t.Fatal(err)
	}
	crash(e)
	e = reopen(0, 0, 51)
	e.Close()
	e = reopen(1, 0, 51)
	e.Close()
	// A damaged snapshot is ignored, not fatal.
	g := filepath.Join(dir, indexSubdir)
	ents, _ := os.ReadDir(g)
	if len(ents) != 1 {
		t.Fatalf("%d files in %s", len(ents), g)
	}
	p := filepath.Join(g, ents[0].Name())
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 1
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	e = reopen(0, 0, 51)
	// Dropping the gallery removes its snapshot.
	if err := e.DeleteGallery(ctx, "acme", "g"); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if ents, _ := os.ReadDir(g); len(ents) != 0 {
		t.Fatalf("snapshot of a dropped gallery left: %v", ents)
	}
}

// TestEmptyLogAfterCrash reproduces what a kill between creating and sizing a value log
// or memtable WAL leaves behind (both seen in TestCrash): Open must still succeed with
// the data intact.
func TestEmptyLogAfterCrash(t *testing.T) {
	for _, name := range []string{"000099.vlog", "00099.mem"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			e := openTest(t, testOptions(t, dir), newFake())
			enroll(t, e, "acme", "g", "x", "x/1")
			e.Close()
			if err := os.WriteFile(filepath.Join(dir, storeSubdir, name), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			e = openTest(t, testOptions(t, dir), newFake())
			defer e.Close()
			if r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "x", Image: img("x/2")}); err != nil || !r.Verified {
				t.Fatalf("verify after reopen: %v", err)
			}
		})
	}
}

// TestOpenFailsOnCorruptGallery: galleries load in parallel at Open; a damaged face row
// in one of them still fails the start with ErrCorrupt, and cleanly: the store is
// closed (a second Open gets the same error, not Badger's directory lock) and no
// loader goroutine is left running.
func TestOpenFailsOnCorruptGallery(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, testOptions(t, dir), newFake())
	for k := range 8 {
		for i := range 3 {
			enroll(t, e, "acme", fmt.Sprintf("g%d", k), fmt.Sprintf("p%d", i), fmt.Sprintf("g%dp%d/1", k, i))
		}
	}
	g, _ := e.lookup("acme", "g5")
	err := e.update(func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: gidPrefix(tabFace, g.rec.GID), PrefetchValues: true})
		defer it.Close()
		it.Rewind()
		k := it.Item().KeyCopy(nil)
		v, _ := it.Item().ValueCopy(nil)
		v[len(v)/2] ^= 0x40
		return txn.Set(k, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for range 2 {
		if _, err := Open(testOptions(t, dir), newFake()); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("open over a damaged face row: %v, want ErrCorrupt", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the failed opens, %d before", n, before)
	}
}
