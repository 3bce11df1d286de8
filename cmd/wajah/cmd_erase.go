package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/admin"
)

func init() {
	register("erase", "remove a person (NIK or user id) everywhere: templates, indexes, snapshots, ledger, status", runErase)
}

func runErase(args []string) error {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	nik := fs.String("nik", "", "NIK or user id to erase; required")
	store := newStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nik == "" || fs.NArg() != 0 {
		return fmt.Errorf("usage: wajah erase --nik NIK [--data DIR]")
	}
	var rep engine.EraseReport
	err := store.do(func(ctx context.Context, svc admin.Service) (err error) {
		er, ok := svc.(admin.Eraser)
		if !ok {
			return errors.New("erase is not offered here")
		}
		rep, err = er.ErasePerson(ctx, *nik)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("erased: enrolled in %d galleries, %d check-in rows, status set %v (audit rows hold only keyed hashes)\n",
		rep.Galleries, rep.Checkins, rep.Status)
	return nil
}
