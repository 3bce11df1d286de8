package index

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wajah-id/wajah/bench/vecdata"
)

// sameResults: two indexes answer every query identically (ids and scores).
func sameResults(t *testing.T, a, b *HNSW, s *vecdata.Set) {
	t.Helper()
	for q := range s.NQ() {
		x, y := a.SearchEf(s.Query(q), 10, 50, nil), b.SearchEf(s.Query(q), 10, 50, nil)
		if !slices.Equal(x, y) {
			t.Fatalf("query %d: %v vs %v", q, x, y)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := vecdata.Clustered(2000, 50, 24, 5)
	h, _ := build(t, s, 8, 40)
	for i := 0; i < 100; i++ {
		h.Delete(uint64(i * 7)) // leave tombstones in the snapshot
	}
	path := filepath.Join(t.TempDir(), "snap")
	if err := SaveSnapshot(path, h, 1234); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("temp file left: %v", err)
	}
	g, seq, err := LoadSnapshot(path, h.Options())
	if err != nil {
		t.Fatal(err)
	}
	if seq != 1234 || g.Len() != h.Len() || g.Nodes() != h.Nodes() || g.Tombstones() != h.Tombstones() {
		t.Fatalf("seq %d len %d/%d nodes %d/%d", seq, g.Len(), h.Len(), g.Nodes(), h.Nodes())
	}
	sameResults(t, h, g, s)
	// The restored graph keeps working: add, delete, compact.
	if err := g.Add(99999, s.Query(0)); err != nil {
		t.Fatal(err)
	}
	if r := g.SearchEf(s.Query(0), 1, 50, nil); len(r) != 1 || r[0].ID != 99999 {
		t.Fatalf("added after restore: %v", r)
	}
	g.Compact()
	if g.Tombstones() != 0 {
		t.Fatal("compact after restore")
	}

	for _, tc := range []struct {
		name string
		want Options
		err  error
	}{
		{"other dim", Options{Dim: 25, M: 8, EfConstruction: 40}, ErrIncompatible},
		{"other M", Options{Dim: 24, M: 9, EfConstruction: 40}, ErrIncompatible},
		{"other efc", Options{Dim: 24, M: 8, EfConstruction: 41}, ErrIncompatible},
		{"any", Options{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := LoadSnapshot(path, tc.want); !errors.Is(err, tc.err) {
				t.Fatalf("got %v want %v", err, tc.err)
			}
		})
	}
}

// TestSnapshotCorruption flips every byte of a small snapshot in turn and cuts it at
// every length: each must be refused with ErrCorrupt or ErrVersion, never accepted.
func TestSnapshotCorruption(t *testing.T) {
	s := vecdata.Clustered(40, 0, 4, 6)
	h, _ := build(t, s, 4, 8)
	var buf bytes.Buffer
	if err := h.WriteSnapshot(&buf, 7); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 0x41
		if _, _, err := ReadSnapshot(bytes.NewReader(bad), Options{}); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
	for n := range len(good) {
		if _, _, err := ReadSnapshot(bytes.NewReader(good[:n]), Options{}); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
}

func TestLogAppendReplay(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	s := vecdata.Clustered(300, 20, 16, 8)
	l, err := OpenLog(path, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.N() {
		if err := l.AppendAdd(uint64(i+1), uint64(i), s.Row(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < s.N(); i += 4 {
		if err := l.AppendDelete(uint64(s.N()+i+1), uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.AppendAdd(1, 1, s.Row(0)[:3]); !errors.Is(err, ErrDim) {
		t.Fatalf("short vector: %v", err)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	last := l.LastSeq()
	l.Close()

	l, err = OpenLog(path, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Truncated() != 0 || l.LastSeq() != last {
		t.Fatalf("reopen: truncated %d last %d want %d", l.Truncated(), l.LastSeq(), last)
	}
	h, _ := NewHNSW(Options{Dim: 16, M: 8, EfConstruction: 40})
	f := NewFlat(16)
	got, err := l.ReplayInto(h, 0)
	if err != nil || got != last {
		t.Fatalf("replay: %d %v", got, err)
	}
	if _, err := l.ReplayInto(f, 0); err != nil {
		t.Fatal(err)
	}
	if h.Len() != s.N()-s.N()/4 || f.Len() != h.Len() {
		t.Fatalf("replayed %d/%d vectors", h.Len(), f.Len())
	}
	// Replaying after a seq applies only the tail.
	g := NewFlat(16)
	if _, err := l.ReplayInto(g, uint64(s.N())); err != nil || g.Len() != 0 {
		t.Fatalf("tail replay: %d %v", g.Len(), err)
	}
	if err := l.Reset(); err != nil || l.Size() != logHeader {
		t.Fatalf("reset: %v size %d", err, l.Size())
	}
	if _, err := OpenLog(path, 17); !errors.Is(err, ErrIncompatible) {
		t.Fatalf("other dim: %v", err)
	}
}

// TestLogTornTail cuts the log at every byte inside its last two records and checks
// that reopening keeps exactly the complete records and that appends continue.
func TestLogTornTail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	l, _ := OpenLog(path, 4)
	for i := range 5 {
		l.AppendAdd(uint64(i+1), uint64(i), []float32{1, float32(i), 0, 0})
	}
	l.AppendDelete(6, 0)
	full := l.Size()
	l.Close()
	orig, _ := os.ReadFile(path)
	recAdd, recDel := int64(1+16+16+4), int64(1+16+4)
	for cut := full - recAdd - recDel; cut < full; cut++ {
		if err := os.WriteFile(path, orig[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := OpenLog(path, 4)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		wantRecs := 4
		if cut >= full-recDel {
			wantRecs = 5
		}
		n := 0
		l.Replay(func(Record) error { n++; return nil })
		if n != wantRecs || l.Truncated() != cut-(logHeader+int64(wantRecs)*recAdd) {
			t.Fatalf("cut %d: %d records, truncated %d", cut, n, l.Truncated())
		}
		if err := l.AppendDelete(9, 3); err != nil {
			t.Fatal(err)
		}
		l.Close()
		l, _ = OpenLog(path, 4)
		n = 0
		l.Replay(func(Record) error { n++; return nil })
		if n != wantRecs+1 || l.LastSeq() != 9 {
			t.Fatalf("cut %d: after append %d records, last %d", cut, n, l.LastSeq())
		}
		l.Close()
	}
	// A flipped byte in the middle drops that record and everything after it.
	bad := slices.Clone(orig)
	bad[logHeader+recAdd+5] ^= 1
	os.WriteFile(path, bad, 0o600)
	l, err := OpenLog(path, 4)
	if err != nil {
		t.Fatal(err)
	}
	if l.LastSeq() != 1 || l.Size() != logHeader+recAdd {
		t.Fatalf("flipped: last %d size %d", l.LastSeq(), l.Size())
	}
	l.Close()
}

func FuzzReadSnapshot(f *testing.F) {
	s := vecdata.Clustered(30, 0, 4, 6)
	h, _ := NewHNSW(Options{Dim: 4, M: 4, EfConstruction: 8})
	for i := range s.N() {
		h.Add(uint64(i), s.Row(i))
	}
	var buf bytes.Buffer
	h.WriteSnapshot(&buf, 3)
	f.Add(buf.Bytes())
	f.Add([]byte(snapMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, _, err := ReadSnapshot(bytes.NewReader(b), Options{})
		if err != nil {
			return
		}
		// Anything accepted must be a usable graph.
		g.SearchEf([]float32{1, 0, 0, 0}, 3, 10, nil)
		g.Add(1<<40, []float32{0, 1, 0, 0})
		g.Compact()
	})
}

func FuzzDecodeLog(f *testing.F) {
	var buf bytes.Buffer
	buf.Write(logHeaderBytes(2))
	path := filepath.Join(f.TempDir(), "log")
	l, _ := OpenLog(path, 2)
	l.AppendAdd(1, 5, []float32{1, 2})
	l.AppendDelete(2, 5)
	l.Close()
	b, _ := os.ReadFile(path)
	f.Add(b)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		valid, _, err := DecodeLog(bytes.NewReader(b), 2, func(r Record) error {
			if r.Op != OpAdd && r.Op != OpDelete || (r.Op == OpAdd) != (len(r.Vec) == 2) {
				t.Fatalf("bad record %+v", r)
			}
			return nil
		})
		if valid > int64(len(b)) || (err == nil && valid != int64(len(b))) {
			t.Fatalf("valid %d of %d, err %v", valid, len(b), err)
		}
	})
}
