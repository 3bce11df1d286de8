package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvDir names the environment variable that overrides the models directory.
const EnvDir = "WAJAH_MODELS"

// ErrMissing reports a model file that has not been fetched.
var ErrMissing = errors.New("model file missing: run `make models`")

// Dir is where fetched models live: $WAJAH_MODELS, else .models in the enclosing module root
// (found by walking up from the working directory, so tests in any package find it).
func Dir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ".models"
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, ".models")
		}
		if filepath.Dir(d) == d {
			return ".models"
		}
	}
}

// Path returns the path of a fetched model file by base name in Dir(), or ErrMissing.
func Path(base string) (string, error) { return PathIn(Dir(), base) }

// PathIn is Path in the models directory dir.
func PathIn(dir, base string) (string, error) {
	p := filepath.Join(dir, base)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s: %w", p, ErrMissing)
	}
	return p, nil
}
