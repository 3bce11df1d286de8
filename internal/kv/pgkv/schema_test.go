package pgkv

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/pgtest"
)

func sqlConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func scalar[T any](t *testing.T, c *pgx.Conn, sql string) T {
	t.Helper()
	var v T
	if err := c.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func TestSchema(t *testing.T) {
	srv := pgtest.Start(t)
	bg := context.Background()

	t.Run("fresh database migrates to the current version", func(t *testing.T) {
		dsn := srv.CreateDB(t)
		s := openDSN(t, dsn)
		defer s.Close()
		if v := scalar[int32](t, sqlConn(t, dsn), `SELECT version FROM wajah_schema`); int(v) != SchemaVersion {
			t.Errorf("schema version %d, want %d", v, SchemaVersion)
		}
	})

	t.Run("reopen keeps data and version", func(t *testing.T) {
		dsn := srv.CreateDB(t)
		s := openDSN(t, dsn)
		if _, err := s.Update(bg, func(tx kv.Txn) error { return tx.Set([]byte("k"), []byte("v")) }); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = openDSN(t, dsn)
		defer s.Close()
		err := s.View(bg, func(tx kv.Txn) error { _, err := tx.Get([]byte("k")); return err })
		if err != nil {
			t.Fatalf("after reopen: %v", err)
		}
	})

	t.Run("newer schema is refused and left untouched", func(t *testing.T) {
		dsn := srv.CreateDB(t)
		s := openDSN(t, dsn)
		if _, err := s.Update(bg, func(tx kv.Txn) error { return tx.Set([]byte("k"), []byte("v")) }); err != nil {
			t.Fatal(err)
		}
		s.Close()
		c := sqlConn(t, dsn)
		if _, err := c.Exec(bg, `UPDATE wajah_schema SET version = version + 1`); err != nil {
			t.Fatal(err)
		}
		_, err := Open(bg, Options{DSN: dsn, Logger: quiet, Timeout: 5 * time.Second})
		if !errors.Is(err, kv.ErrSchemaTooNew) || errors.Is(err, kv.ErrUnavailable) {
			t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew alone", err)
		}
		if v := scalar[int32](t, c, `SELECT version FROM wajah_schema`); int(v) != SchemaVersion+1 {
			t.Errorf("version changed to %d", v)
		}
		if n := scalar[int64](t, c, `SELECT count(*) FROM wajah_kv`); n != 1 {
			t.Errorf("%d rows after a refused open, want 1", n)
		}
	})

	t.Run("synchronous_commit is on even when the database says off", func(t *testing.T) {
		dsn := srv.CreateDB(t)
		c := sqlConn(t, dsn)
		if _, err := c.Exec(bg, `ALTER DATABASE `+c.Config().Database+` SET synchronous_commit = off`); err != nil {
			t.Fatal(err)
		}
		s := openDSN(t, dsn)
		defer s.Close()
		var v string
		if err := s.pool.QueryRow(bg, `SHOW synchronous_commit`).Scan(&v); err != nil || v != "on" {
			t.Errorf("synchronous_commit = %q, %v; want on", v, err)
		}
	})

	t.Run("unreachable server fails within the deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(bg, 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := Open(ctx, Options{DSN: "postgres://wajah@/x?host=/nonexistent&sslmode=disable", Logger: quiet})
		if !errors.Is(err, kv.ErrUnavailable) {
			t.Errorf("Open: %v, want ErrUnavailable", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Open took %v past a 500ms deadline", d)
		}
	})
}

// TestFeedPrune: feed rows older than FeedKeep are dropped; a reader behind them gets
// ErrFeedGone, a reader that starts from Head follows on.
func TestFeedPrune(t *testing.T) {
	srv := pgtest.Start(t)
	old := pruneEvery
	pruneEvery = 20 * time.Millisecond
	defer func() { pruneEvery = old }()
	bg := context.Background()
	s, err := Open(bg, Options{DSN: srv.CreateDB(t), Logger: quiet, FeedKeep: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h0, _ := s.Head(bg)
	if _, err := s.Update(bg, func(tx kv.Txn) error { return tx.Set([]byte("a"), nil) }); err != nil {
		t.Fatal(err)
	}
	if ch, _, err := s.Changes(bg, h0, 10); err != nil || len(ch) != 1 {
		t.Fatalf("fresh change: %v, %v", ch, err)
	}
	limit := time.Now().Add(10 * time.Second)
	for {
		_, _, err := s.Changes(bg, h0, 10)
		if errors.Is(err, kv.ErrFeedGone) {
			break
		}
		if err != nil || time.Now().After(limit) {
			t.Fatalf("Changes behind the retention: %v, want ErrFeedGone", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h1, _ := s.Head(bg)
	p, err := s.Update(bg, func(tx kv.Txn) error { return tx.Set([]byte("b"), nil) })
	if err != nil {
		t.Fatal(err)
	}
	ch, _, err := s.Changes(bg, h1, 10)
	if err != nil || len(ch) != 1 || ch[0].Pos != p {
		t.Fatalf("reader from Head after pruning: %v, %v", ch, err)
	}
}
