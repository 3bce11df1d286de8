package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/roc"
)

// `eval pairs --embedder`: second face descriptors (embed/descriptor.go) run on the
// landmarks each image was embedded with, cached beside the embeddings (--cache) so that
// each image is described once per model and crop, then scored alone and fused with the
// deployed masked path (embed.MaskedScore).

// fuseWeight and fuseAnchor are --fuse-weight and --fuse-anchor: a fusion chosen on another
// run's train pairs (the masked-pairs set has no train file; LFW's unmasked run reuses the
// synthetic run's choice).
var fuseWeight, fuseAnchor float64

// describeMissing runs every descriptor of list on the images res lacks it for, and returns
// the descriptor IDs in list order.
func describeMissing(p *embed.Pipeline, root string, paths []string, res map[string]*imageResult, list string, workers int, quiet, rescaled bool) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	var descs []*embed.Descriptor
	var ids []string
	for _, s := range strings.Split(list, ",") {
		ds, err := embed.LoadDescriptor(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		descs, ids = append(descs, ds), append(ids, ds.ID())
	}
	var todo []string
	for _, q := range paths {
		r := res[q]
		if r.emb == nil {
			continue
		}
		for _, id := range ids {
			if _, ok := r.desc[id]; !ok {
				todo = append(todo, q)
				break
			}
		}
	}
	if len(todo) == 0 {
		return ids, nil
	}
	if rescaled {
		return nil, errors.New("--embedder does not run with --scale or --jpeg-scale")
	}
	bar := newProgressBar(os.Stderr, "describe", len(todo), quiet)
	var mu sync.Mutex
	work := make(chan string)
	var g errgroup.Group
	for w := 0; w < max(workers, 1); w++ {
		g.Go(func() error {
			for q := range work {
				r := res[q]
				if r.lm == [5]embed.Point{} {
					return fmt.Errorf("%s: the cache holds no landmarks (written before --embedder): embed again without --cache", q)
				}
				data, err := os.ReadFile(filepath.Join(root, q))
				if err != nil {
					return err
				}
				d, err := p.Decode(data)
				if err != nil {
					return err
				}
				f := &embed.Face{Landmarks: r.lm, Quality: r.quality}
				if d, err = p.Finer(context.Background(), d, f); err != nil {
					return err
				}
				got := map[string][]float32{}
				for i, ds := range descs {
					if _, ok := r.desc[ids[i]]; ok {
						continue
					}
					if got[ids[i]], err = ds.DescribeFace(d, f); err != nil {
						return err
					}
				}
				mu.Lock()
				if r.desc == nil {
					r.desc = map[string][]float32{}
				}
				for id, v := range got {
					r.desc[id] = v
				}
				bar.step(false)
				mu.Unlock()
			}
			return nil
		})
	}
	go func() {
		for _, q := range todo {
			work <- q
		}
		close(work)
	}()
	err := g.Wait()
	if err != nil {
		for range work { // let the feeder finish
		}
	}
	return ids, err
}

// fuseScorer is one scored rule over a pair: a is the probe (path1).
type fuseScorer func(a, b *imageResult) float64

func maskedPathScore(a, b *imageResult) float64 {
	return float64(deployedMaskedScore(a, b))
}

func descCosine(id string) fuseScorer {
	return func(a, b *imageResult) float64 { return float64(embed.Cosine(a.desc[id], b.desc[id])) }
}

// fused is the weighted mean (1-w) MaskedScore + w descriptor cosine.
func fused(id string, w float64) fuseScorer {
	return func(a, b *imageResult) float64 {
		return (1-w)*maskedPathScore(a, b) + w*float64(embed.Cosine(a.desc[id], b.desc[id]))
	}
}

func labeled(res map[string]*imageResult, rows []pairRow, id string, s fuseScorer) []roc.Labeled {
	l := make([]roc.Labeled, 0, len(rows))
	for _, r := range rows {
		a, b := res[r.a], res[r.b]
		if a.emb == nil || b.emb == nil || a.extra == nil || b.extra == nil || a.desc[id] == nil || b.desc[id] == nil {
			l = append(l, roc.Labeled{Score: -1, Same: r.same})
			continue
		}
		l = append(l, roc.Labeled{Score: s(a, b), Same: r.same})
	}
	return l
}

// fuseCriterion is what a fusion weight is chosen by on the train (or dev) pairs: the mean of
// TAR at FAR 1e-2 and 1e-3, the two targets.
func fuseCriterion(l []roc.Labeled) float64 {
	t2, _, _ := roc.TARAtFAR(l, 1e-2)
	t3, _, _ := roc.TARAtFAR(l, 1e-3)
	return (t2 + t3) / 2
}

// reportFused prints, per descriptor, its cosine alone, MaskedScore fused with it at a
// grid of weights and at the weight chosen on train (or dev, by person) pairs, and the
// deployed rule with the fused masked path: the classifier picks the path, the masked path
// scores the fused score through its own anchor (the fused score at FAR 1e-3 on train).
func reportFused(res map[string]*imageResult, train, test []pairRow, folds bool, ids []string) {
	if len(ids) == 0 {
		return
	}
	// Without train pairs, the weight is chosen on the dev half of the test pairs by person
	// (anchorHalf) unless --fuse-weight gives it.
	sel, selName := train, "train"
	if sel == nil {
		selName = "dev half (by person) of --pairs"
		for _, r := range test {
			if anchorHalf(r.a) == 0 && anchorHalf(r.b) == 0 {
				sel = append(sel, r)
			}
		}
	}
	fold := make([]int, len(test))
	for i, r := range test {
		fold[i] = r.fold
	}
	row := func(name string, id string, s fuseScorer) {
		ts := labeled(res, test, id, s)
		trAcc, trTAR, trCos, acc := math.NaN(), math.NaN(), math.NaN(), math.NaN()
		if train != nil {
			tr := labeled(res, train, id, s)
			var thr float64
			thr, trAcc = roc.BestThreshold(tr)
			trTAR, trCos, _ = roc.TARAtFAR(tr, 1e-3)
			acc = roc.Accuracy(ts, thr)
		} else if folds {
			acc, _ = roc.TenFold(ts, fold)
		}
		t2, _, _ := roc.TARAtFAR(ts, 1e-2)
		t3, _, _ := roc.TARAtFAR(ts, 1e-3)
		fmt.Printf("| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", name, trAcc, trTAR, trCos, acc, roc.AUC(ts), t2, t3)
	}
	for k, id := range ids {
		fmt.Printf("\nsecond descriptor %s (fusion weight chosen on %s by mean TAR@FAR1e-2/1e-3)\n", id, selName)
		fmt.Println("| variant | train acc | train TAR@FAR1e-3 | train cos@FAR1e-3 | test acc | test AUC | TAR@FAR1e-2 | TAR@FAR1e-3 |")
		fmt.Println("|---|---|---|---|---|---|---|---|")
		row("MaskedScore (deployed masked path, raw)", id, maskedPathScore)
		row(id+" cosine", id, descCosine(id))
		best, bestW := -1.0, 0.0
		for i := 0; i <= 20; i++ {
			w := float64(i) / 20
			if c := fuseCriterion(labeled(res, sel, id, fused(id, w))); c > best+1e-9 {
				best, bestW = c, w
			}
			if i%5 == 0 && i > 0 && i < 20 {
				row(fmt.Sprintf("fuse: %.2f MaskedScore + %.2f %s", 1-w, w, id), id, fused(id, w))
			}
		}
		// z-normalised sum: each score standardised by its impostor mean and deviation on sel.
		zm, zs := impostorStats(labeled(res, sel, id, maskedPathScore))
		dm, dsd := impostorStats(labeled(res, sel, id, descCosine(id)))
		row("fuse: z-sum (impostor stats of "+selName+")", id, func(a, b *imageResult) float64 {
			return (maskedPathScore(a, b)-zm)/zs + (descCosine(id)(a, b)-dm)/dsd
		})
		w, from := bestW, selName
		if k == 0 && fuseWeight >= 0 {
			w, from = fuseWeight, "--fuse-weight"
		}
		row(fmt.Sprintf("**fuse chosen (%s): %.2f MaskedScore + %.2f %s**", from, 1-w, w, id), id, fused(id, w))
		anchor := fuseAnchor
		if k != 0 || fuseWeight < 0 || anchor <= 0 {
			_, anchor, _ = roc.TARAtFAR(labeled(res, sel, id, fused(id, w)), 1e-3)
		}
		fmt.Printf("chosen weight %.2f (criterion %.4f on %s); fused anchor (score at FAR 1e-3) %.4f\n", w, best, selName, anchor)
		dep := func(a, b *imageResult) float64 {
			if a.extra.MaskScore >= 0.5 {
				return embed.Anchored(fused(id, w)(a, b), anchor)
			}
			return embed.Similarity(embed.Cosine(a.emb, b.emb))
		}
		row("deployed, fused masked path (API scale)", id, dep)
		ts := labeled(res, test, id, dep)
		_, _, far, n := acceptedAt(ts, 0.75)
		fmt.Printf("deployed fused at similarity >= 0.75: accuracy %.4f, FAR %.4f (%d of %d different-person pairs)\n", roc.Accuracy(ts, 0.75), evalRatio(far, n), far, n)
	}
}

func impostorStats(l []roc.Labeled) (mean, sd float64) {
	var s, s2, n float64
	for _, x := range l {
		if !x.Same && x.Score > -1 {
			s += x.Score
			s2 += x.Score * x.Score
			n++
		}
	}
	if n < 2 {
		return 0, 1
	}
	mean = s / n
	return mean, math.Sqrt(max(s2/n-mean*mean, 1e-12))
}
