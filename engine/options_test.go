package engine

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Options)
		ok   bool
	}{
		{"defaults", func(*Options) {}, true},
		{"threshold above 1", func(o *Options) { o.Threshold = 1.5 }, false},
		{"negative threshold", func(o *Options) { o.Threshold = -0.1 }, false},
		{"negative max templates", func(o *Options) { o.MaxTemplates = -1 }, false},
		{"too many templates", func(o *Options) { o.MaxTemplates = maxTemplatesCeiling + 1 }, false},
		{"M too small", func(o *Options) { o.IndexM = 1 }, false},
		{"efConstruction below M", func(o *Options) { o.IndexM, o.IndexEfConstruction = 32, 16 }, false},
		{"tiny memtable", func(o *Options) { o.MemTableSize = 1024 }, false},
		{"huge vlog file", func(o *Options) { o.VLogFileSize = 4 << 30 }, false},
		{"bad default status", func(o *Options) { o.DefaultUserStatus = "blue" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{}
			tc.edit(&o)
			err := o.EnsureDefaults().Validate()
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
	d := Options{}.EnsureDefaults()
	if d.Dir != DefaultDir || d.Threshold != DefaultThreshold || d.MaxTemplates != DefaultMaxTemplates || d.KeyEnv != DefaultKeyEnv {
		t.Fatalf("defaults %+v", d)
	}
}

func TestLoadMasterKey(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, file, env string
		ok              bool
	}{
		{"raw file", write("raw", key), "", true},
		{"hex file", write("hex", []byte(testKeyHex+"\n")), "", true},
		{"base64 file", write("b64", []byte(base64.StdEncoding.EncodeToString(key))), "", true},
		{"hex env", "", testKeyHex, true},
		{"base64url env", "", base64.RawURLEncoding.EncodeToString(key), true},
		{"short file", write("short", []byte("abcd")), "", false},
		{"short env", "", "00ff", false},
		{"missing file", filepath.Join(dir, "nope"), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("WAJAH_TEST_KEY", tc.env)
			got, err := loadMasterKey(tc.file, "WAJAH_TEST_KEY")
			if (err == nil) != tc.ok {
				t.Fatalf("err %v", err)
			}
			if tc.ok && string(got) != string(key) {
				t.Fatalf("key %x", got)
			}
		})
	}
	if k, err := loadMasterKey("", "WAJAH_TEST_KEY_UNSET"); k != nil || err != nil {
		t.Fatalf("no key configured: %x %v", k, err)
	}
}

// TestSealOpen: a sealed field opens only under its own record key and keyring.
func TestSealOpen(t *testing.T) {
	key := make([]byte, 32)
	a, _ := newKeyring(key, nil)
	key2 := append([]byte(nil), key...)
	key2[0] = 1
	b, _ := newKeyring(key2, nil)
	plain, _ := newKeyring(nil, []byte("h"))
	s := a.seal([]byte("3201"), []byte("k1"))
	if p, err := a.open(s, []byte("k1")); err != nil || string(p) != "3201" {
		t.Fatalf("open: %q %v", p, err)
	}
	for name, err := range map[string]error{
		"other record key": second(a.open(s, []byte("k2"))),
		"other master key": second(b.open(s, []byte("k1"))),
		"truncated":        second(a.open(s[:len(s)-1], []byte("k1"))),
	} {
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := plain.open(s, []byte("k1")); !errors.Is(err, ErrWrongKey) {
		t.Errorf("sealed field in unencrypted store: %v", err)
	}
	if _, err := a.open(plain.seal([]byte("x"), nil), nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("clear field in encrypted store: %v", err)
	}
	if string(a.hash("d", "ab", "c")) == string(a.hash("d", "a", "bc")) {
		t.Error("hash parts not separated")
	}
}

func second[T any](_ T, err error) error { return err }
