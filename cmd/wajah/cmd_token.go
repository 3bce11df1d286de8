package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/wajah-id/wajah/server"
)

func init() {
	register("token create", "issue an API token for a client (printed once; only its hash is stored)", runTokenCreate)
	register("token revoke", "revoke an API token", runTokenRevoke)
}

func runTokenCreate(args []string) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	client := fs.String("client", "", "client (tenant) name; required")
	store := newStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *client == "" || fs.NArg() != 0 {
		return fmt.Errorf("usage: wajah token create --client NAME [--data DIR]")
	}
	var tok string
	err := store.do(func(ctx context.Context, svc server.AdminService) (err error) {
		tok, err = svc.CreateToken(ctx, *client)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "token for client %q (shown once, store it now):\n", *client)
	fmt.Println(tok)
	return nil
}

func runTokenRevoke(args []string) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	store := newStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: wajah token revoke [--data DIR] TOKEN")
	}
	err := store.do(func(ctx context.Context, svc server.AdminService) error {
		return svc.RevokeToken(ctx, fs.Arg(0))
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "token revoked")
	return nil
}
