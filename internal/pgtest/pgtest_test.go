package pgtest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestStartServes(t *testing.T) {
	s := Start(t)
	dsn := s.CreateDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var user string
	if err := c.QueryRow(ctx, `SELECT current_user`).Scan(&user); err != nil || user != superuser {
		t.Errorf("current_user %q, %v", user, err)
	}
	_ = c.Close(ctx)
	if err := s.Stop(false); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, dsn); err == nil {
		t.Error("connected to a stopped server")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
}

// TestMissingPostgres runs a test that needs PostgreSQL where there is none: it must
// skip outside CI and fail in CI.
func TestMissingPostgres(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") == "1" {
		Start(t)
		return
	}
	for _, tc := range []struct {
		ci       string
		wantFail bool
		wantText string
	}{
		{"", false, "PostgreSQL not available, skipping"},
		{"true", true, "PostgreSQL is required in CI"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingPostgres$", "-test.v")
		cmd.Env = append(os.Environ(), "PGTEST_CHILD=1", BinEnv+"=/nonexistent", "CI="+tc.ci)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail || !strings.Contains(string(out), tc.wantText) {
			t.Errorf("CI=%q: failed=%v, output:\n%s\nwant failed=%v and %q", tc.ci, failed, out, tc.wantFail, tc.wantText)
		}
	}
}
