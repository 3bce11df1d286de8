// Package admin is the admin socket, a second server beside the HTTP API: it lets operator
// commands (token create/revoke, status set/get, erase) reach a running server. Badger allows
// one process per data directory, so while `wajah serve` holds the store they cannot open it
// themselves. It is a unix socket inside the data directory, mode 0600, so only the store's
// owner can use it; it is not part of the public API.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/server"
)

// SocketName is the file name of the admin socket inside the data directory.
const SocketName = "admin.sock"

// ErrUnavailable: no server answers on the admin socket (absent, stale or refused);
// the caller may open the store directly.
var ErrUnavailable = errors.New("admin socket unavailable")

// errInUse: another live process answers on the admin socket.
var errInUse = errors.New("admin socket in use by another process")

// Service is the part of engine.Service the admin socket exposes.
type Service interface {
	CreateToken(ctx context.Context, client string) (string, error)
	IssueToken(ctx context.Context, client string, ttl time.Duration) (string, engine.TokenInfo, error)
	RevokeToken(ctx context.Context, token string) error
	RevokeTokenID(ctx context.Context, id string) error
	RevokeClientTokens(ctx context.Context, client string) (int, error)
	Tokens(ctx context.Context, client string) ([]engine.TokenInfo, error)
	SetUserStatus(ctx context.Context, nik, status string) error
	UserStatus(ctx context.Context, nik string) (string, error)
}

var (
	_ Service = engine.Service(nil)
	_ Service = (*Client)(nil)
)

// message is the one JSON shape of admin requests and responses; unused fields are empty.
type message struct {
	Client string             `json:"client,omitempty"`
	Token  string             `json:"token,omitempty"`
	NIK    string             `json:"nik,omitempty"`
	Status string             `json:"status,omitempty"`
	TTL    time.Duration      `json:"ttl,omitempty"` // nanoseconds
	ID     string             `json:"id,omitempty"`
	Tokens []engine.TokenInfo `json:"tokens,omitempty"`
	Count  int                `json:"count,omitempty"`
	// A failure: its contract code (server.Code, the API's one table), from which the client
	// restores the sentinel (server.Sentinel), and the cause's text: the socket is the store
	// owner's, so unlike API clients it sees the cause.
	Code    int    `json:"code,omitempty"`
	Message string `json:"message,omitempty"`

	Erased *engine.EraseReport `json:"erased,omitempty"`
}

// Server serves the admin socket of one data directory.
type Server struct {
	path string
	ln   net.Listener
	hs   *http.Server
	done chan struct{}
}

// SocketPath is where the admin socket of the data directory dir lives.
func SocketPath(dir string) string {
	if dir == "" {
		dir = engine.DefaultDir
	}
	return filepath.Join(dir, SocketName)
}

// Listen serves svc on dir/admin.sock until Close. A stale socket left by a crashed
// server is removed first; a socket some process still answers on is an error.
func Listen(dir string, svc Service, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	path := SocketPath(dir)
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", path, errInUse)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale admin socket: %w", err)
		}
	}
	ln, err := listenPrivate(path)
	if err != nil {
		return nil, err
	}
	a := &Server{path: path, ln: ln, done: make(chan struct{})}
	a.hs = &http.Server{Handler: handler(svc, logger), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		defer close(a.done)
		_ = a.hs.Serve(ln)
	}()
	return a, nil
}

// listenPrivate creates the unix socket at path with mode 0600 without a window in which
// another user could connect: the socket is made inside a fresh 0700 directory (so the
// process umask cannot widen access), narrowed to 0600 and only then renamed into place.
func listenPrivate(path string) (net.Listener, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(path), ".admin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	inner := filepath.Join(tmp, SocketName)
	ln, err := net.Listen("unix", inner)
	if err != nil {
		return nil, err
	}
	// Close must not race a later server for the path: we remove it ourselves.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := os.Chmod(inner, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	if err := os.Rename(inner, path); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// Eraser is the optional admin operation `wajah erase` uses; *engine.Engine has it.
type Eraser interface {
	ErasePerson(ctx context.Context, id string) (engine.EraseReport, error)
}

// Path is the socket's file name.
func (a *Server) Path() string { return a.path }

// Close stops serving, waits briefly for requests in flight, and removes the socket.
func (a *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.hs.Shutdown(ctx)
	<-a.done
	if rerr := os.Remove(a.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

func handler(svc Service, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, fn func(ctx context.Context, in message) (message, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			var in message
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
				write(w, http.StatusBadRequest, message{Code: server.CodeMalformed, Message: "admin: bad request body: " + err.Error()})
				return
			}
			out, err := fn(r.Context(), in)
			if err != nil {
				logger.Info("admin request failed", "path", r.URL.Path, "error", err.Error())
				write(w, http.StatusUnprocessableEntity, message{Code: server.Code(err), Message: err.Error()})
				return
			}
			logger.Info("admin request", "path", r.URL.Path)
			write(w, http.StatusOK, out)
		})
	}
	handle("POST /token/create", func(ctx context.Context, in message) (message, error) {
		tok, err := svc.CreateToken(ctx, in.Client)
		return message{Token: tok}, err
	})
	handle("POST /token/issue", func(ctx context.Context, in message) (message, error) {
		tok, info, err := svc.IssueToken(ctx, in.Client, in.TTL)
		return message{Token: tok, Tokens: []engine.TokenInfo{info}}, err
	})
	handle("POST /token/revoke", func(ctx context.Context, in message) (message, error) {
		return message{}, svc.RevokeToken(ctx, in.Token)
	})
	handle("POST /token/revoke-id", func(ctx context.Context, in message) (message, error) {
		return message{}, svc.RevokeTokenID(ctx, in.ID)
	})
	handle("POST /token/revoke-client", func(ctx context.Context, in message) (message, error) {
		n, err := svc.RevokeClientTokens(ctx, in.Client)
		return message{Count: n}, err
	})
	handle("POST /token/list", func(ctx context.Context, in message) (message, error) {
		list, err := svc.Tokens(ctx, in.Client)
		return message{Tokens: list}, err
	})
	handle("POST /status/set", func(ctx context.Context, in message) (message, error) {
		return message{}, svc.SetUserStatus(ctx, in.NIK, in.Status)
	})
	handle("POST /status/get", func(ctx context.Context, in message) (message, error) {
		s, err := svc.UserStatus(ctx, in.NIK)
		return message{Status: s}, err
	})
	if er, ok := svc.(Eraser); ok {
		handle("POST /person/erase", func(ctx context.Context, in message) (message, error) {
			rep, err := er.ErasePerson(ctx, in.NIK)
			return message{Erased: &rep}, err
		})
	}
	return mux
}

func write(w http.ResponseWriter, status int, m message) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(m)
}
