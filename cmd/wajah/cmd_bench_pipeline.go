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
	"time"

	"github.com/wajah-id/wajah/embed"
)

func init() {
	register("bench pipeline", "ms per stage (decode, detect, align, embed, mask) on 640x480 and 1920x1080 JPEGs", runBenchPipeline)
}

func runBenchPipeline(args []string) error {
	fs := flag.NewFlagSet("bench pipeline", flag.ContinueOnError)
	src := fs.String("image", "../shared/data/faces-small/face_recognition/examples/obama-1080p.jpg", "source photo; resized and center-cropped to each size")
	sizes := fs.String("sizes", "640x480,1920x1080", "comma-separated WxH")
	n := fs.Int("n", 20, "timed runs per size (after one warm-up)")
	procs := fs.Int("procs", 1, "GOMAXPROCS (the target is one core)")
	live := fs.Bool("liveness", false, "also time FaceAntiSpoofing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	runtime.GOMAXPROCS(*procs)
	p, err := embed.New(embed.Options{Liveness: *live})
	if err != nil {
		return err
	}
	base, err := evalReadImage(*src)
	if err != nil {
		return err
	}
	fmt.Printf("GOMAXPROCS %d, %d runs, median ms (source %s)\n", runtime.GOMAXPROCS(0), *n, *src)
	fmt.Printf("%-10s %7s %7s %7s %7s %7s %7s %9s %8s\n", "size", "decode", "detect", "align", "embed", "mask", "live", "sum", "extract")
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
		var t [8][]float64
		for i := 0; i <= *n; i++ {
			st, err := benchOnce(p, data, *live)
			if err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
			if i > 0 { // the first run builds the nn plans for this size
				for k := range st {
					t[k] = append(t[k], st[k])
				}
			}
		}
		med := func(v []float64) float64 {
			sort.Float64s(v)
			return v[len(v)/2]
		}
		var sum float64
		for k := 0; k < 6; k++ {
			sum += med(t[k])
		}
		fmt.Printf("%-10s %7.1f %7.1f %7.2f %7.1f %7.2f %7.1f %9.1f %8.1f\n", s, med(t[0]), med(t[1]), med(t[2]), med(t[3]), med(t[4]), med(t[5]), sum, med(t[6]))
	}
	return nil
}

// benchOnce times each stage once, then a whole verify Extract.
func benchOnce(p *embed.Pipeline, data []byte, live bool) ([8]float64, error) {
	var r [8]float64
	ctx := context.Background()
	ms := func(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
	t := time.Now()
	d, err := p.Decode(data)
	if err != nil {
		return r, err
	}
	r[0] = ms(t)
	t = time.Now()
	faces, err := p.Detect(ctx, d)
	if err != nil {
		return r, err
	}
	r[1] = ms(t)
	if len(faces) == 0 {
		return r, embed.ErrNoFace
	}
	f := &faces[0]
	t = time.Now()
	crop := p.AlignFace(d, f)
	r[2] = ms(t)
	t = time.Now()
	e, err := p.EmbedCrops(crop)
	if err != nil {
		return r, err
	}
	r[3] = ms(t)
	if m := p.MaskModel(); m != nil {
		t = time.Now()
		m.Predict(crop, e[0])
		r[4] = ms(t)
	}
	if live {
		t = time.Now()
		if _, err := p.Liveness(d, f); err != nil {
			return r, err
		}
		r[5] = ms(t)
	}
	t = time.Now()
	if _, err := p.Extract(ctx, data, embed.ExtractOptions{Purpose: embed.PurposeVerify}); err != nil {
		return r, err
	}
	r[6] = ms(t)
	return r, nil
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
