package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wajah-id/wajah/embed/roc"
)

func TestReadPairs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, text string
		n          int
		folds, ok  bool
	}{
		{"header", "path1\tpath2\tsame\na.jpg\tb.jpg\t1\nc.jpg\td.jpg\t0\n", 2, false, true},
		{"folds", "a.jpg\tb.jpg\t1\t0\nc.jpg\td.jpg\t0\t1\n", 2, true, true},
		{"crlf", "a.jpg\tb.jpg\t1\r\n", 1, false, true},
		{"bad same", "path1\tpath2\tsame\na.jpg\tb.jpg\tyes\n", 0, false, false},
		{"bad fold", "a.jpg\tb.jpg\t1\tx\n", 0, false, false},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, tt.name+".tsv")
		if err := os.WriteFile(p, []byte(tt.text), 0o644); err != nil {
			t.Fatal(err)
		}
		rows, folds, err := readPairs(p)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
			continue
		}
		if err == nil && (len(rows) != tt.n || folds != tt.folds) {
			t.Errorf("%s: %d rows, folds %v; want %d, %v", tt.name, len(rows), folds, tt.n, tt.folds)
		}
	}
	rows, _, _ := readPairs(filepath.Join(dir, "header.tsv"))
	if rows[0].a != "a.jpg" || !rows[0].same || rows[1].same {
		t.Errorf("rows = %+v", rows)
	}
}

func TestReadMaskManifest(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.tsv")
	if err := os.WriteFile(p, []byte("path\tmask\nmasked/1.jpg\t1\nunmasked/2.jpg\t0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := readMaskManifest(p)
	if err != nil || len(rows) != 2 || !rows[0].mask || rows[1].mask {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	n := 0
	for i := 0; i < 100; i++ {
		if isValidation(i) {
			n++
		}
	}
	if n != 20 {
		t.Fatalf("validation split holds %d of 100", n)
	}
}

func TestAcceptedAt(t *testing.T) {
	ts := []roc.Labeled{
		{Score: 0.80, Same: true}, {Score: 0.75, Same: true}, {Score: 0.74, Same: true},
		{Score: 0.75, Same: false}, {Score: 0.20, Same: false}, {Score: 0.9, Same: false}, {Score: 0.1, Same: false},
	}
	for _, c := range []struct {
		at                      float64
		tp, same, fp, different int
	}{
		{0.75, 2, 3, 2, 4}, // a score equal to the threshold is accepted, as in verify
		{0.76, 1, 3, 1, 4},
		{0, 3, 3, 4, 4},
		{1, 0, 3, 0, 4},
	} {
		tp, same, fp, different := acceptedAt(ts, c.at)
		if tp != c.tp || same != c.same || fp != c.fp || different != c.different {
			t.Errorf("acceptedAt(%v) = %d/%d, %d/%d, want %d/%d, %d/%d", c.at, tp, same, fp, different, c.tp, c.same, c.fp, c.different)
		}
	}
}
