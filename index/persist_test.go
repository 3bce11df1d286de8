package index

import (
	"bytes"
	"errors"
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
	var buf bytes.Buffer
	if err := h.WriteSnapshot(&buf, 1234); err != nil {
		t.Fatal(err)
	}
	snap := buf.Bytes()
	g, seq, err := ReadSnapshot(bytes.NewReader(snap), h.Options())
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
			if _, _, err := ReadSnapshot(bytes.NewReader(snap), tc.want); !errors.Is(err, tc.err) {
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
