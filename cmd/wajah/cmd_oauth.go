package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wajah-id/wajah/internal/secrethash"
)

func init() {
	register("oauth hash", "hash an OAuth client secret read from stdin (argon2id) for the oauth-clients file", runOAuthHash)
}

// runOAuthHash prints the argon2id PHC string of the secret on stdin (first line), or a
// whole oauth-clients line with --client. The secret never appears on the command line.
func runOAuthHash(args []string) error {
	fs := flag.NewFlagSet("oauth hash", flag.ContinueOnError)
	client := fs.String("client", "", "print a complete client_id=hash line for this client")
	file := fs.String("secret-file", "", "read the secret from this file (default: stdin)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("usage: wajah oauth hash [--client ID] [--secret-file F] < secret")
	}
	secret, err := readSecret(*file)
	if err != nil {
		return err
	}
	h, err := secrethash.Hash([]byte(secret), secrethash.Default)
	if err != nil {
		return err
	}
	if *client != "" {
		fmt.Printf("%s=%s\n", *client, h)
		return nil
	}
	fmt.Fprintln(os.Stdout, h)
	return nil
}
