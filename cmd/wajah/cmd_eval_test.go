package main

import (
	"os"
	"path/filepath"
	"testing"
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
