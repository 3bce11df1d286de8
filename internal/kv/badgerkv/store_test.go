package badgerkv

import (
	"io"
	"log/slog"
	"testing"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/kv/kvtest"
)

func open(t *testing.T) kv.Store {
	s, err := Open(Options{Dir: t.TempDir(), MemTableSize: 8 << 20, VLogFileSize: 16 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { kvtest.Run(t, open) }
