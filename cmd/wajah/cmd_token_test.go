package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/admin"
)

// capture runs fn with stdout redirected and returns what it printed.
func capture(t *testing.T, fn func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	runErr := fn()
	os.Stdout = old
	w.Close()
	out, _ := io.ReadAll(r)
	return string(out), runErr
}

func TestTokenAndStatusCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(engine.DefaultKeyEnv, "") // an unencrypted test store
	out, err := capture(t, func() error { return runTokenCreate([]string{"--client", "acme", "--data", dir}) })
	tok := strings.TrimSpace(out)
	if err != nil || !strings.HasPrefix(tok, "wjh_") {
		t.Fatalf("token create: %q %v", out, err)
	}
	if err := runStatusSet([]string{"--nik", "3201", "--status", "red", "--data", dir}); err != nil {
		t.Fatal(err)
	}
	if err := runStatusSet([]string{"--nik", "3201", "--status", "blue", "--data", dir}); !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("bad colour: %v", err)
	}
	if out, err := capture(t, func() error { return runStatusGet([]string{"--nik", "3201", "--data", dir}) }); err != nil || strings.TrimSpace(out) != "red" {
		t.Fatalf("status get: %q %v", out, err)
	}
	e, err := engine.Open(engine.Options{Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tenant, err := e.Authenticate(context.Background(), tok); err != nil || tenant != "acme" {
		t.Fatalf("authenticate: %q %v", tenant, err)
	}
	e.Close()
	stdin = strings.NewReader(tok + "\n")
	if err := runTokenRevoke([]string{"--data", dir}); err != nil {
		t.Fatal(err)
	}
	stdin = strings.NewReader(tok)
	if err := runTokenRevoke([]string{"--data", dir}); !errors.Is(err, engine.ErrUnauthorized) {
		t.Fatalf("second revoke: %v", err)
	}
	if err := runTokenCreate([]string{"--data", dir}); err == nil {
		t.Fatal("token create without --client succeeded")
	}
}

// TestCommandsWhileServing runs the operator commands while another holder (as `wajah
// serve` does) keeps the store open: they must go through its admin socket.
func TestCommandsWhileServing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(engine.DefaultKeyEnv, "")
	e, err := engine.Open(engine.Options{Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := engine.Open(engine.Options{Dir: dir}, nil); err == nil {
		t.Fatal("store opened twice: the test would not show the socket is used")
	}
	adm, err := admin.Listen(dir, e, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()

	out, err := capture(t, func() error { return runTokenCreate([]string{"--client", "acme", "--data", dir}) })
	tok := strings.TrimSpace(out)
	if err != nil || !strings.HasPrefix(tok, "wjh_") {
		t.Fatalf("token create: %q %v", out, err)
	}
	if tenant, err := e.Authenticate(context.Background(), tok); err != nil || tenant != "acme" {
		t.Fatalf("authenticate: %q %v", tenant, err)
	}
	if err := runStatusSet([]string{"--nik", "3201", "--status", "black", "--data", dir}); err != nil {
		t.Fatal(err)
	}
	if err := runStatusSet([]string{"--nik", "3201", "--status", "blue", "--data", dir}); !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("bad colour: %v", err)
	}
	if s, err := e.UserStatus(context.Background(), "3201"); err != nil || s != "black" {
		t.Fatalf("status in store: %q %v", s, err)
	}
	if out, err := capture(t, func() error { return runStatusGet([]string{"--nik", "3201", "--data", dir}) }); err != nil || strings.TrimSpace(out) != "black" {
		t.Fatalf("status get: %q %v", out, err)
	}
	stdin = strings.NewReader(tok + "\n")
	if err := runTokenRevoke([]string{"--data", dir}); err != nil {
		t.Fatal(err)
	}
	stdin = strings.NewReader(tok)
	if err := runTokenRevoke([]string{"--data", dir}); !errors.Is(err, engine.ErrUnauthorized) {
		t.Fatalf("second revoke: %v", err)
	}
}
