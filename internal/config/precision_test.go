package config

import (
	"flag"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// TestEmbedPrecisionSetting: fp32 by default (the model id existing stores carry); the
// environment and flags pick bf16, which reaches embed.Options and so the model id.
func TestEmbedPrecisionSetting(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{name: "default", want: embed.PrecisionFP32},
		{name: "env", env: map[string]string{"WAJAH_EMBED_PRECISION": "bf16"}, want: embed.PrecisionBF16},
		{name: "flag beats env", env: map[string]string{"WAJAH_EMBED_PRECISION": "bf16"}, args: []string{"--embed-precision", "fp32"}, want: embed.PrecisionFP32},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default("/models")
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			cfg.Bind(fs)
			if err := Load(fs, tc.args, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }); err != nil {
				t.Fatal(err)
			}
			o := cfg.EmbedOptions()
			if o.Precision != tc.want {
				t.Fatalf("precision %q, want %q", o.Precision, tc.want)
			}
			if (embed.ModelID(o) == embed.BaseModelID) != (tc.want == embed.PrecisionFP32) {
				t.Fatalf("model id %q for precision %q", embed.ModelID(o), tc.want)
			}
		})
	}
}
