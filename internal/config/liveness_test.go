package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// TestLivenessSettings: on by default at the built-in threshold; settable from the file,
// the environment and flags; bad values are errors.
func TestLivenessSettings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "wajah.conf")
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		args    []string
		off     bool
		thr     float64
		wantErr bool
	}{
		{name: "default", thr: embed.DefaultLivenessThreshold},
		{name: "file off", file: "liveness = off\n", off: true, thr: embed.DefaultLivenessThreshold},
		{name: "env threshold", env: map[string]string{"WAJAH_LIVENESS_THRESHOLD": "0.9"}, thr: 0.9},
		{name: "flag beats env", env: map[string]string{"WAJAH_LIVENESS": "off"}, args: []string{"--liveness", "on"}, thr: embed.DefaultLivenessThreshold},
		{name: "bad mode", args: []string{"--liveness", "maybe"}, wantErr: true},
		{name: "threshold 0", args: []string{"--liveness-threshold", "0"}, wantErr: true},
		{name: "threshold above 1", args: []string{"--liveness-threshold", "1.5"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			if tc.file != "" {
				if err := os.WriteFile(file, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
				env["WAJAH_CONFIG"] = file
			}
			cfg := Default("/models")
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			cfg.Bind(fs)
			if err := Load(fs, tc.args, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
				t.Fatal(err)
			}
			o, err := cfg.LivenessOptions()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if err == nil && (o.Off != tc.off || o.Threshold != tc.thr) {
				t.Fatalf("got %+v, want off %v threshold %v", o, tc.off, tc.thr)
			}
		})
	}
}
