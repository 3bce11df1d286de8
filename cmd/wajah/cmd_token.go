package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/wajah-id/wajah/engine"
)

func init() {
	register("token create", "issue an API token for a client (printed once; only its hash is stored)", runTokenCreate)
	register("token revoke", "revoke an API token", runTokenRevoke)
}

// storeFlags adds the flags that locate and unlock the store, and returns an opener.
// The store is opened without an embedder: operator commands never touch faces.
func storeFlags(fs *flag.FlagSet) func() (*engine.Engine, error) {
	dir := fs.String("data", engine.DefaultDir, "store directory")
	keyFile := fs.String("key-file", "", "file holding the 32-byte encryption key (raw, hex or base64)")
	keyEnv := fs.String("key-env", engine.DefaultKeyEnv, "environment variable holding the encryption key")
	return func() (*engine.Engine, error) {
		e, err := engine.Open(engine.Options{Dir: *dir, KeyFile: *keyFile, KeyEnv: *keyEnv}, nil)
		if err != nil {
			return nil, fmt.Errorf("open store %s (is the server running on it?): %w", *dir, err)
		}
		return e, nil
	}
}

func runTokenCreate(args []string) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	client := fs.String("client", "", "client (tenant) name; required")
	open := storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *client == "" || fs.NArg() != 0 {
		return fmt.Errorf("usage: wajah token create --client NAME [--data DIR]")
	}
	e, err := open()
	if err != nil {
		return err
	}
	defer e.Close()
	tok, err := e.CreateToken(context.Background(), *client)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "token for client %q (shown once, store it now):\n", *client)
	fmt.Println(tok)
	return nil
}

func runTokenRevoke(args []string) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	open := storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: wajah token revoke [--data DIR] TOKEN")
	}
	e, err := open()
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.RevokeToken(context.Background(), fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "token revoked")
	return nil
}
