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

func BenchmarkCommit(b *testing.B) {
	s := openBench(b)
	kvtest.BenchCommit(b, s)
}

func BenchmarkFeed(b *testing.B) {
	s := openBench(b)
	kvtest.BenchFeed(b, s, s)
}

func openBench(b *testing.B) *Store {
	s, err := Open(Options{Dir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
