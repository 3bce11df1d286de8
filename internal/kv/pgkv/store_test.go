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
