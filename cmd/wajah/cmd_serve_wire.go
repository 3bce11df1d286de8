package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/pedulilindungi/plsim"
	"github.com/wajah-id/wajah/server"
)

// openEngine loads the face pipeline from cfg.ModelsDir and opens the store in cfg.DataDir.
func openEngine(cfg *server.Config, logger *slog.Logger) (*engine.Engine, error) {
	if cfg.ModelsDir != "" {
		if err := os.Setenv(models.EnvDir, cfg.ModelsDir); err != nil {
			return nil, err
		}
	}
	live, err := cfg.LivenessOptions()
	if err != nil {
		return nil, err
	}
	pipe, err := embed.New(embed.Options{NoLiveness: live.Off}) // the score costs nothing when the gate is off
	if err != nil {
		return nil, fmt.Errorf("load models from %s: %w", cfg.ModelsDir, err)
	}
	return engine.Open(engine.Options{Dir: cfg.DataDir, KeyFile: cfg.KeyFile, Threshold: cfg.Threshold,
		DefaultUserStatus: cfg.DefaultStatus, Logger: logger, Liveness: live}, pipe)
}

// newProvider builds the configured check-in provider; stop releases what it started.
func newProvider(cfg *server.Config, eng *engine.Engine, logger *slog.Logger) (pedulilindungi.Provider, func(), error) {
	httpCfg := pedulilindungi.HTTPConfig{BaseURL: cfg.PLURL, RegisterPath: cfg.PLRegisterPath, CheckinPath: cfg.PLCheckinPath,
		CheckoutPath: cfg.PLCheckoutPath, Token: cfg.PLToken, ClientID: cfg.PLClientID, Timeout: cfg.PLTimeout,
		Retries: cfg.PLRetries, Backoff: cfg.PLBackoff, Logger: logger}
	switch cfg.Provider {
	case "local":
		return &pedulilindungi.Local{Ledger: eng, DefaultStatus: cfg.DefaultStatus}, func() {}, nil
	case "http":
		p, err := pedulilindungi.NewHTTP(httpCfg)
		return p, func() {}, err
	case "simulator":
		ln, err := net.Listen("tcp", cfg.SimAddr)
		if err != nil {
			return nil, nil, err
		}
		sim := plsim.New(plsim.Config{Token: cfg.PLToken, Fault: plsim.Fault(cfg.SimFault), Delay: cfg.SimDelay, Logger: logger})
		hs := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		httpCfg.BaseURL = "http://" + ln.Addr().String()
		logger.Info("check-in simulator started", "url", httpCfg.BaseURL)
		p, err := pedulilindungi.NewHTTP(httpCfg)
		return p, func() { _ = hs.Close() }, err
	}
	return nil, nil, fmt.Errorf("unknown provider %q: want local, http or simulator", cfg.Provider)
}
