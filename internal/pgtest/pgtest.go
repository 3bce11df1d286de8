// Package pgtest starts throwaway PostgreSQL servers for tests, from the binaries of
// Debian's postgresql package (/usr/lib/postgresql/N/bin), in a temporary directory,
// as an unprivileged user (PostgreSQL refuses to run as root), listening only on a
// unix socket. The server is stopped and its files removed when the test ends.
//
// When PostgreSQL is missing or does not start, tests skip with a message, except in
// CI (CI=true), where they fail: CI installs postgresql (.ci/run), so a missing server
// there is a broken CI, not a reason to pass.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	port         = 5432 // names the socket file only; nothing listens on TCP
	superuser    = "wajah"
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

// Server is one running PostgreSQL instance.
type Server struct {
	t       testing.TB
	bin     string // directory of initdb, postgres
	base    string
	data    string
	sock    string
	logPath string
	cred    *syscall.Credential
	cmd     *exec.Cmd
	exited  chan struct{}
	dbs     atomic.Int64
}

// Unavailable skips the test, or fails it in CI, explaining why PostgreSQL is missing.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("PostgreSQL is required in CI: %s (.ci/run installs Debian's postgresql)", msg)
	}
	t.Skipf("PostgreSQL not available, skipping: %s (apt-get install postgresql)", msg)
}

// Start initializes and starts a server; it is stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := findBin()
	if err != nil {
		Unavailable(t, "%v", err)
	}
	// A short path of our own rather than t.TempDir(): the socket path must stay
	// under the 107-byte limit of sun_path, and its parents must be reachable by the
	// unprivileged user.
	base, err := os.MkdirTemp("", "wajah-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	s := &Server{t: t, bin: bin, base: base, data: filepath.Join(base, "data"), sock: base, logPath: filepath.Join(base, "log")}
	if os.Geteuid() == 0 {
		cred, err := nobody()
		if err != nil {
			Unavailable(t, "no unprivileged user to run postgres as: %v", err)
		}
		s.cred = cred
		if err := os.Chown(base, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	initdb := s.command(filepath.Join(bin, "initdb"), "-D", s.data, "-U", superuser, "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		Unavailable(t, "initdb: %v: %s", err, out)
	}
	t.Cleanup(s.stop)
	if err := s.Start(); err != nil {
		Unavailable(t, "%v", err)
	}
	return s
}

// BinEnv names an environment variable that overrides where initdb and postgres are
// looked for (a directory), for systems other than Debian.
const BinEnv = "WAJAH_PGBIN"

func findBin() (string, error) {
	if d := os.Getenv(BinEnv); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("$%s: %w", BinEnv, err)
		}
		return d, nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(m, func(i, j int) bool { return version(m[i]) > version(m[j]) })
	if len(m) > 0 {
		return filepath.Dir(m[0]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or $PATH")
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

func nobody() (*syscall.Credential, error) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, err
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = append(os.Environ(), "LC_ALL=C")
	c.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	return c
}

// Start starts the (stopped) server and waits until it accepts connections.
func (s *Server) Start() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := s.command(filepath.Join(s.bin, "postgres"), "-D", s.data, "-k", s.sock,
		"-p", strconv.Itoa(port), "-c", "listen_addresses=", "-c", "fsync=on",
		"-c", "max_connections=100", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.DSN("postgres"))
		cancel()
		if err == nil {
			_ = c.Close(context.Background())
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited at start: %s", s.LogTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %v: %v: %s", startTimeout, err, s.LogTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down: fast (SIGINT: running transactions roll back, clients
// are disconnected, a clean checkpoint) or immediate (SIGQUIT: like a crash; the
// next Start replays the WAL).
func (s *Server) Stop(immediate bool) error {
	if s.cmd == nil {
		return nil
	}
	sig := syscall.SIGINT
	if immediate {
		sig = syscall.SIGQUIT
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
		s.cmd = nil
		return fmt.Errorf("postgres did not stop in %v; killed", stopTimeout)
	}
	s.cmd = nil
	return nil
}

func (s *Server) stop() {
	if err := s.Stop(false); err != nil {
		s.t.Errorf("pgtest: %v", err)
	}
}

// DSN is the connection string for database db.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", superuser, db, s.sock, port)
}

// CreateDB creates a fresh database and returns its DSN.
func (s *Server) CreateDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d", s.dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return s.DSN(name)
}

// LogTail returns the end of the server's log, for failure messages.
func (s *Server) LogTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return strings.TrimSpace(string(b))
}
