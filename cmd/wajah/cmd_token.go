package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/admin"
)

// Token commands. Tokens and secrets are never taken from the command line (other users
// see it in ps and shell history): they come from stdin or a file.

func init() {
	register("token create", "issue an API token for a client, optionally expiring (--ttl); printed once, only its hash is stored", runTokenCreate)
	register("token list", "list a client's tokens: id, created, expiry (never the token)", runTokenList)
	register("token revoke", "revoke a token (read from stdin), one by --id, or all of a --client", runTokenRevoke)
}

// stdin is where secrets are read from (tests replace it).
var stdin io.Reader = os.Stdin

func runTokenCreate(args []string) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	client := fs.String("client", "", "client (tenant) name; required")
	ttl := fs.Duration("ttl", 0, "lifetime, e.g. 24h (0: never expires)")
	store := newStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *client == "" || fs.NArg() != 0 || *ttl < 0 {
		return fmt.Errorf("usage: wajah token create --client NAME [--ttl DURATION] [--data DIR]")
	}
	var (
		tok  string
		info engine.TokenInfo
	)
	err := store.do(func(ctx context.Context, svc admin.Service) (err error) {
		tok, info, err = svc.IssueToken(ctx, *client, *ttl)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "token %s for client %q, expires %s (shown once, store it now):\n", info.ID, *client, expiry(info.Expires))
	fmt.Println(tok)
	return nil
}

func runTokenList(args []string) error {
	fs := flag.NewFlagSet("token list", flag.ContinueOnError)
	client := fs.String("client", "", "client (tenant) name (empty: every client)")
	store := newStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("usage: wajah token list [--client NAME] [--data DIR]")
	}
	var list []engine.TokenInfo
	err := store.do(func(ctx context.Context, svc admin.Service) (err error) {
		list, err = svc.Tokens(ctx, *client)
		return err
	})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tCLIENT\tCREATED\tEXPIRES")
	now := time.Now()
	for _, t := range list {
		exp := expiry(t.Expires)
		if !t.Expires.IsZero() && !now.Before(t.Expires) {
			exp += " (expired)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.ID, t.Client, t.Created.UTC().Format(time.RFC3339), exp)
	}
	return w.Flush()
}

func runTokenRevoke(args []string) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	id := fs.String("id", "", "revoke the token with this id (from token list)")
	client := fs.String("client", "", "revoke every token of this client")
	file := fs.String("token-file", "", "read the token to revoke from this file (default: stdin)")
	store := newStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("usage: wajah token revoke (--id ID | --client NAME | [--token-file F] < token) [--data DIR]; a token is never taken from the command line")
	}
	if *id != "" && *client != "" {
		return errors.New("token revoke: give --id or --client, not both")
	}
	switch {
	case *id != "":
		err := store.do(func(ctx context.Context, svc admin.Service) error { return svc.RevokeTokenID(ctx, *id) })
		if err == nil {
			fmt.Fprintf(os.Stderr, "token %s revoked\n", *id)
		}
		return err
	case *client != "":
		var n int
		err := store.do(func(ctx context.Context, svc admin.Service) (err error) {
			n, err = svc.RevokeClientTokens(ctx, *client)
			return err
		})
		if err == nil {
			fmt.Fprintf(os.Stderr, "%d token(s) of client %q revoked\n", n, *client)
		}
		return err
	}
	tok, err := readSecret(*file)
	if err != nil {
		return err
	}
	err = store.do(func(ctx context.Context, svc admin.Service) error { return svc.RevokeToken(ctx, tok) })
	if err == nil {
		fmt.Fprintln(os.Stderr, "token revoked")
	}
	return err
}

// readSecret reads one secret from path, or from stdin when path is empty: the first line,
// without surrounding white space. Empty is an error.
func readSecret(path string) (string, error) {
	r := stdin
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", errors.New("no secret on stdin (or in the file)")
	}
	return line, nil
}

func expiry(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
