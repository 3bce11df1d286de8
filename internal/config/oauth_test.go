package config

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/internal/secrethash"
)

var quiet = slog.New(slog.DiscardHandler)

// s3cretHash is `wajah oauth hash` output for the secret "s3cret" with cheap parameters
// (m=64 KiB, t=1): the test reads the file format, it does not check the secret.
const s3cretHash = "$argon2id$v=19$m=64,t=1,p=1$mg1qSBjpqZszafRtfmGqgw$dFl4xCu1LO1XhHIm172bb1jg8tXQ2tIwD7fB32fcqB4"

// The oauth-clients file takes argon2id lines and refuses old sha256 ones with the command
// that re-hashes; the metrics token file must not be empty.
func TestOAuthClientsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := Default("")
	cfg.OAuthClients = write("good", "# clients\nkiosk = "+s3cretHash+"\n")
	cfg.MetricsToken = write("mt", "tok\n")
	o, err := cfg.Options(quiet)
	if err != nil || o.OAuthClients["kiosk"] == "" || o.MetricsToken != "tok" {
		t.Fatalf("good file: %v %+v", err, o)
	}
	cfg.OAuthClients = write("legacy", "kiosk=1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0\n")
	if _, err := cfg.Options(quiet); !errors.Is(err, secrethash.ErrLegacySHA256) || !strings.Contains(err.Error(), "wajah oauth hash --client kiosk") {
		t.Fatalf("legacy line: %v", err)
	}
	cfg.OAuthClients = write("bad", "kiosk=plain\n")
	if _, err := cfg.Options(quiet); !errors.Is(err, secrethash.ErrFormat) {
		t.Fatalf("bad line: %v", err)
	}
	cfg.OAuthClients = ""
	cfg.MetricsToken = write("empty", "\n")
	if _, err := cfg.Options(quiet); err == nil {
		t.Fatal("empty metrics token accepted")
	}
}
