package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/wajah-id/wajah/internal/admin"
)

func init() {
	register("status set", "set a NIK's colour (green, yellow, red, black) for the local check-in provider", runStatusSet)
	register("status get", "print a NIK's colour in the local check-in provider", runStatusGet)
}

func runStatusSet(args []string) error {
	fs := flag.NewFlagSet("status set", flag.ContinueOnError)
	nik := fs.String("nik", "", "NIK; required")
	status := fs.String("status", "", "green, yellow, red or black; required")
	store := newStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nik == "" || *status == "" || fs.NArg() != 0 {
		return fmt.Errorf("usage: wajah status set --nik NIK --status green|yellow|red|black [--data DIR]")
	}
	return store.do(func(ctx context.Context, svc admin.Service) error {
		return svc.SetUserStatus(ctx, *nik, *status)
	})
}

func runStatusGet(args []string) error {
	fs := flag.NewFlagSet("status get", flag.ContinueOnError)
	nik := fs.String("nik", "", "NIK; required")
	store := newStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nik == "" || fs.NArg() != 0 {
		return fmt.Errorf("usage: wajah status get --nik NIK [--data DIR]")
	}
	var s string
	err := store.do(func(ctx context.Context, svc admin.Service) (err error) {
		s, err = svc.UserStatus(ctx, *nik)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Println(s)
	return nil
}
