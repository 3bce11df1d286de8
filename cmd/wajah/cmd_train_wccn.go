package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
)

func init() {
	register("train-wccn", "train the masked path's head (WCCN of the plain and overlay embeddings) on eval caches of drawn and real masks, choose its weight and ridge by a 2-fold person split, and write it", runTrainWCCN)
}

// wccnDomain is one dev set of the masked head: the images of a pairs file's rows, path1
// the masked probes, path2 the enrolment images, scored and fitted on; fit also holds the
// fit-only images of further parts (more photos of the same people, never scored, so the
// choice is made on the same pairs whatever the fit set).
type wccnDomain struct {
	name             string
	res, fit         map[string]*imageResult
	probes, enrolled []string
}

// wccnFold splits people into two folds by a hash bit other than anchorHalf's, so that
// masked-pairs' dev half (anchorHalf 0) splits again (reportWCCN's dev split too).
func wccnFold(p string) int { return int(fnvOf(personOf(p))>>9) & 1 }

// runTrainWCCN fits embed.MaskedHead. The fit set is the synthetic domain's images (LFW
// View 1 train with a drawn mask on path1) plus the real domain's dev-half images
// (masked-pairs, anchorHalf 0; the report half is never read) counted --weights times, so
// that ~120 people with real masks are not drowned by ~2,000 with drawn ones; a domain's
// further parts (CACHE:PAIRS after a "+") add fit-only images of its people. Weight and
// ridge are chosen 2-fold by person (wccnFold): fit on one fold of both domains, score
// every masked probe against every enrolment image of the other fold in each domain, both
// ways; the choice maximizes the smaller of the two domains' gains in TAR at FAR 1e-2 over
// no head (a head must not buy one domain's gain with the other's loss). The masked
// path's anchor is the synthetic domain's held-out score at FAR 1e-3 (the head is fitted on
// LFW View 1 train, so its own pairs would be in-sample).
func runTrainWCCN(args []string) error {
	fs := flag.NewFlagSet("train-wccn", flag.ContinueOnError)
	synthetic := fs.String("synthetic", "", "CACHE:PAIRS[+CACHE:PAIRS...] of drawn masks: an `eval pairs --masked --cache` file and the synth-mask pairs file it embedded (LFW View 1 train); further parts are fitted on, never scored")
	real := fs.String("real", "", "CACHE:PAIRS[+CACHE:PAIRS...] of real masks (masked-pairs); only the dev half (anchorHalf 0) is read; further parts are fitted on, never scored")
	weights := fs.String("weights", "1,2,3,6,10", "comma list of the real domain's weights to choose from")
	lambdas := fs.String("lambdas", "0.1,0.3,1,3", "comma list of ridges (times the mean within-class variance) to choose from")
	out := fs.String("out", "", "head file to write (empty: measure only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := embed.New(embed.Options{MinDetect: 12})
	if err != nil {
		return err
	}
	id := evalCacheID(p, true)
	syn, err := loadWCCNDomain("synthetic", *synthetic, id, func(string) bool { return true })
	if err != nil {
		return err
	}
	rl, err := loadWCCNDomain("real", *real, id, func(q string) bool { return anchorHalf(q) == 0 })
	if err != nil {
		return err
	}
	ws, err := parseInts(*weights)
	if err != nil {
		return fmt.Errorf("--weights: %w", err)
	}
	lams, err := parseFloats(*lambdas)
	if err != nil {
		return fmt.Errorf("--lambdas: %w", err)
	}
	domains := []wccnDomain{syn, rl}
	fmt.Printf("train-wccn: synthetic %d images (%d probes x %d enrolment; %d fitted on), real dev half %d images (%d x %d; %d fitted on); 2-fold by person\n",
		len(syn.res), len(syn.probes), len(syn.enrolled), len(syn.fit), len(rl.res), len(rl.probes), len(rl.enrolled), len(rl.fit))
	fmt.Println("| real weight | lam | synthetic AUC | synthetic TAR@1e-2 | synthetic TAR@1e-3 | real AUC | real TAR@1e-2 | real TAR@1e-3 | smaller TAR@1e-2 gain |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	var base [2]wccnStats
	line := func(w, lam string, st [2]wccnStats) float64 {
		m := min(st[0].t2-base[0].t2, st[1].t2-base[1].t2)
		fmt.Printf("| %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", w, lam, st[0].auc, st[0].t2, st[0].t3, st[1].auc, st[1].t2, st[1].t3, m)
		return m
	}
	base, _ = crossFitWCCN(domains, 0, -1)
	line("no head", "-", base)
	bestW, bestLam, best := 0, 0.0, math.Inf(-1)
	var bestSyn []float64
	for _, w := range ws {
		for _, lam := range lams {
			st, synImp := crossFitWCCN(domains, w, lam)
			if m := line(strconv.Itoa(w), strconv.FormatFloat(lam, 'g', -1, 64), st); m > best {
				bestW, bestLam, best, bestSyn = w, lam, m, synImp
			}
		}
	}
	anchor := scoreAtFAR(bestSyn, 1e-3)
	fmt.Printf("chosen: real weight %d, lam %g; masked-path anchor (synthetic held-out score at FAR 1e-3 over %d impostor pairs): %.4f (today's %.4f)\n",
		bestW, bestLam, len(bestSyn), anchor, embed.MaskedAnchor())
	head := fitWCCNHead(domains, bestW, bestLam, func(string) bool { return true })
	b, err := head.MarshalBinary()
	if err != nil {
		return err
	}
	if _, err := embed.ParseMaskedHead(b); err != nil {
		return fmt.Errorf("the fitted head does not parse: %w", err)
	}
	fmt.Printf("head: %d bytes, sha256 %x\n", len(b), sha256.Sum256(b))
	if *out == "" {
		return nil
	}
	return os.WriteFile(*out, b, 0o644)
}

// loadWCCNDomain reads a domain's parts: the first is scored and fitted on, the others only
// fitted on. A path in two parts is taken as one image (synth-mask writes the same pixels
// for an image whichever pair it is in), so it is counted once.
func loadWCCNDomain(name, spec, cacheID string, keep func(string) bool) (wccnDomain, error) {
	d := wccnDomain{name: name, res: map[string]*imageResult{}, fit: map[string]*imageResult{}}
	for i, part := range strings.Split(spec, "+") {
		cache, pairs, ok := strings.Cut(part, ":")
		if !ok || cache == "" || pairs == "" {
			return d, fmt.Errorf("--%s: want CACHE:PAIRS, got %q", name, part)
		}
		all, _, err := loadCachedSubset(cache, cacheID, true)
		if err != nil {
			return d, fmt.Errorf("--%s: %w", name, err)
		}
		rows, _, err := readPairs(pairs)
		if err != nil {
			return d, fmt.Errorf("--%s: %w", name, err)
		}
		probes, enrolled := probesAndGallery(all, rows, keep)
		if len(probes)+len(enrolled) == 0 || i == 0 && (len(probes) == 0 || len(enrolled) == 0) {
			return d, fmt.Errorf("--%s: no embedded images of %s in %s", name, pairs, cache)
		}
		if i == 0 {
			d.probes, d.enrolled = probes, enrolled
		}
		for _, q := range append(probes, enrolled...) {
			if i == 0 {
				d.res[q] = all[q]
			}
			if d.fit[q] == nil {
				d.fit[q] = all[q]
			}
		}
	}
	return d, nil
}

type wccnStats struct{ auc, t2, t3 float64 }

// crossFitWCCN scores each domain 2-fold by person with heads fitted on the other fold
// (lam < 0: no head, MaskedScore itself); it returns each domain's pooled figures and the
// synthetic domain's held-out impostor scores.
func crossFitWCCN(domains []wccnDomain, weight int, lam float64) ([2]wccnStats, []float64) {
	var gen, imp [2][]float64
	for f := range 2 {
		var head *embed.MaskedHead
		if lam >= 0 {
			head = fitWCCNHead(domains, weight, lam, func(q string) bool { return wccnFold(q) != f })
		}
		w := newWhitenedFaces(head) // nil: MaskedScore itself
		inFold := func(q string) bool { return wccnFold(q) == f }
		for di, d := range domains {
			g, i := maskedProbeScores(d.res, pick(d.probes, inFold), pick(d.enrolled, inFold), w.score)
			gen[di], imp[di] = append(gen[di], g...), append(imp[di], i...)
		}
	}
	var st [2]wccnStats
	for i := range st {
		st[i].auc, st[i].t2, st[i].t3 = aucTAR(gen[i], imp[i])
	}
	return st, imp[0]
}

// fitWCCNHead fits a head on the kept fit images of every domain, the real one (index 1)
// counted weight times.
func fitWCCNHead(domains []wccnDomain, weight int, lam float64, keep func(string) bool) *embed.MaskedHead {
	var plain [][]float32
	var overlays [][][]float32
	var cls []string
	for di, d := range domains {
		n := 1
		if di == 1 {
			n = weight
		}
		for _, q := range slices.Sorted(maps.Keys(d.fit)) {
			if !keep(q) {
				continue
			}
			for range n {
				plain = append(plain, d.fit[q].emb)
				overlays = append(overlays, d.fit[q].extra.Templates)
				cls = append(cls, d.name+"/"+personOf(q))
			}
		}
	}
	return train.MaskedHead(plain, overlays, cls, lam)
}

func parseFloats(s string) ([]float64, error) {
	var o []float64
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%q: want numbers >= 0", s)
		}
		o = append(o, v)
	}
	return o, nil
}
