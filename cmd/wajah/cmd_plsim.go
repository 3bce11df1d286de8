package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wajah-id/wajah/pedulilindungi/plsim"
)

func init() {
	register("plsim", "run the PeduliLindungi check-in simulator (seeded people, injectable faults)", runPLSim)
}

func runPLSim(args []string) error {
	fs := flag.NewFlagSet("plsim", flag.ContinueOnError)
	addr := fs.String("addr", ":8081", "listen address")
	token := fs.String("token", "", "bearer token clients must send (empty: any)")
	fault := fs.String("fault", "", "fault on every request: delay, 500, 5xx, hangup, malformed, incomplete, 404, expired, unknown-nik, reject")
	delay := fs.Duration("delay", 5*time.Second, "delay of the delay fault")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	sim := plsim.New(plsim.Config{Token: *token, Fault: plsim.Fault(*fault), Delay: *delay, Logger: logger})
	hs := &http.Server{Addr: *addr, Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	for _, p := range plsim.Seed() {
		logger.Info("seeded person", "nik", p.NIK, "name", p.Name, "user_status", p.Status)
	}
	for _, v := range plsim.SeedVenues() {
		logger.Info("seeded venue", "qrCode", "checkin:"+v.ID, "name", v.Name)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	logger.Info("plsim listening", "addr", *addr)
	if err := hs.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
