package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/roc"
	"github.com/wajah-id/wajah/engine"
)

func init() {
	register("eval calibrate", "1:N calibration: impostor score distribution on all cross-identity pairs, threshold per gallery size", runEvalCalibrate)
}

// calibStep is the table's spacing in log10(FAR); calibFloor its last row.
const (
	calibStep  = 0.25
	calibFloor = -12
	// calibMinTail: empirical quantiles are used while at least this many impostor pairs
	// lie above them; beyond, the fitted tail.
	calibMinTail = 50
)

func runEvalCalibrate(args []string) error {
	fs := flag.NewFlagSet("eval calibrate", flag.ContinueOnError)
	root := fs.String("root", "../shared/data/lfw-view1", "LFW View 1 directory (images/<name>/<file>, pairs_*.tsv)")
	far := fs.Float64("far", engine.DefaultIdentifyFAR, "chance of any false match per identify search")
	threshold := fs.Float64("threshold", engine.DefaultThreshold, "the 1:1 threshold (the identify floor)")
	cache := fs.String("cache", "", "embeddings file (gob) shared with eval pairs: loaded when complete, else written")
	out := fs.String("out", "eval-out", "directory for calib_curve.png and impostor_tail.png")
	table := fs.String("write-table", "", "write the fitted table as Go source here (engine/calibration_table.go)")
	tailFrom := fs.Float64("tail-from", 1e-3, "fit the tail to impostor scores above the quantile at this FAR")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "images processed in parallel")
	top := fs.Int("top", 0, "also list the N highest-scoring impostor pairs (label noise shows here)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// The images of View 1 are exactly those of its two pair lists.
	var paths []string
	seen := map[string]bool{}
	for _, f := range []string{"pairs_train.tsv", "pairs_test.tsv"} {
		rows, _, err := readPairs(filepath.Join(*root, f))
		if err != nil {
			return err
		}
		for _, r := range rows {
			for _, q := range []string{r.a, r.b} {
				if !seen[q] {
					seen[q] = true
					paths = append(paths, q)
				}
			}
		}
	}
	sort.Strings(paths)
	res, _, err := loadEmbeddings(*cache, paths, false)
	if err != nil {
		// The pipeline of eval pairs, which anchored the API's similarity scale.
		p, err := embed.New(embed.Options{MinDetect: 12, NoMask: true, Experimental: embed.Experimental{DetectFrac: 0.2}})
		if err != nil {
			return err
		}
		var st embedStats
		if res, st, err = embedAll(p, *root, paths, 1, 1, *workers, true, false); err != nil {
			return err
		}
		if *cache != "" {
			if err := saveEmbeddings(*cache, res, st); err != nil {
				return err
			}
		}
	}
	// Only detected faces: an enrolment or a probe without a detected face never reaches
	// a comparison.
	var embs [][]float32
	var ids []int
	var names []string
	idOf := map[string]int{}
	for _, q := range paths {
		r := res[q]
		if r == nil || r.emb == nil || !r.detected {
			continue
		}
		name := path.Base(path.Dir(q))
		id, ok := idOf[name]
		if !ok {
			id = len(idOf)
			idOf[name] = id
		}
		embs = append(embs, r.emb)
		ids = append(ids, id)
		names = append(names, q)
	}
	scores := impostorScores(embs, ids, *workers)
	slices.Sort(scores)
	m := len(scores)
	fmt.Printf("images %d (detected), identities %d, impostor pairs %d (every cross-identity pair)\n", len(embs), len(idOf), m)
	if m < 1000 {
		return errors.New("too few impostor pairs")
	}
	if *top > 0 {
		cut := scores[max(0, m-*top)]
		fmt.Printf("the %d highest impostor pairs:\n", *top)
		for i := range embs {
			for j := i + 1; j < len(embs); j++ {
				if ids[i] != ids[j] {
					if c := embed.Cosine(embs[i], embs[j]); c >= cut {
						fmt.Printf("  %.4f %s %s\n", c, names[i], names[j])
					}
				}
			}
		}
	}
	tail := fitTail(scores, *tailFrom)
	fmt.Printf("tail: generalized Pareto above cosine %.4f (FAR %.0e, %d pairs): shape xi %.4f, scale %.5f\n",
		tail.u, tail.zeta, tail.n, tail.xi, tail.sigma)
	empirical := func(f float64) float64 { return float64(scores[max(0, min(m-1, m-int(math.Ceil(f*float64(m)))))]) }
	minEmp := float64(calibMinTail) / float64(m)
	cosAt := func(f float64) (float64, bool) {
		if f >= minEmp {
			return empirical(f), false
		}
		return tail.quantile(f), true
	}
	fmt.Printf("duplicate threshold (per-comparison FAR %.0e): cosine %.4f, similarity %.4f\n",
		engine.DefaultDuplicateFAR, first(cosAt(engine.DefaultDuplicateFAR)), embed.Similarity(float32(first(cosAt(engine.DefaultDuplicateFAR)))))
	fmt.Printf("cosine of the 1:1 threshold %.2f: %.4f, measured FAR there %.2e\n", *threshold, embed.CosineFor(*threshold),
		float64(m-sort.Search(m, func(i int) bool { return scores[i] >= embed.CosineFor(*threshold) }))/float64(m))
	fmt.Printf("\nidentify: P(any false match per search) = %g; per-comparison f(N) = 1-(1-FAR)^(1/N)\n", *far)
	fmt.Printf("%9s %10s %8s %10s %10s %s\n", "N", "f(N)", "cosine", "similarity", "threshold", "source")
	var curve, floor []([2]float64)
	for _, n := range []int{1, 10, 100, 1000, 10000, 100000, 1000000} {
		f := engine.PerComparisonFAR(*far, n)
		c, fitted := cosAt(f)
		sim := embed.Similarity(float32(c))
		src := "empirical"
		if fitted {
			src = "fitted tail"
		}
		fmt.Printf("%9d %10.3g %8.4f %10.4f %10.4f %s\n", n, f, c, sim, max(sim, *threshold), src)
	}
	for lg := 0.0; lg <= 7.001; lg += 0.1 {
		n := math.Pow(10, lg)
		f := -math.Expm1(math.Log1p(-*far) / n)
		c, _ := cosAt(f)
		curve = append(curve, [2]float64{n, embed.Similarity(float32(c))})
		floor = append(floor, [2]float64{n, *threshold})
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := evalWritePNG(filepath.Join(*out, "calib_curve.png"), func(f *os.File) error {
		return roc.PlotLines(f, roc.Axes{Title: fmt.Sprintf("identify threshold for P(false match per search) = %g", *far),
			XLabel: "gallery size N (log scale)", YLabel: "API similarity",
			X0: 1, X1: 1e7, Y0: 0.6, Y1: 1, LogX: true,
			XTicks: []float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7}, YTicks: []float64{0.6, 0.7, 0.8, 0.9, 1}},
			roc.Series{Name: "calibrated identify threshold", Points: curve}, roc.Series{Name: "1:1 threshold (floor)", Points: floor, Dashed: true})
	}); err != nil {
		return err
	}
	var emp, fit [][2]float64
	for i := m - 1; i >= 0; i -= max(1, (m-i)/200) {
		emp = append(emp, [2]float64{float64(scores[i]), math.Log10(float64(m-i) / float64(m))})
	}
	for lf := math.Log10(tail.zeta); lf >= calibFloor; lf -= 0.1 {
		fit = append(fit, [2]float64{tail.quantile(math.Pow(10, lf)), lf})
	}
	if err := evalWritePNG(filepath.Join(*out, "impostor_tail.png"), func(f *os.File) error {
		return roc.PlotLines(f, roc.Axes{Title: fmt.Sprintf("impostor cosine survival, %d LFW View 1 pairs", m),
			XLabel: "cosine", YLabel: "log10 P(score >= x)",
			X0: 0, X1: 1, Y0: calibFloor, Y1: 0,
			XTicks: []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, YTicks: []float64{-12, -10, -8, -6, -4, -2, 0}},
			roc.Series{Name: "measured", Points: emp}, roc.Series{Name: "fitted tail", Points: fit})
	}); err != nil {
		return err
	}
	fmt.Printf("wrote %s and %s\n", filepath.Join(*out, "calib_curve.png"), filepath.Join(*out, "impostor_tail.png"))
	if *table == "" {
		return nil
	}
	return writeCalibTable(*table, m, math.Log10(minEmp), tail, cosAt, args)
}

func first(c float64, _ bool) float64 { return c }

// impostorScores is the cosine of every pair of embeddings with different identities.
func impostorScores(embs [][]float32, ids []int, workers int) []float32 {
	n := len(embs)
	parts := make([][]float32, max(workers, 1))
	var wg sync.WaitGroup
	for w := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out []float32
			for i := w; i < n; i += len(parts) {
				for j := i + 1; j < n; j++ {
					if ids[i] != ids[j] {
						out = append(out, embed.Cosine(embs[i], embs[j]))
					}
				}
			}
			parts[w] = out
		}()
	}
	wg.Wait()
	return slices.Concat(parts...)
}

// gpdTail is a generalized Pareto distribution fitted to the scores above u (the
// peaks-over-threshold model of extreme value theory): P(s >= u+y) = zeta *
// (1 + xi*y/sigma)^(-1/xi). Fitted by probability-weighted moments (Hosking & Wallis
// 1987), which need no iteration and are stable for the few thousand exceedances here.
type gpdTail struct {
	u, zeta, xi, sigma float64
	n                  int
}

func fitTail(sorted []float32, from float64) gpdTail {
	m := len(sorted)
	k := max(10, int(from*float64(m)))
	u := float64(sorted[m-k-1])
	y := make([]float64, k)
	for i := range y {
		y[i] = float64(sorted[m-k+i]) - u // ascending
	}
	var a0, a1 float64
	for i, v := range y {
		a0 += v
		a1 += (1 - (float64(i)+0.65)/float64(k)) * v
	}
	a0 /= float64(k)
	a1 /= float64(k)
	kh := a0/(a0-2*a1) - 2 // Hosking's shape; xi = -k
	return gpdTail{u: u, zeta: float64(k) / float64(m), xi: -kh, sigma: 2 * a0 * a1 / (a0 - 2*a1), n: k}
}

// quantile is the score exceeded with probability p (p < zeta).
func (t gpdTail) quantile(p float64) float64 {
	r := p / t.zeta
	if math.Abs(t.xi) < 1e-9 {
		return t.u - t.sigma*math.Log(r)
	}
	q := t.u + t.sigma/t.xi*(math.Pow(r, -t.xi)-1)
	if t.xi < 0 {
		q = min(q, t.u-t.sigma/t.xi) // the fitted distribution's upper end
	}
	return min(q, 1)
}

// writeCalibTable writes engine's table for the loaded model as Go source.
func writeCalibTable(dst string, pairs int, fittedBelow float64, tail gpdTail, cosAt func(float64) (float64, bool), args []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by `wajah eval calibrate %s`; DO NOT EDIT.\n\n", strings.Join(args, " "))
	fmt.Fprintf(&b, "package engine\n\n")
	fmt.Fprintf(&b, "// calibTables: impostor cosine survival per embedding model, measured on every\n")
	fmt.Fprintf(&b, "// cross-identity pair of LFW View 1's detected faces (%d pairs); rows below\n", pairs)
	fmt.Fprintf(&b, "// log10 FAR %.2f come from a generalized Pareto tail fitted above cosine %.4f\n", fittedBelow, tail.u)
	fmt.Fprintf(&b, "// (xi %.4f, sigma %.5f, %d exceedances).\n", tail.xi, tail.sigma, tail.n)
	fmt.Fprintf(&b, "var calibTables = map[string]calibTable{\n%q: {Pairs: %d, Fitted: %.4f, Points: []calibPoint{\n", embed.ModelID(embed.Options{}), pairs, fittedBelow)
	prev := -2.0
	for lf := 0.0; lf >= calibFloor-1e-9; lf -= calibStep {
		c, _ := cosAt(math.Pow(10, lf))
		c = math.Max(c, prev) // monotone, as a survival curve must be
		prev = c
		fmt.Fprintf(&b, "{%.2f, %.5f},\n", lf, c)
	}
	fmt.Fprintf(&b, "}},\n}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, src, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", dst)
	return nil
}
