package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/admin"
)

// storeFlags adds the flags that locate and unlock the store, for operator commands.
type storeFlags struct {
	dir, store, keyFile, keyEnv *string
}

func newStoreFlags(fs *flag.FlagSet) *storeFlags {
	return &storeFlags{
		dir:     fs.String("data", engine.DefaultDir, "store directory"),
		store:   fs.String("store", "", "PostgreSQL DSN holding the records instead of Badger in --data"),
		keyFile: fs.String("key-file", "", "file holding the 32-byte encryption key (raw, hex or base64)"),
		keyEnv:  fs.String("key-env", engine.DefaultKeyEnv, "environment variable holding the encryption key"),
	}
}

// open opens the store without an embedder: operator commands never touch faces.
func (s *storeFlags) open() (*engine.Engine, error) {
	e, err := engine.Open(engine.Options{Dir: *s.dir, Store: *s.store, KeyFile: *s.keyFile, KeyEnv: *s.keyEnv}, nil)
	if err != nil {
		return nil, fmt.Errorf("open store %s (is the server running on it without its admin socket?): %w", *s.dir, err)
	}
	return e, nil
}

// do runs fn through the admin socket of a server running on the store, or, when none
// answers there, against the store opened directly (Badger allows one process per store).
// fn must make a single call on svc so that it is never applied twice.
func (s *storeFlags) do(fn func(ctx context.Context, svc admin.Service) error) error {
	ctx := context.Background()
	err := fn(ctx, admin.NewClient(*s.dir))
	if !errors.Is(err, admin.ErrUnavailable) {
		return err
	}
	e, err := s.open()
	if err != nil {
		return err
	}
	defer e.Close()
	return fn(ctx, e)
}
