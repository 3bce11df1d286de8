package admin

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
	"github.com/wajah-id/wajah/server"
)

// Client calls a running server through the admin socket of a data directory.
// Every method returns ErrUnavailable when no server could be reached; the request
// was then never sent, so the caller may safely do the work another way.
type Client struct {
	path string
	hc   *http.Client
}

// NewClient returns a client for the admin socket of the data directory dir.
func NewClient(dir string) *Client {
	path := SocketPath(dir)
	d := net.Dialer{Timeout: 2 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}
	return &Client{path: path, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *Client) CreateToken(ctx context.Context, client string) (string, error) {
	out, err := c.call(ctx, "/token/create", message{Client: client})
	return out.Token, err
}

func (c *Client) IssueToken(ctx context.Context, client string, ttl time.Duration) (string, engine.TokenInfo, error) {
	out, err := c.call(ctx, "/token/issue", message{Client: client, TTL: ttl})
	if err != nil {
		return "", engine.TokenInfo{}, err
	}
	if len(out.Tokens) != 1 {
		return "", engine.TokenInfo{}, fmt.Errorf("admin socket %s: issue answered %d token descriptions", c.path, len(out.Tokens))
	}
	return out.Token, out.Tokens[0], nil
}

func (c *Client) RevokeTokenID(ctx context.Context, id string) error {
	_, err := c.call(ctx, "/token/revoke-id", message{ID: id})
	return err
}

func (c *Client) RevokeClientTokens(ctx context.Context, client string) (int, error) {
	out, err := c.call(ctx, "/token/revoke-client", message{Client: client})
	return out.Count, err
}

func (c *Client) Tokens(ctx context.Context, client string) ([]engine.TokenInfo, error) {
	out, err := c.call(ctx, "/token/list", message{Client: client})
	return out.Tokens, err
}

func (c *Client) RevokeToken(ctx context.Context, token string) error {
	_, err := c.call(ctx, "/token/revoke", message{Token: token})
	return err
}

func (c *Client) SetUserStatus(ctx context.Context, nik, status string) error {
	_, err := c.call(ctx, "/status/set", message{NIK: nik, Status: status})
	return err
}

func (c *Client) UserStatus(ctx context.Context, nik string) (string, error) {
	out, err := c.call(ctx, "/status/get", message{NIK: nik})
	return out.Status, err
}

// ErasePerson implements Eraser through the running server.
func (c *Client) ErasePerson(ctx context.Context, id string) (engine.EraseReport, error) {
	out, err := c.call(ctx, "/person/erase", message{NIK: id})
	if err != nil || out.Erased == nil {
		return engine.EraseReport{}, err
	}
	return *out.Erased, nil
}

func (c *Client) call(ctx context.Context, path string, in message) (message, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return message{}, err
	}
	// The host is ignored: the transport always dials the socket.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://admin"+path, bytes.NewReader(body))
	if err != nil {
		return message{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		// Only a failed dial means the request never reached a server.
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return message{}, fmt.Errorf("%s: %w (%v)", c.path, ErrUnavailable, op.Err)
		}
		return message{}, fmt.Errorf("admin socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	var out message
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&out); err != nil {
		return message{}, fmt.Errorf("admin socket %s: bad response (HTTP %d): %w", c.path, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || out.Code != 0 {
		return message{}, &remoteError{msg: out.Message, err: server.Sentinel(out.Code, out.Message)}
	}
	return out, nil
}

// remoteError carries the server's message and, when its code has one, the sentinel.
type remoteError struct {
	msg string
	err error // nil when the error has no sentinel
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.err }
