package main

import (
	"context"
	"encoding/gob"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/roc"
	"github.com/wajah-id/wajah/embed/train"
)

func init() {
	register("eval pairs", "face verification accuracy, AUC, TAR@FAR on a pairs TSV (LFW)", runEvalPairs)
	register("eval mask", "mask classifier accuracy, precision and recall on a manifest", runEvalMask)
}

type pairRow struct {
	a, b string
	same bool
	fold int
}

// readPairs reads "path1 path2 same [fold]" TSV with an optional header line.
func readPairs(path string) ([]pairRow, bool, error) {
	var rows []pairRow
	hasFold := true
	err := scanTSV(path, func(ln int, line string) error {
		c := strings.Split(line, "\t")
		if len(c) < 3 || c[0] == "" {
			return nil
		}
		s, err := strconv.Atoi(c[2])
		if err != nil {
			if ln == 1 {
				return nil // header
			}
			return fmt.Errorf("%s:%d: same must be 0 or 1", path, ln)
		}
		r := pairRow{a: c[0], b: c[1], same: s == 1, fold: -1}
		if len(c) > 3 {
			if r.fold, err = strconv.Atoi(c[3]); err != nil {
				return fmt.Errorf("%s:%d: bad fold", path, ln)
			}
		} else {
			hasFold = false
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return rows, hasFold && len(rows) > 0, nil
}

// imageResult is one image's detection: the embedding, or a failure to detect.
type imageResult struct {
	emb      []float32
	detected bool
	err      error
	quality  embed.Quality
	extra    *maskedExtra         // with --masked only (cmd_eval_masked.go)
	lm       [5]embed.Point       // the landmarks embedded (detected or the mean fallback), original pixels
	desc     map[string][]float32 // --embedder: second descriptors by Descriptor.ID (cmd_eval_desc.go)
}

func runEvalPairs(args []string) error {
	fs := flag.NewFlagSet("eval pairs", flag.ContinueOnError)
	pairsPath := fs.String("pairs", "", "pairs TSV to report on (path1, path2, same [, fold])")
	trainPath := fs.String("train", "", "pairs TSV to choose the threshold on (else 10-fold when folds exist, else the best threshold on --pairs, flagged)")
	root := fs.String("root", ".", "directory the TSV paths are relative to")
	out := fs.String("out", "eval-out", "directory for roc.png and hist.png")
	frac := fs.Float64("detect-frac", 0.2, "smallest face searched, as a fraction of the shorter image side (the reference used 0.2)")
	limit := fs.Int("limit", 0, "use only the first N pairs of each file (0: all)")
	quiet := fs.Bool("quiet", false, "no progressBar bar")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "images processed in parallel")
	scale := fs.Float64("scale", 1, "resize every image by this factor first (to measure accuracy against face size)")
	upscale := fs.Float64("jpeg-scale", 1, "resize every image by this factor and re-encode it as JPEG (quality 90) before decoding: large photos through the reduced decode")
	cache := fs.String("cache", "", "embeddings file (gob): loaded when it holds every image, else written after embedding")
	detector := fs.String("detector", embed.DetectorMTCNN, "first stage: mtcnn, blazeface, fullrange or faceboxes (landmarks from ONet either way)")
	noTight := fs.Bool("no-tight", false, "no tight-crop fallback (embed/tight.go): as the pipeline was before it")
	tightFloor := fs.Float64("tight-floor", 0, "ONet floor of the last-resort tight-crop fallback, gated by the faceness head (embed.Experimental.TightCropFloor; 0: the default 0.02, negative: off)")
	redetect := fs.Bool("redetect-missed", false, "with --cache: embed again the images the cached run found no face in (after a detection change), keep the others")
	maskedAlign := fs.String("masked-align", "", "landmarks a face the classifier calls masked is re-aligned from: five, eyes-nose, eyes, facemesh (default: the pipeline's)")
	masked := fs.Bool("masked", false, "also score the masked-matching variants (masked templates, upper face, fusion; cmd_eval_masked.go)")
	fs.IntVar(&evalOverlayRounds, "overlay-rounds", 1, "with --masked: rounds of synthetic-mask overlays per image (1: the shipped three; more: the same styles with other seeds, cmd_eval_masked.go); use its own --cache")
	allPairs := fs.Bool("all-pairs", false, "score every cross-person pair of each file's images and report each path's score at FAR 1e-3 and FAR at 0.75 (cmd_eval_allpairs.go); with --masked also every masked probe (path1) against every enrolment image (path2), 2-fold by person (cmd_eval_anchor.go)")
	wccnFit := fs.String("wccn-fit", "", "with --masked: WCCN heads fitted on other sets and scored on these pairs, comma list of train (this run's --train images), CACHE or CACHE:PAIRS (cmd_eval_wccncross.go)")
	fs.Float64Var(&deployedAt, "deployed-at", 0, "with --masked: also report the deployed rule's accuracy at this API similarity (e.g. the plain path's train threshold on the API scale)")
	flip := fs.Bool("flip", false, "flip test-time augmentation: embed each aligned crop and its mirror, sum, normalize")
	precision := fs.String("precision", "", "embedding model precision: fp32 (default) or bf16 (embed.Options.Precision)")
	compare := fs.String("compare", "", "embeddings cache (--cache) of another run on the same images: print every image's cosine to it (cmd_eval_precision.go)")
	embedders := fs.String("embedder", "", "comma list of second descriptors run on every image's landmarks (faceres, faceres-deep, mobileface, optionally @zoom; cmd_eval_desc.go): with --masked, scored alone and fused with the masked path")
	fs.Float64Var(&fuseWeight, "fuse-weight", -1, "with --embedder: the weight of the (first) descriptor in the masked path's fused score, as chosen on train pairs (default: choose on --train)")
	fs.Float64Var(&fuseAnchor, "fuse-anchor", 0, "with --fuse-weight: the fused score at FAR 1e-3 on the train pairs (the fused masked path's anchor)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pairsPath == "" {
		return errors.New("--pairs is required")
	}
	test, folds, err := readPairs(*pairsPath)
	if err != nil {
		return err
	}
	var train []pairRow
	if *trainPath != "" {
		if train, _, err = readPairs(*trainPath); err != nil {
			return err
		}
	}
	if *limit > 0 {
		test, train = test[:min(*limit, len(test))], train[:min(*limit, len(train))]
	}
	p, err := embed.New(embed.Options{MinDetect: 12, Detector: *detector, FlipTTA: *flip, NoMask: !*masked, Precision: *precision,
		Experimental: embed.Experimental{DetectFrac: float32(*frac), NoTightFallback: *noTight, MaskedAlign: *maskedAlign, TightCropFloor: float32(*tightFloor)}})
	if err != nil {
		return err
	}
	evalWhitened = newWhitenedFaces(p.MaskedHead())
	var paths []string
	seen := map[string]bool{}
	for _, r := range append(append([]pairRow(nil), train...), test...) {
		for _, q := range []string{r.a, r.b} {
			if !seen[q] {
				seen[q] = true
				paths = append(paths, q)
			}
		}
	}
	res, stats, err := loadEmbeddings(*cache, paths, *masked)
	if err == nil && stats.modelID != "" && stats.modelID != evalCacheID(p, *masked) {
		err = fmt.Errorf("cache %s holds %s embeddings, not %s", *cache, stats.modelID, evalCacheID(p, *masked))
		fmt.Fprintln(os.Stderr, err, "- embedding again")
	}
	if err == nil && *redetect {
		err = errors.New("--redetect-missed")
	}
	var partial map[string]*imageResult
	if err != nil && *cache != "" && *scale == 1 && *upscale == 1 {
		// A cache of the same pipeline that lacks some images (another pairs file of the
		// same images): embed only those; the others keep their cached figures.
		if partial, _, _ = loadCachedSubset(*cache, evalCacheID(p, *masked), *masked); len(partial) > 0 {
			if *redetect {
				for q, r := range partial {
					if !r.detected {
						delete(partial, q)
					}
				}
			}
			var todo []string
			for _, q := range paths {
				if partial[q] == nil {
					todo = append(todo, q)
				}
			}
			fmt.Fprintf(os.Stderr, "cache %s holds %d of %d images: embedding the other %d\n", *cache, len(paths)-len(todo), len(paths), len(todo))
			paths = todo
		}
	}
	if err != nil {
		if res, stats, err = embedAll(p, *root, paths, *scale, *upscale, *workers, *quiet, *masked); err != nil {
			return err
		}
		for q, r := range partial {
			if res[q] == nil {
				res[q] = r
			}
		}
		paths = paths[:0]
		for _, r := range append(append([]pairRow(nil), train...), test...) {
			for _, q := range []string{r.a, r.b} {
				if !seen[q] {
					continue
				}
				seen[q] = false
				paths = append(paths, q)
			}
		}
		if *cache != "" {
			if err := saveEmbeddings(*cache, res, stats); err != nil {
				return err
			}
		}
	}
	descIDs, err := describeMissing(p, *root, paths, res, *embedders, *workers, *quiet, *scale != 1 || *upscale != 1)
	if err != nil {
		return err
	}
	if len(descIDs) > 0 && *cache != "" {
		if err := saveEmbeddings(*cache, res, stats); err != nil {
			return err
		}
	}
	fmt.Printf("images %d, not detected %d (mean-landmark fallback), unreadable %d\n", len(paths), stats.missed, stats.unreadable)
	if *compare != "" {
		if err := reportCosinesTo(*compare, res, paths); err != nil {
			return err
		}
	}
	var sizes, yaws, pitches []float64
	for _, r := range res {
		if r.detected {
			sizes = append(sizes, float64(r.quality.FaceSize))
			yaws = append(yaws, float64(r.quality.Yaw))
			pitches = append(pitches, float64(r.quality.Pitch))
		}
	}
	fmt.Printf("detected faces: size (eye-mouth px) p5 %.1f median %.1f; yaw median %.1f, p95 |yaw| %.1f; pitch median %.1f\n",
		evalQuantile(sizes, 0.05), evalQuantile(sizes, 0.5), evalQuantile(yaws, 0.5), evalQuantileAbs(yaws, 0.95), evalQuantile(pitches, 0.5))
	fmt.Printf("ms per image (per worker): decode %.1f, detect %.1f, align+embed %.1f (%d workers, GOMAXPROCS %d)\n",
		stats.decode.ms(len(paths)), stats.detect.ms(len(paths)), stats.embed.ms(len(paths)), *workers, runtime.GOMAXPROCS(0))
	score := func(rows []pairRow) []roc.Labeled {
		var l []roc.Labeled
		for _, r := range rows {
			ea, eb := res[r.a], res[r.b]
			if ea.emb == nil || eb.emb == nil {
				l = append(l, roc.Labeled{Score: -1, Same: r.same}) // unreadable: a sure miss
				continue
			}
			l = append(l, roc.Labeled{Score: float64(embed.Cosine(ea.emb, eb.emb)), Same: r.same})
		}
		return l
	}
	ts := score(test)
	thr := 0.0
	switch {
	case train != nil:
		tr := score(train)
		t, acc := roc.BestThreshold(tr)
		thr = t
		tar3, far3, _ := roc.TARAtFAR(tr, 1e-3)
		tar2, _, _ := roc.TARAtFAR(tr, 1e-2)
		fmt.Printf("train %s: %d pairs, best threshold %.4f (accuracy %.4f), cosine at FAR 1e-3 %.4f\n",
			filepath.Base(*trainPath), len(tr), t, acc, far3)
		// Train-set figures are the ones to choose pipeline variants by; the test pairs
		// only report.
		fmt.Printf("train AUC %.5f, TAR@FAR=1e-2 %.4f, TAR@FAR=1e-3 %.4f\n", roc.AUC(tr), tar2, tar3)
		fmt.Printf("test accuracy (train threshold): %.4f\n", roc.Accuracy(ts, thr))
	case folds:
		fold := make([]int, len(test))
		for i, r := range test {
			fold[i] = r.fold
		}
		m, s := roc.TenFold(ts, fold)
		thr, _ = roc.BestThreshold(ts)
		fmt.Printf("accuracy (10-fold): %.4f ± %.4f\n", m, s)
	default:
		t, acc := roc.BestThreshold(ts)
		thr = t
		fmt.Printf("accuracy at the best threshold on the same pairs (optimistic): %.4f (threshold %.4f)\n", acc, t)
	}
	_, oracle := roc.BestThreshold(ts)
	tar2, t2, f2 := roc.TARAtFAR(ts, 1e-2)
	tar3, t3, f3 := roc.TARAtFAR(ts, 1e-3)
	fmt.Printf("%s: %d pairs, AUC %.4f, oracle accuracy %.4f\n", filepath.Base(*pairsPath), len(ts), roc.AUC(ts), oracle)
	fmt.Printf("TAR@FAR=1e-2: %.4f (threshold %.4f, FAR %.4f)\n", tar2, t2, f2)
	fmt.Printf("TAR@FAR=1e-3: %.4f (threshold %.4f, FAR %.4f)\n", tar3, t3, f3)
	sim := make([]roc.Labeled, len(ts))
	for i, l := range ts {
		sim[i] = roc.Labeled{Score: embed.Similarity(float32(l.Score)), Same: l.Same}
	}
	fmt.Printf("accuracy at API similarity >= 0.75 (cosine %.4f): %.4f\n", embed.CosineFor(0.75), roc.Accuracy(sim, 0.75))
	if *masked {
		reportMasked(res, train, test, folds)
		reportFused(res, train, test, folds, descIDs)
		if *allPairs {
			reportMaskedAnchor(res, test)
		}
		if *wccnFit != "" {
			sets, err := wccnFitSets(*wccnFit, evalCacheID(p, true), res, train)
			if err != nil {
				return err
			}
			reportWCCNCross(res, test, sets)
		}
	}
	if *allPairs { // cmd_eval_allpairs.go
		if train != nil {
			reportAllPairs(*trainPath, res, train)
		}
		reportAllPairs(*pairsPath, res, test)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	title := fmt.Sprintf("%s  AUC %.4f", filepath.Base(*pairsPath), roc.AUC(ts))
	if err := evalWritePNG(filepath.Join(*out, "roc.png"), func(f *os.File) error { return roc.PlotROC(f, title, roc.Curve(ts)) }); err != nil {
		return err
	}
	if err := evalWritePNG(filepath.Join(*out, "hist.png"), func(f *os.File) error {
		return roc.PlotHistogram(f, "cosine: same vs different", ts, -0.4, 1, thr)
	}); err != nil {
		return err
	}
	fmt.Printf("wrote %s and %s\n", filepath.Join(*out, "roc.png"), filepath.Join(*out, "hist.png"))
	return nil
}

// embCache is what --cache stores: per image the embedding, detection flag and quality.
type embCache struct {
	Emb      map[string][]float32
	Detected map[string]bool
	Quality  map[string]embed.Quality
	Stats    [5]float64 // missed, unreadable, decode, detect, embed (ns)
	Extra    map[string]maskedExtra
	ModelID  string // the pipeline's embed.ModelID; absent in caches written before it
	Lm       map[string][5]embed.Point
	Desc     map[string]map[string][]float32 // Descriptor.ID -> image -> descriptor
}

func loadEmbeddings(path string, paths []string, extras bool) (map[string]*imageResult, embedStats, error) {
	var st embedStats
	if path == "" {
		return nil, st, errors.New("no cache")
	}
	c, err := readEmbCache(path)
	if err != nil {
		return nil, st, err
	}
	res := make(map[string]*imageResult, len(paths))
	for _, q := range paths {
		e, ok := c.Emb[q]
		if !ok {
			return nil, st, errors.New("cache misses " + q)
		}
		res[q] = &imageResult{emb: e, detected: c.Detected[q], quality: c.Quality[q], lm: c.Lm[q]}
		for id, m := range c.Desc {
			if v, ok := m[q]; ok {
				if res[q].desc == nil {
					res[q].desc = map[string][]float32{}
				}
				res[q].desc[id] = v
			}
		}
		if x, ok := c.Extra[q]; ok {
			res[q].extra = &x
		} else if extras {
			return nil, st, errors.New("cache has no --masked embeddings of " + q)
		}
	}
	st.missed, st.unreadable = int(c.Stats[0]), int(c.Stats[1])
	st.decode, st.detect, st.embed = evalStopwatch(c.Stats[2]), evalStopwatch(c.Stats[3]), evalStopwatch(c.Stats[4])
	st.modelID = c.ModelID
	fmt.Fprintln(os.Stderr, "embeddings loaded from", path)
	return res, st, nil
}

// readEmbCache reads a cache file written by saveEmbeddings.
func readEmbCache(path string) (embCache, error) {
	var c embCache
	f, err := os.Open(path)
	if err != nil {
		return c, err
	}
	defer f.Close()
	err = gob.NewDecoder(f).Decode(&c)
	return c, err
}

// loadCachedSubset reads every image of a cache written by pipeline modelID (with the
// --masked extras when extras), whatever pairs file it was written for.
func loadCachedSubset(path, modelID string, extras bool) (map[string]*imageResult, embedStats, error) {
	var st embedStats
	c, err := readEmbCache(path)
	if err != nil {
		return nil, st, err
	}
	if c.ModelID != modelID {
		return nil, st, fmt.Errorf("cache %s holds %s embeddings", path, c.ModelID)
	}
	var paths []string
	for q := range c.Emb {
		if _, ok := c.Extra[q]; ok || !extras {
			paths = append(paths, q)
		}
	}
	return loadEmbeddings(path, paths, extras)
}

func saveEmbeddings(path string, res map[string]*imageResult, st embedStats) error {
	c := embCache{Emb: map[string][]float32{}, Detected: map[string]bool{}, Quality: map[string]embed.Quality{},
		Stats: [5]float64{float64(st.missed), float64(st.unreadable), float64(st.decode), float64(st.detect), float64(st.embed)}, ModelID: st.modelID,
		Lm: map[string][5]embed.Point{}, Desc: map[string]map[string][]float32{}}
	for q, r := range res {
		if r.emb != nil {
			c.Emb[q], c.Detected[q], c.Quality[q], c.Lm[q] = r.emb, r.detected, r.quality, r.lm
		}
		for id, v := range r.desc {
			if c.Desc[id] == nil {
				c.Desc[id] = map[string][]float32{}
			}
			c.Desc[id][q] = v
		}
		if r.extra != nil {
			if c.Extra == nil {
				c.Extra = map[string]maskedExtra{}
			}
			c.Extra[q] = *r.extra
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(f).Encode(&c); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func evalQuantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func evalQuantileAbs(v []float64, q float64) float64 {
	a := make([]float64, len(v))
	for i, x := range v {
		a[i] = math.Abs(x)
	}
	return evalQuantile(a, q)
}

func evalWritePNG(path string, draw func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := draw(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type evalStopwatch time.Duration

func (s *evalStopwatch) add(t time.Time) { *s += evalStopwatch(time.Since(t)) }
func (s evalStopwatch) ms(n int) float64 {
	return float64(time.Duration(s).Microseconds()) / 1000 / float64(max(n, 1))
}

type embedStats struct {
	missed, unreadable    int
	decode, detect, embed evalStopwatch
	modelID               string // embed.ModelID of the pipeline that embedded (cache: "" if not recorded)
}

// embedAll embeds every image once (the cache of the run), with workers in parallel: the
// protocol's central face, or the mean landmarks of the detected images when none is found
// (as the reference did).
func embedAll(p *embed.Pipeline, root string, paths []string, scale, jpegScale float64, workers int, quiet, extras bool) (map[string]*imageResult, embedStats, error) {
	ctx := context.Background()
	type job struct {
		path  string
		res   *imageResult
		d     *embed.Decoded
		rel   [5]embed.Point // landmarks relative to the image size
		times [3]time.Duration
	}
	jobs := make([]*job, len(paths))
	for i, q := range paths {
		jobs[i] = &job{path: q, res: &imageResult{}}
	}
	var firstErr error
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	work := make(chan *job)
	done := make(chan *job)
	var wg sync.WaitGroup
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				t := time.Now()
				data, err := os.ReadFile(filepath.Join(root, j.path))
				if err == nil && jpegScale != 1 {
					data, err = evalRescaleJPEG(data, jpegScale)
				}
				if err == nil {
					j.d, err = p.Decode(data)
				}
				if err == nil && scale != 1 {
					f := j.d.Full
					j.d = p.Prepare(embed.Resize(f, max(1, int(float64(f.W)*scale+0.5)), max(1, int(float64(f.H)*scale+0.5))))
				}
				j.times[0] = time.Since(t)
				if err != nil {
					j.res.err = err
					done <- j
					continue
				}
				t = time.Now()
				faces, err := p.Detect(ctx, j.d)
				j.times[1] = time.Since(t)
				if err != nil {
					fail(err)
					done <- j
					continue
				}
				fw, fh := j.d.Size() // the frame of the landmarks (original pixels)
				if i := train.PickCentral(faces, fw, fh); i >= 0 {
					f := &faces[i]
					j.res.detected = true
					j.res.quality = f.Quality
					for k, l := range f.Landmarks {
						j.rel[k] = embed.Point{X: l.X / float32(fw), Y: l.Y / float32(fh)}
					}
					t = time.Now()
					err := embedImage(p, j.d, f, j.res, extras)
					j.times[2] = time.Since(t)
					if err != nil {
						fail(err)
					} else {
						j.d = nil // keep memory flat; only misses need the image again
					}
				}
				done <- j
			}
		}()
	}
	go func() {
		for _, j := range jobs {
			work <- j
		}
		close(work)
		wg.Wait()
		close(done)
	}()
	var st embedStats
	bar := newProgressBar(os.Stderr, "images", len(jobs), quiet)
	for j := range done {
		st.decode += evalStopwatch(j.times[0])
		st.detect += evalStopwatch(j.times[1])
		st.embed += evalStopwatch(j.times[2])
		bar.step(!j.res.detected)
	}
	if firstErr != nil {
		return nil, st, firstErr
	}
	// Fallback for misses: the mean relative landmarks of the detected images.
	var mean [5]embed.Point
	n := 0
	res := make(map[string]*imageResult, len(jobs))
	for _, j := range jobs {
		res[j.path] = j.res
		switch {
		case j.res.err != nil:
			st.unreadable++
		case !j.res.detected:
			st.missed++
		default:
			for k := range mean {
				mean[k].X += j.rel[k].X
				mean[k].Y += j.rel[k].Y
			}
			n++
		}
	}
	for _, j := range jobs {
		if j.res.err != nil || j.res.detected {
			continue
		}
		var f embed.Face
		fw, fh := j.d.Size()
		for k := range f.Landmarks {
			f.Landmarks[k] = embed.Point{X: mean[k].X / float32(max(n, 1)) * float32(fw), Y: mean[k].Y / float32(max(n, 1)) * float32(fh)}
		}
		if err := embedImage(p, j.d, &f, j.res, extras); err != nil {
			return nil, st, err
		}
	}
	st.modelID = evalCacheID(p, extras)
	return res, st, nil
}

// evalCacheID names the pipeline an embedding cache was written by: its ModelID, and with
// the --masked extras, which hold mask scores, the classifier that gave them (MaskID).
func evalCacheID(p *embed.Pipeline, extras bool) string {
	if !extras {
		return p.ModelID()
	}
	return p.ModelID() + " mask " + p.MaskID()
}

type maskRow struct {
	path   string
	mask   bool
	source string // optional third column: where the image comes from (cross-source folds)
	detail string // optional fourth column: correct, incorrect or none (mask-worn-dev)
}

// readMaskManifest reads "path mask [source [detail]]" TSV (header optional).
func readMaskManifest(path string) ([]maskRow, error) {
	var rows []maskRow
	err := scanTSV(path, func(ln int, line string) error {
		c := strings.Split(line, "\t")
		if len(c) < 2 {
			return nil
		}
		v, err := strconv.Atoi(c[1])
		if err != nil {
			if ln == 1 {
				return nil
			}
			return fmt.Errorf("%s:%d: mask must be 0 or 1", path, ln)
		}
		r := maskRow{path: c[0], mask: v == 1}
		if len(c) > 2 {
			r.source = c[2]
		}
		if len(c) > 3 {
			r.detail = c[3]
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// isValidation is the split train-mask holds out: every fifth row of the manifest.
func isValidation(i int) bool { return i%5 == 4 }

func runEvalMask(args []string) error {
	fs := flag.NewFlagSet("eval mask", flag.ContinueOnError)
	manifest := fs.String("manifest", "", "TSV: path, mask (0/1)")
	root := fs.String("root", ".", "directory the manifest paths are relative to")
	split := fs.String("split", "all", "rows to use: all, val (train-mask's held-out fifth) or train")
	model := fs.String("model", "", "mask weights file (default: the built-in model)")
	quiet := fs.Bool("quiet", false, "no progressBar bar")
	noTight := fs.Bool("no-tight", false, "no tight-crop fallback (embed/tight.go): as the pipeline was before it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rows, err := readMaskManifest(*manifest)
	if err != nil {
		return err
	}
	p, err := embed.New(embed.Options{MinDetect: 12, Experimental: embed.Experimental{DetectFrac: 0.2, NoTightFallback: *noTight}})
	if err != nil {
		return err
	}
	if *model != "" {
		data, err := os.ReadFile(*model)
		if err != nil {
			return err
		}
		m, err := embed.ParseMaskModel(data)
		if err != nil {
			return err
		}
		p.SetMaskModel(m)
	}
	if p.MaskModel() == nil {
		return embed.ErrNoMaskModel
	}
	var sel []maskRow
	for i, r := range rows {
		if *split == "all" || (*split == "val") == isValidation(i) {
			sel = append(sel, r)
		}
	}
	var tp, fp, tn, fn, missed, missedMasked int
	var probs []roc.Labeled
	bar := newProgressBar(os.Stderr, "mask", len(sel), *quiet)
	for _, r := range sel {
		img, err := evalReadImage(filepath.Join(*root, r.path))
		if err != nil {
			return err
		}
		in, det, err := train.MaskSample(context.Background(), p, img)
		if err != nil {
			return err
		}
		if !det {
			missed++
			if r.mask {
				missedMasked++
			}
		}
		pr, err := p.MaskScore(p.MaskModel(), in)
		if err != nil {
			return err
		}
		probs = append(probs, roc.Labeled{Score: float64(pr), Same: r.mask})
		switch pred := pr >= 0.5; {
		case pred && r.mask:
			tp++
		case pred && !r.mask:
			fp++
		case !pred && r.mask:
			fn++
		default:
			tn++
		}
		bar.step(!det)
	}
	n := tp + fp + tn + fn
	fmt.Printf("%d images (%s split), face not detected in %d (template fallback): %d of %d masked, %d of %d unmasked\n",
		n, *split, missed, missedMasked, tp+fn, missed-missedMasked, tn+fp)
	fmt.Printf("accuracy %.4f, AUC %.4f\n", float64(tp+tn)/float64(max(n, 1)), roc.AUC(probs))
	fmt.Printf("masked:   precision %.4f recall %.4f (n=%d)\n", evalRatio(tp, tp+fp), evalRatio(tp, tp+fn), tp+fn)
	fmt.Printf("unmasked: precision %.4f recall %.4f (n=%d)\n", evalRatio(tn, tn+fn), evalRatio(tn, tn+fp), tn+fp)
	return nil
}

// acceptedAt counts the pairs scoring at least at: same-person pairs accepted of all
// same-person pairs, and different-person pairs accepted (false accepts) of all of those.
func acceptedAt(ts []roc.Labeled, at float64) (tp, same, fp, different int) {
	for _, l := range ts {
		accepted := l.Score >= at
		switch {
		case l.Same:
			same++
			if accepted {
				tp++
			}
		default:
			different++
			if accepted {
				fp++
			}
		}
	}
	return tp, same, fp, different
}

func evalRatio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func evalReadImage(path string) (*embed.RGB, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return embed.Decode(data, embed.Limits{})
}
