package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
)

func init() {
	register("synth-mask", "write masked copies of a pairs TSV's images (seeded synthetic masks) and their pairs TSV", runSynthMask)
}

// synthSeed is one image's drawing seed: the run's seed mixed with the image's path, so an
// image gets the same mask in every run and in every pair it appears in.
func synthSeed(seed uint64, path string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(path))
	return h.Sum64() ^ (seed * 0x9e3779b97f4a7c15)
}

func runSynthMask(args []string) error {
	fs := flag.NewFlagSet("synth-mask", flag.ContinueOnError)
	pairsPath := fs.String("pairs", "", "pairs TSV (path1, path2, same [, fold])")
	root := fs.String("root", ".", "directory the TSV paths are relative to")
	out := fs.String("out", "", "output directory: masked/<path> images and a pairs TSV of the input's name (paths relative to it)")
	side := fs.String("side", "one", "which images get a mask: one (path1: masked probe, unmasked enrolment) or both")
	styleList := fs.String("styles", "surgical,cloth,n95", "mask styles, one chosen per image by its seed")
	seed := fs.Uint64("seed", 1, "seed of the drawing")
	quality := fs.Int("quality", 92, "JPEG quality of the masked copies")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pairsPath == "" || *out == "" {
		return errors.New("--pairs and --out are required")
	}
	if *side != "one" && *side != "both" {
		return fmt.Errorf("--side must be one or both, not %q", *side)
	}
	styles, err := embed.ParseMaskStyles(*styleList)
	if err != nil {
		return err
	}
	rows, hasFold, err := readPairs(*pairsPath)
	if err != nil {
		return err
	}
	// The protocol's detection (central face, 0.2 x shorter side), as eval pairs runs it.
	p, err := embed.New(embed.Options{MinDetect: 12, NoMask: true, Experimental: embed.Experimental{DetectFrac: 0.2}})
	if err != nil {
		return err
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		return err
	}
	absOut, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	// Unmasked images stay where they are; the TSV names them relative to --out.
	orig := func(q string) (string, error) { return filepath.Rel(absOut, filepath.Join(absRoot, q)) }
	masked := map[string]string{} // original path -> masked path relative to out ("" = not drawn)
	var missed, written int
	perStyle := make([]int, len(styles))
	mask := func(q string) (string, error) {
		if m, ok := masked[q]; ok {
			return m, nil
		}
		data, err := os.ReadFile(filepath.Join(absRoot, q))
		if err != nil {
			return "", err
		}
		// Full size, not p.Decode's reduced JPEG decode: the mask is drawn on d.Full at the
		// landmarks, which are in original pixels.
		img, err := embed.Decode(data, p.Options().Limits)
		if err != nil {
			return "", fmt.Errorf("%s: %w", q, err)
		}
		d := p.Prepare(img)
		faces, err := p.Detect(context.Background(), d)
		if err != nil {
			return "", err
		}
		i := train.PickCentral(faces, d.Full.W, d.Full.H)
		if i < 0 {
			missed++
			masked[q] = ""
			return "", nil
		}
		s := synthSeed(*seed, q)
		k := int(s % uint64(len(styles)))
		mimg, _ := embed.SynthMask(d.Full, faces[i].Landmarks, styles[k], s)
		rel := filepath.Join("masked", strings.TrimSuffix(q, filepath.Ext(q))+".jpg")
		dst := filepath.Join(absOut, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		f, err := os.Create(dst)
		if err != nil {
			return "", err
		}
		if err := jpeg.Encode(f, mimg.Image(), &jpeg.Options{Quality: *quality}); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		written++
		perStyle[k]++
		masked[q] = rel
		return rel, nil
	}
	var b strings.Builder
	b.WriteString("path1\tpath2\tsame")
	if hasFold {
		b.WriteString("\tfold")
	}
	b.WriteString("\n")
	skipped := 0
	bar := newProgressBar(os.Stderr, "pairs", len(rows), false)
	for _, r := range rows {
		a, err := mask(r.a)
		if err != nil {
			return err
		}
		var c string
		if *side == "both" {
			c, err = mask(r.b)
		} else {
			c, err = orig(r.b)
		}
		if err != nil {
			return err
		}
		bar.step(a == "" || c == "")
		if a == "" || c == "" {
			skipped++ // no face to draw on: the pair is left out, and counted
			continue
		}
		same := 0
		if r.same {
			same = 1
		}
		fmt.Fprintf(&b, "%s\t%s\t%d", a, c, same)
		if hasFold {
			fmt.Fprintf(&b, "\t%d", r.fold)
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(absOut, filepath.Base(*pairsPath)), []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("%d pairs, %d written to %s (%d left out: no face in %d images)\n", len(rows), len(rows)-skipped,
		filepath.Join(*out, filepath.Base(*pairsPath)), skipped, missed)
	for k, s := range styles {
		fmt.Printf("  %s: %d images\n", s, perStyle[k])
	}
	fmt.Printf("%d masked images written under %s\n", written, filepath.Join(*out, "masked"))
	return nil
}
