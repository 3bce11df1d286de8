package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/jpeg"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/wajah-id/wajah/embed"
)

func init() {
	register("bench pipeline", "ms per stage (decode, detect, align, embed, mask) on 640x480 to 8000x6000 JPEGs", runBenchPipeline)
}

func runBenchPipeline(args []string) error {
	fs := flag.NewFlagSet("bench pipeline", flag.ContinueOnError)
	src := fs.String("image", "../shared/data/faces-small/face_recognition/examples/obama-1080p.jpg", "source photo; resized and center-cropped to each size")
	sizes := fs.String("sizes", "640x480,1920x1080,4000x3000,8000x6000", "comma-separated WxH")
	n := fs.Int("n", 20, "timed runs per size (after one warm-up)")
	procs := fs.Int("procs", 1, "GOMAXPROCS (the target is one core)")
	live := fs.Bool("liveness", true, "score liveness (the built-in head and the models it reads); -liveness=false measures a verify without it")
	flip := fs.Bool("flip", false, "flip test-time augmentation (embed the crop and its mirror)")
	detector := fs.String("detector", embed.DetectorMTCNN, "first stage: mtcnn, blazeface, fullrange or faceboxes")
	precision := fs.String("precision", "", "embedding model precision: fp32 (default), bf16 or auto (embed.Options.Precision)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	runtime.GOMAXPROCS(*procs)
	// Large phone photos exceed the default 10 MiB encoded limit; the bench times decoding.
	p, err := embed.New(embed.Options{NoLiveness: !*live, FlipTTA: *flip, Detector: *detector, Limits: embed.Limits{MaxBytes: 64 << 20}, Precision: *precision})
	if err != nil {
		return err
	}
	base, err := evalReadImage(*src)
	if err != nil {
		return err
	}
	fmt.Printf("GOMAXPROCS %d, %d runs, median ms of wall time and of process CPU time (source %s, model %s)\n", runtime.GOMAXPROCS(0), *n, *src, p.ModelID())
	fmt.Printf("%-15s %7s %7s %7s %7s %7s %7s %9s %8s\n", "size", "decode", "detect", "align", "embed", "mask", "live", "sum", "extract")
	for _, s := range strings.Split(*sizes, ",") {
		var w, h int
		if _, err := fmt.Sscanf(s, "%dx%d", &w, &h); err != nil {
			return fmt.Errorf("bad size %q", s)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, coverCrop(base, w, h).Image(), &jpeg.Options{Quality: 90}); err != nil {
			return err
		}
		data := buf.Bytes()
		var t, c [8][]float64
		for i := 0; i <= *n; i++ {
			wall, cpu, err := benchOnce(p, data, *live)
			if err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
			if i > 0 { // the first run builds the nn plans for this size
				for k := range wall {
					t[k] = append(t[k], wall[k])
					c[k] = append(c[k], cpu[k])
				}
			}
		}
		med := func(v []float64) float64 {
			sort.Float64s(v)
			return v[len(v)/2]
		}
		for _, row := range []struct {
			name string
			v    [8][]float64
		}{{s + " wall", t}, {s + " cpu", c}} {
			var sum float64
			for k := 0; k < 6; k++ {
				sum += med(row.v[k])
			}
			v := row.v
			fmt.Printf("%-15s %7.1f %7.1f %7.2f %7.1f %7.2f %7.1f %9.1f %8.1f\n", row.name, med(v[0]), med(v[1]), med(v[2]), med(v[3]), med(v[4]), med(v[5]), sum, med(v[6]))
		}
	}
	return nil
}

// stageClock reads wall and process CPU time; on a shared machine the CPU time is the
// stable figure (the wall time includes waiting for a core).
type stageClock struct {
	wall time.Time
	cpu  time.Duration
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startClock() stageClock { return stageClock{time.Now(), processCPU()} }

// benchOnce times each stage once, then a whole verify Extract: wall and CPU milliseconds.
func benchOnce(p *embed.Pipeline, data []byte, live bool) (r, c [8]float64, err error) {
	ctx := context.Background()
	var clk stageClock
	start := func() { clk = startClock() }
	stop := func(k int) {
		r[k] = float64(time.Since(clk.wall).Microseconds()) / 1000
		c[k] = float64((processCPU() - clk.cpu).Microseconds()) / 1000
	}
	start()
	d, err := p.Decode(data)
	if err != nil {
		return r, c, err
	}
	stop(0)
	start()
	faces, err := p.DetectFor(ctx, d, embed.PurposeVerify) // as Extract detects for a verify
	if err != nil {
		return r, c, err
	}
	stop(1)
	if len(faces) == 0 {
		return r, c, embed.ErrNoFace
	}
	f := &faces[0]
	start()
	crop := p.AlignFace(d, f)
	stop(2)
	start()
	_, mi, err := p.EmbedFaceMask(crop)
	if err != nil {
		return r, c, err
	}
	stop(3)
	if m := p.MaskModel(); m != nil {
		start()
		if _, err := p.MaskScore(m, mi); err != nil {
			return r, c, err
		}
		stop(4)
	}
	if live {
		start()
		if _, err := p.Liveness(d, f); err != nil {
			return r, c, err
		}
		stop(5)
	}
	start()
	if _, err := p.Extract(ctx, data, embed.ExtractOptions{Purpose: embed.PurposeVerify}); err != nil {
		return r, c, err
	}
	stop(6)
	return r, c, nil
}

// coverCrop scales img to cover w x h and crops the centre.
func coverCrop(img *embed.RGB, w, h int) *embed.RGB {
	s := max(float64(w)/float64(img.W), float64(h)/float64(img.H))
	sw, sh := max(w, int(float64(img.W)*s+0.5)), max(h, int(float64(img.H)*s+0.5))
	r := embed.Resize(img, sw, sh)
	out := embed.NewRGB(w, h)
	x0, y0 := (sw-w)/2, (sh-h)/2
	for y := 0; y < h; y++ {
		copy(out.Pix[3*y*w:3*(y+1)*w], r.Pix[3*((y+y0)*sw+x0):3*((y+y0)*sw+x0+w)])
	}
	return out
}
