package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wajah-id/wajah/embed"
	"golang.org/x/sync/errgroup"
)

func init() {
	register("eval detect", "detection rate of a detector setting on the images of a pairs TSV or mask manifest", runEvalDetect)
}

// runEvalDetect counts, per image, the faces a detector setting finds: the rate of images
// with at least one face, and of images with more than one (most of them false positives
// on these one-face sets).
func runEvalDetect(args []string) error {
	fs := flag.NewFlagSet("eval detect", flag.ContinueOnError)
	pairsPath := fs.String("pairs", "", "pairs TSV: its images (see --column)")
	column := fs.Int("column", 0, "pairs TSV: 1 or 2 for one column's images, 0 for both")
	manifest := fs.String("manifest", "", "mask manifest (path, mask): its images (see --masked)")
	onlyMasked := fs.Bool("masked", false, "mask manifest: only the rows with mask 1")
	root := fs.String("root", ".", "directory the paths are relative to")
	detector := fs.String("detector", embed.DetectorMTCNN, "first stage: mtcnn, blazeface, fullrange or faceboxes")
	thr := fs.String("thresholds", "", "PNet,RNet,ONet score thresholds (default 0.6,0.7,0.7)")
	noTight := fs.Bool("no-tight", false, "no tight-crop fallback (embed/tight.go)")
	tightFloor := fs.Float64("tight-floor", 0, "ONet floor of the last-resort tight-crop fallback, gated by the faceness head (embed.Experimental.TightCropFloor; 0: the default 0.02, negative: off)")
	deep := fs.String("deep-thresholds", "", "PNet,RNet,ONet thresholds of the gated deep retry (embed.Experimental.DeepThresholds; empty: the default 0.2,0.05,0.05; -1,0,0: off)")
	noGate := fs.Bool("no-faceness-gate", false, "take the tight-crop floor's faces without the faceness head (embed.Experimental.NoFacenessGate)")
	shortRange := fs.Float64("short-range", 0, "score of the short-range detector fallback for tight crops (embed.Experimental.ShortRange; 0: off)")
	corners := fs.Bool("corners", false, "non-face proxy: detect in the top-left, top-right and bottom-left 80 and 90 px corners of each image instead of the image")
	frac := fs.Float64("detect-frac", 0, "smallest face as a fraction of the shorter side (0: the gate-derived default, as the server runs)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "images processed in parallel")
	listMissed := fs.Bool("list-missed", false, "print each image without a face (path and size) after the summary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var paths []string
	seen := map[string]bool{}
	add := func(q string) {
		if !seen[q] {
			seen[q] = true
			paths = append(paths, q)
		}
	}
	switch {
	case *pairsPath != "":
		rows, _, err := readPairs(*pairsPath)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if *column != 2 {
				add(r.a)
			}
			if *column != 1 {
				add(r.b)
			}
		}
	case *manifest != "":
		rows, err := readMaskManifest(*manifest)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.mask || !*onlyMasked {
				add(r.path)
			}
		}
	default:
		return errors.New("--pairs or --manifest is required")
	}
	opts := embed.Options{Detector: *detector, NoMask: true, Experimental: embed.Experimental{NoTightFallback: *noTight, DetectFrac: float32(*frac), TightCropFloor: float32(*tightFloor), NoFacenessGate: *noGate, ShortRange: float32(*shortRange)}}
	if *thr != "" {
		parts := strings.Split(*thr, ",")
		if len(parts) != 3 {
			return errors.New("--thresholds wants three values")
		}
		for i, s := range parts {
			v, err := strconv.ParseFloat(s, 32)
			if err != nil {
				return err
			}
			opts.Experimental.MTCNNThresholds[i] = float32(v)
		}
	}
	if *deep != "" {
		v, err := parseThresholds(*deep)
		if err != nil {
			return err
		}
		opts.Experimental.DeepThresholds = v
	}
	p, err := embed.New(opts)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var found, several, unreadable, total int
	var missed []string
	var busy time.Duration
	var g errgroup.Group
	g.SetLimit(max(*workers, 1))
	for _, q := range paths {
		g.Go(func() error {
			data, err := os.ReadFile(filepath.Join(*root, q))
			var d *embed.Decoded
			if err == nil {
				d, err = p.Decode(data)
			}
			if err != nil {
				mu.Lock()
				unreadable++
				mu.Unlock()
				return nil
			}
			frames := []*embed.Decoded{d}
			if *corners {
				frames = cornerFrames(p, d.Full)
			}
			for _, f := range frames {
				t := time.Now()
				faces, err := p.Detect(context.Background(), f)
				el := time.Since(t)
				mu.Lock()
				busy += el
				total++
				switch {
				case len(faces) > 1:
					several++
					found++
				case len(faces) == 1:
					found++
				case !*corners:
					missed = append(missed, fmt.Sprintf("%s (%dx%d)", q, f.Full.W, f.Full.H))
				}
				mu.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	n := total
	fmt.Printf("%d frames: face found in %d (%.4f), more than one face in %d (%.4f), unreadable %d; detect %.1f ms per image per worker\n",
		n, found, evalRatio(found, n), several, evalRatio(several, n), unreadable, float64(busy.Microseconds())/1000/float64(max(n, 1)))
	if *listMissed {
		sort.Strings(missed)
		for _, m := range missed {
			fmt.Println("no face:", m)
		}
	}
	return nil
}

// cornerFrames are eval detect --corners' non-face frames: the top-left, top-right and
// bottom-left squares of 80 and 90 pixels of a one-person photo centred on its face (LFW's
// 250x250: hair, shoulders, background, now and then a bystander's face), each its own tight
// crop. The share of them given a face measures what a fallback for tight crops lets through.
func cornerFrames(p *embed.Pipeline, img *embed.RGB) []*embed.Decoded {
	var out []*embed.Decoded
	for _, s := range []int{80, 90} {
		if img.W < 2*s || img.H < 2*s {
			continue
		}
		for _, c := range [][2]int{{0, 0}, {img.W - s, 0}, {0, img.H - s}} {
			crop := embed.NewRGB(s, s)
			for y := range s {
				copy(crop.Pix[3*s*y:3*s*(y+1)], img.Pix[3*(img.W*(c[1]+y)+c[0]):3*(img.W*(c[1]+y)+c[0]+s)])
			}
			out = append(out, p.Prepare(crop))
		}
	}
	return out
}

// parseThresholds reads "a,b,c" as three detector thresholds.
func parseThresholds(s string) ([3]float32, error) {
	var out [3]float32
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return out, errors.New("want three comma-separated thresholds")
	}
	for i, t := range parts {
		v, err := strconv.ParseFloat(t, 32)
		if err != nil {
			return out, err
		}
		out[i] = float32(v)
	}
	return out, nil
}
