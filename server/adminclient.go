package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wajah-id/wajah/engine"
)

// AdminClient calls a running server through the admin socket of a data directory.
// Every method returns ErrAdminUnavailable when no server could be reached; the request
// was then never sent, so the caller may safely do the work another way.
type AdminClient struct {
	path string
	hc   *http.Client
}

// NewAdminClient returns a client for the admin socket of the data directory dir.
func NewAdminClient(dir string) *AdminClient {
	path := AdminSocketPath(dir)
	d := net.Dialer{Timeout: 2 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}
	return &AdminClient{path: path, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *AdminClient) CreateToken(ctx context.Context, client string) (string, error) {
	out, err := c.call(ctx, "/token/create", adminMsg{Client: client})
	return out.Token, err
}

func (c *AdminClient) IssueToken(ctx context.Context, client string, ttl time.Duration) (string, engine.TokenInfo, error) {
	out, err := c.call(ctx, "/token/issue", adminMsg{Client: client, TTL: ttl})
	if err != nil {
		return "", engine.TokenInfo{}, err
	}
	if len(out.Tokens) != 1 {
		return "", engine.TokenInfo{}, fmt.Errorf("admin socket %s: issue answered %d token descriptions", c.path, len(out.Tokens))
	}
	return out.Token, out.Tokens[0], nil
}

func (c *AdminClient) RevokeTokenID(ctx context.Context, id string) error {
	_, err := c.call(ctx, "/token/revoke-id", adminMsg{ID: id})
	return err
}

func (c *AdminClient) RevokeClientTokens(ctx context.Context, client string) (int, error) {
	out, err := c.call(ctx, "/token/revoke-client", adminMsg{Client: client})
	return out.Count, err
}

func (c *AdminClient) Tokens(ctx context.Context, client string) ([]engine.TokenInfo, error) {
	out, err := c.call(ctx, "/token/list", adminMsg{Client: client})
	return out.Tokens, err
}

func (c *AdminClient) RevokeToken(ctx context.Context, token string) error {
	_, err := c.call(ctx, "/token/revoke", adminMsg{Token: token})
	return err
}

func (c *AdminClient) SetUserStatus(ctx context.Context, nik, status string) error {
	_, err := c.call(ctx, "/status/set", adminMsg{NIK: nik, Status: status})
	return err
}

func (c *AdminClient) UserStatus(ctx context.Context, nik string) (string, error) {
	out, err := c.call(ctx, "/status/get", adminMsg{NIK: nik})
	return out.Status, err
}

// ErasePerson implements Eraser through the running server.
func (c *AdminClient) ErasePerson(ctx context.Context, id string) (engine.EraseReport, error) {
	out, err := c.call(ctx, "/person/erase", adminMsg{NIK: id})
	if err != nil || out.Erased == nil {
		return engine.EraseReport{}, err
	}
	return *out.Erased, nil
}

func (c *AdminClient) call(ctx context.Context, path string, in adminMsg) (adminMsg, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return adminMsg{}, err
	}
	// The host is ignored: the transport always dials the socket.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://admin"+path, bytes.NewReader(body))
	if err != nil {
		return adminMsg{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		// Only a failed dial means the request never reached a server.
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return adminMsg{}, fmt.Errorf("%s: %w (%v)", c.path, ErrAdminUnavailable, op.Err)
		}
		return adminMsg{}, fmt.Errorf("admin socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	var out adminMsg
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&out); err != nil {
		return adminMsg{}, fmt.Errorf("admin socket %s: bad response (HTTP %d): %w", c.path, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || out.Code != 0 {
		return adminMsg{}, &adminError{msg: out.Message, err: sentinelOf(code(out.Code), out.Message)}
	}
	return out, nil
}

// adminError carries the server's message and, when its code has one, the sentinel.
type adminError struct {
	msg string
	err error // nil when the error has no sentinel
}

func (e *adminError) Error() string { return e.msg }
func (e *adminError) Unwrap() error { return e.err }
