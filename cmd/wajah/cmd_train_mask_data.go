package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
	"golang.org/x/sync/errgroup"
)

// maskSample is one image's features as train-mask extracts them.
type maskSample struct {
	emb, lower, fmap, upper []float32
	mirror                  *maskSample // an original image's mirrored crop (the classifier's second look)
	label                   float32
	detected                bool
	row                     int
	copy                    uint8
}

// defaultClassifierMaskStyles are the synthetic masks drawn on unmasked training images as
// positives (train-mask --synth-styles): the dev styles and a mask under the nose, since
// masker is true for a mask worn incorrectly too (without it the classifier called 3 of 12
// below-nose masks on faces-small unmasked). "chin" (pulled down below the mouth) was
// measured and left out: it calls more bare chins masked (embed/maskmodel/README.md).
const defaultClassifierMaskStyles = "surgical,cloth,n95,below-nose"

// extractMaskData extracts features of every manifest row, with workers in parallel; with
// augment, also of an augmented copy of each image and of a synthetic-mask copy of each
// unmasked image whose face is detected (seeded by the row, so reproducible), extra
// more pairs of such copies and occlude copies of each such unmasked image with a hand or
// another unmasked image over its mouth (embed.Occlude, labelled unmasked).
func extractMaskData(manifest, root string, maxSide int, hash string, quiet, augment bool, extra, occlude, workers int, styles []embed.MaskStyle) (*maskData, error) {
	rows, err := readMaskManifest(manifest)
	if err != nil {
		return nil, err
	}
	var bare []int // unmasked rows: the occluders' donors
	for i, r := range rows {
		if !r.mask {
			bare = append(bare, i)
		}
	}
	read := func(i int) (*embed.RGB, error) {
		img, err := evalReadImage(filepath.Join(root, rows[i].path))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rows[i].path, err)
		}
		if maxSide > 0 && max(img.W, img.H) > maxSide {
			// Deterministic side in [80, maxSide]: masked sources are 224 px and
			// unmasked about 100 px, a cue the classifier must not learn.
			img = embed.Shrink(img, 80+(i*37)%(max(maxSide-80, 1)+1))
		}
		return img, nil
	}
	p, err := embed.New(embed.Options{MinDetect: 12, NoMask: true, Experimental: embed.Experimental{DetectFrac: 0.2}})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	sample := func(img *embed.RGB, label float32, row int, copy uint8) (maskSample, error) {
		in, det, err := train.MaskSample(ctx, p, img)
		if err != nil {
			return maskSample{}, err
		}
		s := maskSample{emb: in.Emb, lower: embed.MaskFeatures(embed.MaskFeatLowerFace, in), fmap: in.LowerMap, upper: in.UpperMap(), label: label, detected: det, row: row, copy: copy}
		if copy == 0 {
			// Validation judges with the pipeline's rule (embed.Pipeline.MaskScore), which
			// may look again at the mirrored crop.
			mi, err := p.MirrorMaskInput(in)
			if err != nil {
				return maskSample{}, err
			}
			s.mirror = &maskSample{emb: mi.Emb, lower: embed.MaskFeatures(embed.MaskFeatLowerFace, mi), fmap: mi.LowerMap, upper: mi.UpperMap()}
		}
		return s, nil
	}
	results := make([][]maskSample, len(rows))
	var mu sync.Mutex
	bar := newProgressBar(os.Stderr, "features", len(rows), quiet)
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for i := range rows {
		g.Go(func() error {
			out, err := func() ([]maskSample, error) {
				r := rows[i]
				img, err := read(i)
				if err != nil {
					return nil, err
				}
				var label float32
				if r.mask {
					label = 1
				}
				s, err := sample(img, label, i, 0)
				if err != nil || !augment {
					return []maskSample{s}, err
				}
				out := []maskSample{s}
				rng := rand.New(rand.NewPCG(uint64(i), 0x61756720))
				a, err := sample(train.Augment(img, rng), label, i, 1)
				if err != nil {
					return nil, err
				}
				out = append(out, a)
				// The central face of an unmasked image, which the synthetic masks and the
				// occluders are drawn on (none: no such copies).
				var lm [5]embed.Point
				bareFace := false
				if !r.mask {
					faces, err := p.Detect(ctx, p.Prepare(img))
					if err != nil {
						return nil, err
					}
					if c := train.PickCentral(faces, img.W, img.H); c >= 0 {
						lm, bareFace = faces[c].Landmarks, true
					}
				}
				synth := func(rng *rand.Rand) error {
					if !bareFace {
						return nil
					}
					st := styles[rng.IntN(len(styles))]
					m, _ := embed.SynthMask(img, lm, st, rng.Uint64())
					if rng.IntN(2) == 0 {
						m = train.Augment(m, rng)
					}
					sm, err := sample(m, 1, i, 2)
					out = append(out, sm)
					return err
				}
				if err := synth(rng); err != nil {
					return nil, err
				}
				// Extra copies draw from their own streams, so the first ones (and the
				// committed weights trained on them) do not change with extra.
				for k := range extra {
					rk := rand.New(rand.NewPCG(uint64(i), 0x65787472+uint64(k)))
					a, err := sample(train.Augment(img, rk), label, i, 1)
					if err != nil {
						return nil, err
					}
					out = append(out, a)
					if err := synth(rk); err != nil {
						return nil, err
					}
				}
				// Hard negatives: a hand or another photo over the mouth of a bare face.
				for k := range occlude {
					if !bareFace {
						break
					}
					ro := rand.New(rand.NewPCG(uint64(i), 0x6f63636c+uint64(k)))
					donor, err := read(bare[ro.IntN(len(bare))])
					if err != nil {
						return nil, err
					}
					o, _ := embed.Occlude(img, lm, donor, ro.Uint64())
					if ro.IntN(2) == 0 {
						o = train.Augment(o, ro)
					}
					so, err := sample(o, 0, i, 3)
					if err != nil {
						return nil, err
					}
					out = append(out, so)
				}
				return out, nil
			}()
			mu.Lock()
			results[i] = out
			bar.step(len(out) > 0 && !out[0].detected)
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	d := &maskData{Manifest: hash}
	for _, rs := range results {
		for _, s := range rs {
			r := rows[s.row]
			d.Emb, d.Lower, d.Map, d.Upper = append(d.Emb, s.emb), append(d.Lower, s.lower), append(d.Map, s.fmap), append(d.Upper, s.upper)
			var mir maskSample // nil features for copies
			if s.mirror != nil {
				mir = *s.mirror
			}
			d.MirrorEmb, d.MirrorLower, d.MirrorMap, d.MirrorUpper = append(d.MirrorEmb, mir.emb), append(d.MirrorLower, mir.lower), append(d.MirrorMap, mir.fmap), append(d.MirrorUpper, mir.upper)
			d.Label, d.Detected = append(d.Label, s.label), append(d.Detected, s.detected)
			d.Row, d.Copy = append(d.Row, s.row), append(d.Copy, s.copy)
			d.Source, d.Detail = append(d.Source, r.source), append(d.Detail, r.detail)
		}
	}
	return d, nil
}

// sources lists the manifest's source column values (sorted), for the cross-source folds.
func sources(d *maskData) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range d.Source {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// maskRecalls: accuracy and per-class recall of probabilities at 0.5.
func maskRecalls(probs, y []float32) (acc, masked, unmasked float64) {
	var ok, tp, pos, tn, neg int
	for i := range probs {
		pred := probs[i] >= 0.5
		if y[i] == 1 {
			pos++
			if pred {
				tp++
			}
		} else {
			neg++
			if !pred {
				tn++
			}
		}
	}
	ok = tp + tn
	return evalRatio(ok, len(probs)), evalRatio(tp, pos), evalRatio(tn, neg)
}

// perSource prints validation accuracy per source, of the validation samples vi's
// probabilities.
func perSource(d *maskData, probs []float32, vi []int) {
	for _, src := range sources(d) {
		var ps, ys []float32
		for k, i := range vi {
			if d.Source[i] == src {
				ps, ys = append(ps, probs[k]), append(ys, d.Label[i])
			}
		}
		if len(ps) > 0 {
			acc, rm, ru := maskRecalls(ps, ys)
			fmt.Printf("  %s: accuracy %.4f (n=%d), masked recall %.4f, unmasked recall %.4f\n", src, acc, len(ps), rm, ru)
		}
	}
}

// reportDetail prints, for validation images with a detail column (mask-worn-dev), the
// share the classifier calls masked per detail class: correct and incorrect should be
// masked (masker true), none not.
func reportDetail(d *maskData, probs []float32, vi []int) {
	counts := map[string][2]int{}
	for k, i := range vi {
		if d.Detail[i] == "" {
			continue
		}
		c := counts[d.Detail[i]]
		if probs[k] >= 0.5 {
			c[0]++
		}
		c[1]++
		counts[d.Detail[i]] = c
	}
	for _, cls := range []string{"correct", "incorrect", "none"} {
		if c, ok := counts[cls]; ok {
			fmt.Printf("    %s: called masked %d of %d (%.4f)\n", cls, c[0], c[1], evalRatio(c[0], c[1]))
		}
	}
}

// printMaskErrors lists the validation images m gets wrong, with their source, detail,
// whether a face was detected and the probability of a mask, so that errors can be looked at.
func printMaskErrors(d *maskData, rows []maskRow, probs []float32, vi []int) {
	fmt.Println("validation errors: path, label, source, detail, detected, P(mask)")
	for k, i := range vi {
		p := probs[k]
		if (p >= 0.5) == (d.Label[i] == 1) {
			continue
		}
		fmt.Printf("  %s\t%.0f\t%s\t%s\t%v\t%.3f\n", rows[d.Row[i]].path, d.Label[i], d.Source[i], d.Detail[i], d.Detected[i], p)
	}
}
