package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wajah-id/wajah/embed"
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

// The defaults come from each package's own constants; these are the values the README's
// settings table states.
func TestDefaults(t *testing.T) {
	got := Default("/models")
	want := Config{
		Addr: ":8080", DataDir: "./data", ModelsDir: "/models", Threshold: 0.75, MaxBody: 32 << 20,
		RequestTimeout: 30 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, ShutdownTimeout: 30 * time.Second, IdentifyK: 5, LogLevel: "info",
		Provider: "local", DefaultStatus: "green", IdentifyFAR: 1e-3, DuplicatePolicy: "refuse", MaskedEnrolment: "refuse", DuplicateScope: "gallery",
		PLTimeout: 3 * time.Second, PLRetries: 2, PLBackoff: 100 * time.Millisecond,
		OAuthTokenTTL: 24 * time.Hour, OAuthRate: 10, OAuthBurst: 5, OAuthFailCost: 3,
		PLBreakerFailures: 5, PLBreakerCooldown: 10 * time.Second,
		PLRegisterPath: "/api/v1/register", PLCheckinPath: "/api/v1/checkin", PLCheckoutPath: "/api/v1/checkout",
		SimAddr: "127.0.0.1:0", SimDelay: 5 * time.Second,
		ImageLimits: ImageLimits{MaxImagePixels: 50_000_000, MaxImageSide: 12000, MaxDecodeMB: 1024, EmbedPrecision: embed.PrecisionFP32},
		Liveness:    "on", LivenessThreshold: got.LivenessThreshold, // embed's calibrated value, tested there
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// max-body-mb is MiB in the file, environment and flags; 0 leaves the server's default
// (max-inflight x max-body) and -1 is unbounded.
func TestMaxBodyMB(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want int64
	}{{"", 0}, {"0", 0}, {"512", 512 << 20}, {"-1", -1}} {
		cfg := Default("/models")
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg.Bind(fs)
		env := map[string]string{}
		if tt.env != "" {
			env["WAJAH_MAX_BODY_MB"] = tt.env
		}
		if err := Load(fs, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
			t.Fatal(err)
		}
		o, err := cfg.Options(nil)
		if err != nil {
			t.Fatal(err)
		}
		if o.MaxBodyMemory != tt.want {
			t.Errorf("WAJAH_MAX_BODY_MB=%q: MaxBodyMemory %d, want %d", tt.env, o.MaxBodyMemory, tt.want)
		}
	}
}
