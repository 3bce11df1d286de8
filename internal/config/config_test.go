package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Precedence is defaults < file < environment < flags.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "wajah.conf")
	if err := os.WriteFile(file, []byte("# comment\naddr = :9000\nthreshold = 0.8\nprovider = http\npl-timeout = 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WAJAH_CONFIG": file, "WAJAH_THRESHOLD": "0.85", "WAJAH_MAX_BODY": "1024"}
	cfg := Default("/models")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.Bind(fs)
	err := Load(fs, []string{"--max-body", "2048"}, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	want := Default("/models")
	want.Addr, want.Threshold, want.Provider, want.PLTimeout, want.MaxBody = ":9000", 0.85, "http", 2*time.Second, 2048
	if cfg != want {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
	// Unknown keys in the file are errors, not silently ignored.
	_ = os.WriteFile(file, []byte("adr = :1\n"), 0o600)
	fs = flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.Bind(fs)
	if err := Load(fs, []string{"-config=" + file}, func(string) (string, bool) { return "", false }); err == nil {
		t.Error("unknown key accepted")
	}
}
