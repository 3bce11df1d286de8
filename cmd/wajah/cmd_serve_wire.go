package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/config"
	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/pedulilindungi/plsim"
)

// openEngine loads the face pipeline from cfg.ModelsDir and opens the store in cfg.DataDir.
func openEngine(cfg *config.Config, logger *slog.Logger) (*engine.Engine, error) {
	live, err := cfg.LivenessOptions()
	if err != nil {
		return nil, err
	}
	opts := cfg.EmbedOptions()
	opts.ModelsDir = cfg.ModelsDir
	opts.NoLiveness = live.Off // the score costs nothing when the gate is off
	pipe, err := embed.New(opts)
	if err != nil {
		return nil, fmt.Errorf("load models from %s: %w", cfg.ModelsDir, err)
	}
	return engine.Open(engine.Options{Dir: cfg.DataDir, Store: cfg.Store, KeyFile: cfg.KeyFile, Threshold: cfg.Threshold,
		MinThreshold: cfg.MinThreshold, IdentifyFAR: cfg.IdentifyFAR, DuplicatePolicy: cfg.DuplicatePolicy, MaskedEnrolment: cfg.MaskedEnrolment,
		DuplicateScope: cfg.DuplicateScope, DuplicateThreshold: cfg.DuplicateThreshold, RetentionDays: cfg.RetentionDays,
		DefaultUserStatus: cfg.DefaultStatus, Logger: logger, Liveness: live}, pipe)
}

// newProvider builds the configured check-in provider; stop releases what it started.
func newProvider(cfg *config.Config, eng *engine.Engine, logger *slog.Logger) (pedulilindungi.Provider, func(), error) {
	httpCfg := pedulilindungi.HTTPConfig{BaseURL: cfg.PLURL, RegisterPath: cfg.PLRegisterPath, CheckinPath: cfg.PLCheckinPath,
		CheckoutPath: cfg.PLCheckoutPath, Token: cfg.PLToken, ClientID: cfg.PLClientID, Timeout: cfg.PLTimeout,
		Retries: cfg.PLRetries, Backoff: cfg.PLBackoff, Logger: logger}
	// Network providers sit behind a circuit breaker: a dead service then fails fast.
	guard := func(p *pedulilindungi.HTTP, err error) (pedulilindungi.Provider, error) {
		if err != nil {
			return nil, err
		}
		if cfg.PLBreakerFailures <= 0 {
			return p, nil
		}
		return pedulilindungi.NewBreaker(p, pedulilindungi.BreakerConfig{Failures: cfg.PLBreakerFailures,
			Cooldown: cfg.PLBreakerCooldown, Logger: logger}), nil
	}
	switch cfg.Provider {
	case "local":
		return &pedulilindungi.Local{Ledger: eng, DefaultStatus: cfg.DefaultStatus}, func() {}, nil
	case "http":
		p, err := guard(pedulilindungi.NewHTTP(httpCfg))
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
		p, err := guard(pedulilindungi.NewHTTP(httpCfg))
		return p, func() { _ = hs.Close() }, err
	}
	return nil, nil, fmt.Errorf("unknown provider %q: want local, http or simulator", cfg.Provider)
}
