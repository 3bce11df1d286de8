package pgkv

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/kv/kvtest"
	"github.com/wajah-id/wajah/internal/pgtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openDSN(t testing.TB, dsn string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, Options{DSN: dsn, Logger: quiet, PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	srv := pgtest.Start(t)
	kvtest.Run(t, func(t *testing.T) kv.Store { return openDSN(t, srv.CreateDB(t)) })
}

func BenchmarkCommit(b *testing.B) {
	srv := pgtest.Start(b)
	s := openDSN(b, srv.CreateDB(b))
	defer s.Close()
	kvtest.BenchCommit(b, s)
}

// BenchmarkFeed: writer and follower are two Stores (two nodes) over one database.
func BenchmarkFeed(b *testing.B) {
	srv := pgtest.Start(b)
	dsn := srv.CreateDB(b)
	w, f := openDSN(b, dsn), openDSN(b, dsn)
	defer w.Close()
	defer f.Close()
	kvtest.BenchFeed(b, w, f)
}
