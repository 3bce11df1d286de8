package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/wajah-id/wajah/internal/admin"
	"github.com/wajah-id/wajah/internal/config"
	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/server"
)

func init() {
	register("serve", "serve the HTTP API (flags, WAJAH_* env or --config file; see --help)", runServe)
}

func runServe(args []string) error {
	cfg := config.Default(models.Dir())
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.Bind(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: wajah serve [flags]\n\nEvery flag is also env WAJAH_<NAME> (dashes as _) and a `name = value` line of the --config file.")
		fs.PrintDefaults()
	}
	if err := config.Load(fs, args, os.LookupEnv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	level, err := config.ParseLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	eng, err := openEngine(&cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := eng.Close(); err != nil {
			logger.Error("close store", "error", err.Error())
		}
	}()
	// Operator commands reach the store through this socket while the server holds it.
	if adm, err := admin.Listen(cfg.DataDir, eng, logger); err != nil {
		logger.Warn("admin socket disabled: token and status commands need the server stopped", "error", err.Error())
	} else {
		defer func() {
			if err := adm.Close(); err != nil {
				logger.Warn("close admin socket", "error", err.Error())
			}
		}()
		logger.Info("admin socket listening", "path", adm.Path())
	}
	prov, stopProv, err := newProvider(&cfg, eng, logger)
	if err != nil {
		return err
	}
	defer stopProv()
	opts, err := cfg.Options(logger)
	if err != nil {
		return err
	}
	srv, err := server.New(opts, eng, prov)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	logger.Info("wajah serving", "addr", ln.Addr().String(), "data", cfg.DataDir, "provider", prov.Name())

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case err := <-done:
		return err
	case s := <-sig:
		logger.Info("shutting down: finishing in-flight requests", "signal", s.String(), "timeout", cfg.ShutdownTimeout.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		logger.Warn("shutdown", "error", err.Error())
	}
	<-done
	logger.Info("stopped")
	return nil
}
