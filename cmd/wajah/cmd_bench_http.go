package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/wajah-id/wajah/bench"
	"github.com/wajah-id/wajah/internal/config"
	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/server"
)

func init() {
	register("bench http", "load-test verify over HTTP with a real JPEG: p50/p95/p99 and throughput", runBenchHTTP)
}

func runBenchHTTP(args []string) error {
	fs := flag.NewFlagSet("bench http", flag.ContinueOnError)
	url := fs.String("url", "", "server base URL, e.g. http://127.0.0.1:8080 (empty with --self)")
	self := fs.Bool("self", false, "start an in-process server (real engine, temporary store, local provider) on loopback TCP")
	token := fs.String("token", os.Getenv("WAJAH_TOKEN"), "Accesstoken (env WAJAH_TOKEN); --self creates one")
	conc := fs.Int("concurrency", 1, "concurrent clients")
	dur := fs.Duration("duration", 10*time.Second, "measured duration")
	image := fs.String("image", "", "JPEG/PNG to verify with (required)")
	enrollImg := fs.String("enroll-image", "", "JPEG/PNG to enrol first (default: --image)")
	noEnroll := fs.Bool("no-enroll", false, "skip the enrolment (the person must exist)")
	endpoint := fs.String("endpoint", "pl-verify", "pl-verify (/pedulilindungi/verify-checkin-checkout), verify (/facegallery/verify-face) or compare")
	gallery := fs.String("gallery", "bench", "gallery")
	nik := fs.String("nik", "3201999900000001", "NIK / user_id of the benchmark person")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	inflight := fs.Int("max-inflight", 0, "--self: the server's max-inflight (0: its default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *image == "" {
		return errors.New("--image is required")
	}
	probe, err := os.ReadFile(*image)
	if err != nil {
		return err
	}
	enrolled := probe
	if *enrollImg != "" {
		if enrolled, err = os.ReadFile(*enrollImg); err != nil {
			return err
		}
	}
	base := strings.TrimRight(*url, "/")
	if *self {
		b, tok, stop, err := selfServer(*inflight)
		if err != nil {
			return err
		}
		defer stop()
		base, *token = b, tok
	}
	if base == "" {
		return errors.New("--url or --self is required")
	}
	p64, e64 := base64.StdEncoding.EncodeToString(probe), base64.StdEncoding.EncodeToString(enrolled)
	if !*noEnroll && *endpoint != "compare" {
		if err := benchEnroll(base, *token, *gallery, *nik, e64); err != nil {
			return err
		}
	}
	var path string
	var body any
	switch *endpoint {
	case "pl-verify":
		path = "/pedulilindungi/verify-checkin-checkout"
		body = map[string]any{"nik": *nik, "facegallery_id": *gallery, "image": p64, "trx_id": "bench",
			"qrCode": "checkin:BENCH", "latitude": -6.2, "longitude": 106.8}
	case "verify":
		path = "/facegallery/verify-face"
		body = map[string]any{"user_id": *nik, "facegallery_id": *gallery, "image": p64, "trx_id": "bench"}
	case "compare":
		path = "/compare-images"
		body = map[string]any{"source_image": e64, "target_image": p64, "trx_id": "bench"}
	default:
		return fmt.Errorf("unknown --endpoint %q", *endpoint)
	}
	data, _ := json.Marshal(body)
	res, err := bench.HTTPLoad{URL: base + path, Token: *token, Body: data, Concurrency: *conc, Duration: *dur}.Run(context.Background())
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"endpoint": path, "concurrency": *conc, "image": *image,
			"image_bytes": len(probe), "requests": res.Requests, "failures": res.Failures, "by_status": res.ByStatus,
			"throughput_rps": res.Throughput, "p50_ms": msf(res.P50), "p95_ms": msf(res.P95), "p99_ms": msf(res.P99),
			"max_ms": msf(res.Max), "mean_ms": msf(res.Mean)})
	}
	fmt.Printf("%s, concurrency %d, image %s (%d bytes)\n%s", path, *conc, *image, len(probe), res)
	return nil
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchEnroll enrols the benchmark person (gallery created by the check-in endpoint).
func benchEnroll(base, token, gallery, nik, img string) error {
	body, _ := json.Marshal(map[string]any{"nik": nik, "user_name": "Bench Person", "facegallery_id": gallery,
		"image": img, "trx_id": "bench-enroll", "force_pl": true, "force_register": true})
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(base + "/pedulilindungi/enroll-face")
	req.Header.SetMethod("POST")
	req.Header.Set("Accesstoken", token)
	req.SetBody(body)
	if err := fasthttp.DoTimeout(req, resp, time.Minute); err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	if !bytes.Contains(resp.Body(), []byte(`"status":"200"`)) {
		return fmt.Errorf("enrol: %s", resp.Body())
	}
	return nil
}

// selfServer runs the real stack on loopback TCP over a temporary store.
func selfServer(maxInflight int) (base, token string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "wajah-bench-http-")
	if err != nil {
		return "", "", nil, err
	}
	cfg := config.Default(models.Dir())
	cfg.DataDir = dir
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	eng, err := openEngine(&cfg, quiet)
	if err != nil {
		os.RemoveAll(dir)
		return "", "", nil, err
	}
	cleanup := func() { eng.Close(); os.RemoveAll(dir) }
	if token, err = eng.CreateToken(context.Background(), "bench"); err != nil {
		cleanup()
		return "", "", nil, err
	}
	cfg.MaxInflight = maxInflight
	opts, _ := cfg.Options(quiet)
	srv, err := server.New(opts, eng, &pedulilindungi.Local{Ledger: eng})
	if err != nil {
		cleanup()
		return "", "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cleanup()
		return "", "", nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), token, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		cleanup()
	}, nil
}
