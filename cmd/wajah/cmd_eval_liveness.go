package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/roc"
	"github.com/wajah-id/wajah/embed/train"
)

func init() {
	register("eval liveness", "anti-spoof candidates on spoof-dev (subject-wise CV): APCER, BPCER, live-photo BPCER, ms", runEvalLiveness)
}

// liveCandidate scores samples (higher = live) from their raw features; fit trains it on
// the given samples (nil for a fixed model output).
type liveCandidate struct {
	name    string
	usesFAS bool // reads fas256: samples without it (NoFAS) are left out
	fit     func(train []liveSample) (func(f []float32) float64, error)
	head    func(train []liveSample) *embed.LiveHead // lr candidates only
}

func fixedCandidate(name string, k int) liveCandidate {
	return liveCandidate{name: name, usesFAS: k == embed.LiveFeatFAS256, fit: func([]liveSample) (func([]float32) float64, error) {
		return func(f []float32) float64 { return float64(f[k]) }, nil
	}}
}

func runEvalLiveness(args []string) error {
	fs := flag.NewFlagSet("eval liveness", flag.ContinueOnError)
	spoofDir := fs.String("spoof-dev", "../shared/data/spoof-dev", "spoof-dev directory (manifest.tsv: path, live|spoof, subject)")
	lfwDir := fs.String("lfw", "../shared/data/lfw-view1/images", "live photos: LFW images directory (empty: skip)")
	lfwN := fs.Int("lfw-n", 0, "LFW test-pair images sampled evenly over the sorted list (0: all)")
	facesDir := fs.String("faces", "../shared/data/faces-small", "live photos: faces-small (manifest.tsv) (empty: skip)")
	folds := fs.Int("folds", 5, "subject-wise folds on spoof-dev")
	apcer := fs.Float64("apcer", 0.05, "each fold's threshold: the lowest score at which at most this fraction of the training folds' attacks pass")
	cache := fs.String("cache", "", "feature cache (gob): model outputs per image, reused between runs")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "images processed in parallel")
	quiet := fs.Bool("quiet", false, "no progress bar")
	bpcer := fs.Float64("bpcer", 0, "choose each threshold at training BPCER <= this instead (the highest score at which at most this fraction of live faces are refused); 0: by --apcer")
	dump := fs.String("dump", "", "write every sample's raw model outputs as TSV (set, path, label, features) to this file")
	head := fs.String("head", "", "candidate (an lr+... name from the table) to fit on all of spoof-dev and write to --out")
	out := fs.String("out", "embed/livemodel/live.wliv", "where --head writes the weights")
	lfwPairs := fs.String("lfw-test-pairs", "../shared/data/lfw-view1/pairs_test.tsv", "LFW View 1 test pairs: their images are the LFW live set reported (never trained on)")
	lfwTrainN := fs.Int("lfw-train-n", 0, "extra live training photos: about this many LFW images of identities absent from --lfw-test-pairs (scored without FaceAntiSpoofing)")
	l2 := fs.Float64("l2", liveL2, "heads' L2 weight decay (times the sample count)")
	only := fs.String("only", "", "comma-separated candidate names to evaluate (default all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := embed.New(embed.Options{NoMask: true, NoLiveness: true}) // the probe scores every candidate
	if err != nil {
		return err
	}
	probe, err := embed.NewLivenessProbe()
	if err != nil {
		return err
	}
	c := loadLiveCache(*cache)
	dev, err := readSpoofManifest(filepath.Join(*spoofDir, "manifest.tsv"))
	if err != nil {
		return err
	}
	if err := extractLive(p, probe, c, *cache, "spoof-dev", *spoofDir, dev, *workers, *quiet); err != nil {
		return err
	}
	var lfw, lfwTrain, faces []liveSample
	if *lfwDir != "" {
		testSet, err := lfwPairImages(*lfwPairs)
		if err != nil {
			return err
		}
		if lfw, err = sampleImages(*lfwDir, *lfwN); err != nil {
			return err
		}
		lfw = filterLFW(lfw, testSet, true)
		// Photos not scored before get the cheap models only (FaceAntiSpoofing is 0.5 s).
		cheap, err := embed.NewLivenessProbe(embed.LiveFeatAntispoof, embed.LiveFeatLiveness)
		if err != nil {
			return err
		}
		if err := extractLive(p, cheap, c, *cache, "lfw", *lfwDir, lfw, *workers, *quiet); err != nil {
			return err
		}
		if *lfwTrainN > 0 {
			all, err := sampleImages(*lfwDir, 0)
			if err != nil {
				return err
			}
			all = filterLFW(all, testSet, false)
			step := max(1, len(all)/(*lfwTrainN))
			for i := 0; i < len(all); i += step {
				lfwTrain = append(lfwTrain, all[i])
			}
			if err := extractLive(p, cheap, c, *cache, "lfw-train", *lfwDir, lfwTrain, *workers, *quiet); err != nil {
				return err
			}
			lfwTrain = detectedOnly(lfwTrain)
		}
	}
	if *facesDir != "" {
		if faces, err = readPathColumn(filepath.Join(*facesDir, "manifest.tsv")); err != nil {
			return err
		}
		if err := extractLive(p, probe, c, *cache, "faces-small", *facesDir, faces, *workers, *quiet); err != nil {
			return err
		}
	}
	if err := c.save(*cache); err != nil {
		return err
	}

	if *dump != "" {
		if err := dumpLive(*dump, map[string][]liveSample{"spoof-dev": dev, "lfw": lfw, "faces-small": faces}); err != nil {
			return err
		}
	}
	det := detectedOnly(dev)
	nLive, nSpoof := 0, 0
	for _, s := range det {
		if s.Spoof {
			nSpoof++
		} else {
			nLive++
		}
	}
	if raw, err := os.ReadFile(filepath.Join(*spoofDir, "manifest.tsv")); err == nil {
		fmt.Printf("spoof-dev manifest sha256 %x\n", sha256.Sum256(raw))
	}
	fmt.Printf("spoof-dev: %d images, face found in %d live and %d spoof (a missed face is refused as 412 anyway)\n", len(dev), nLive, nSpoof)
	fmt.Printf("LFW live photos reported: %d (images of View 1 test pairs, sampled); extra LFW live training photos: %d (identities not in the test pairs)\n", len(detectedOnly(lfw)), len(lfwTrain))
	if c.NTex > 0 {
		fmt.Printf("texture cues ms per face (wall, %d workers, aligned crop included): %.2f\n", *workers, c.TexMS/float64(c.NTex))
	}
	if c.NMS > 0 {
		fmt.Printf("ms per face (wall, %d workers, incl. crop):", *workers)
		for k, n := range embed.LiveFeatNames {
			fmt.Printf(" %s %.2f", n, c.MS[k]/float64(c.NMS))
		}
		fmt.Println()
	}
	cands := []liveCandidate{}
	for k, n := range embed.LiveFeatNames {
		cands = append(cands, fixedCandidate(n, k))
	}
	cands = append(cands, headCandidates(*l2)...)
	if *only != "" {
		keep := map[string]bool{}
		for _, n := range strings.Split(*only, ",") {
			keep[n] = true
		}
		var sel []liveCandidate
		for _, c := range cands {
			if keep[c.name] {
				sel = append(sel, c)
			}
		}
		cands = sel
	}
	if *bpcer > 0 {
		fmt.Printf("\n%d subject-wise folds; threshold per fold at training BPCER <= %.1f%%; pooled held-out figures\n", *folds, 100**bpcer)
	} else {
		fmt.Printf("\n%d subject-wise folds; threshold per fold at training APCER <= %.0f%%; pooled held-out figures\n", *folds, 100**apcer)
	}
	fmt.Printf("%-36s %7s %8s %8s %8s %8s %8s %9s\n", "candidate", "AUC", "APCER", "BPCER", "BPCER@5", "LFW", "faces", "threshold")
	var chosen *liveCandidate
	for i, cand := range cands {
		if cand.name == *head {
			chosen = &cands[i]
		}
		extra := lfwTrain
		if cand.usesFAS {
			extra = nil
		}
		r, err := crossValidate(cand, det, extra, *folds, *apcer, *bpcer)
		if err != nil {
			return fmt.Errorf("%s: %w", cand.name, err)
		}
		// Live photo sets: the model fitted on all of spoof-dev at its all-data threshold.
		score, err := cand.fit(append(append([]liveSample(nil), det...), extra...))
		if err != nil {
			return err
		}
		t, err := chooseThreshold(cand, score, det, extra, *folds, *apcer, *bpcer)
		if err != nil {
			return err
		}
		fmt.Printf("%-36s %7.4f %7.2f%% %7.2f%% %7.2f%% %7s %7s %9.4f\n", cand.name, r.auc, 100*r.apcer, 100*r.bpcer, 100*r.bpcerAt5,
			refusedPct(score, lfw, t, cand.usesFAS), refusedPct(score, faces, t, cand.usesFAS), t)
	}
	fmt.Println("AUC, APCER, BPCER: held-out subjects, threshold chosen on the other folds; BPCER@5: at the pooled held-out scores' own APCER 5% (optimistic);")
	fmt.Println("LFW, faces: live photos refused by the candidate fitted on all of spoof-dev at its all-data threshold (last column)")
	if *head != "" {
		if chosen == nil || chosen.head == nil {
			return fmt.Errorf("--head %q: not an lr candidate of the table", *head)
		}
		extra := lfwTrain
		if chosen.usesFAS {
			extra = nil
		}
		h := chosen.head(append(append([]liveSample(nil), det...), extra...))
		b, err := h.MarshalBinary()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		fmt.Printf("wrote %s (%d bytes, sha256 %x): %s fitted on %d spoof-dev faces and %d LFW live training photos, L2 %g\n", *out, len(b), sum, *head, len(det), len(extra), *l2)
	}
	// The built-in head at the gate's default threshold.
	if bh, err := embed.DefaultLiveHead(); err == nil {
		score := func(f []float32) float64 { return float64(bh.Prob(f)) }
		t := embed.DefaultLivenessThreshold
		var passed, refused int
		for _, s := range det {
			v := score(s.Feat)
			if s.Spoof && v >= t {
				passed++
			} else if !s.Spoof && v < t {
				refused++
			}
		}
		fmt.Printf("built-in head (%s) at the default threshold %.4f: spoof-dev APCER %.2f%% BPCER %.2f%% (in-sample: it was fitted there), LFW %s, faces %s refused\n",
			headName(bh.Feats), t, 100*float64(passed)/float64(max(nSpoof, 1)), 100*float64(refused)/float64(max(nLive, 1)), refusedPct(score, lfw, t, false), refusedPct(score, faces, t, false))
	}
	return nil
}

// liveGroup is a named set of feature columns.
type liveGroup struct {
	name string
	cols []int
}

// liveGroups: the model outputs, LBP by radius, the image-quality cues.
func liveGroups() []liveGroup {
	g := []liveGroup{}
	for k, n := range embed.LiveFeatNames {
		g = append(g, liveGroup{n, []int{k}})
	}
	per := (embed.LiveTexQuality - embed.LiveTexLBP) / 2
	span := func(a, b int) []int {
		var c []int
		for k := a; k < b; k++ {
			c = append(c, k)
		}
		return c
	}
	return append(g,
		liveGroup{"lbp1", span(embed.LiveTexLBP, embed.LiveTexLBP+per)},
		liveGroup{"lbp2", span(embed.LiveTexLBP+per, embed.LiveTexQuality)},
		liveGroup{"quality", span(embed.LiveTexQuality, embed.LiveColumns)})
}

// headName names a column set by its groups ("lr+liveness+lbp1+quality").
func headName(feats []int) string {
	in := map[int]bool{}
	for _, k := range feats {
		in[k] = true
	}
	name := "lr"
	for _, g := range liveGroups() {
		all := true
		for _, k := range g.cols {
			all = all && in[k]
		}
		if all {
			name += "+" + g.name
		}
	}
	return name
}

// groupCols returns the columns of the named groups.
func groupCols(names ...string) []int {
	var out []int
	for _, n := range names {
		for _, g := range liveGroups() {
			if g.name == n {
				out = append(out, g.cols...)
			}
		}
	}
	return out
}

func detectedOnly(s []liveSample) []liveSample {
	var out []liveSample
	for _, x := range s {
		if x.Detected {
			out = append(out, x)
		}
	}
	return out
}

// scoresOf returns the scores of the spoof (spoof true) or live samples.
func scoresOf(score func([]float32) float64, s []liveSample, spoof bool) []float64 {
	var out []float64
	for _, x := range s {
		if x.Spoof == spoof {
			out = append(out, score(x.Feat))
		}
	}
	return out
}

// thresholdAtAPCER is the lowest threshold t (accept as live when score >= t) at which at
// most frac of the attack scores pass.
func thresholdAtAPCER(spoof []float64, frac float64) float64 {
	s := append([]float64(nil), spoof...)
	sort.Float64s(s)
	allowed := int(math.Floor(frac * float64(len(s))))
	if allowed >= len(s) {
		return math.Inf(-1)
	}
	// The allowed highest attacks pass; the next one down must not.
	return math.Nextafter(s[len(s)-1-allowed], math.Inf(1))
}

// chooseThreshold picks the threshold of a candidate fitted on s (scoring with score): a
// fixed output's on s itself; a trained head's on held-out scores of s (subject-wise
// folds of s), since on its own training data a head separates too well for a threshold
// chosen there to mean anything.
func chooseThreshold(c liveCandidate, score func([]float32) float64, s, extra []liveSample, k int, apcer, bpcer float64) (float64, error) {
	if c.head == nil {
		return pickThreshold(score, s, apcer, bpcer), nil
	}
	held, err := heldOutScores(c, s, extra, k)
	if err != nil {
		return 0, err
	}
	var live, spoof []float64
	for i, x := range s {
		if x.Spoof {
			spoof = append(spoof, held[i])
		} else {
			live = append(live, held[i])
		}
	}
	if bpcer > 0 {
		return thresholdAtBPCER(live, bpcer), nil
	}
	return thresholdAtAPCER(spoof, apcer), nil
}

// subjectFolds assigns each sample's subject to one of k folds (sorted subjects, index mod k).
func subjectFolds(s []liveSample, k int) []int {
	subj := map[string]int{}
	var names []string
	for _, x := range s {
		if _, ok := subj[x.Subject]; !ok {
			subj[x.Subject] = 0
			names = append(names, x.Subject)
		}
	}
	sort.Strings(names)
	for i, n := range names {
		subj[n] = i % k
	}
	out := make([]int, len(s))
	for i, x := range s {
		out[i] = subj[x.Subject]
	}
	return out
}

// heldOutScores scores each sample of s by the candidate fitted on the other subject
// folds of s (plus extra).
func heldOutScores(c liveCandidate, s, extra []liveSample, k int) ([]float64, error) {
	fold := subjectFolds(s, k)
	out := make([]float64, len(s))
	for f := 0; f < k; f++ {
		train := append([]liveSample(nil), extra...)
		for i, x := range s {
			if fold[i] != f {
				train = append(train, x)
			}
		}
		score, err := c.fit(train)
		if err != nil {
			return nil, err
		}
		for i, x := range s {
			if fold[i] == f {
				out[i] = score(x.Feat)
			}
		}
	}
	return out, nil
}

// pickThreshold chooses on s at BPCER <= bpcer when bpcer > 0, else at APCER <= apcer.
func pickThreshold(score func([]float32) float64, s []liveSample, apcer, bpcer float64) float64 {
	if bpcer > 0 {
		return thresholdAtBPCER(scoresOf(score, s, false), bpcer)
	}
	return thresholdAtAPCER(scoresOf(score, s, true), apcer)
}

// thresholdAtBPCER is the highest threshold at which at most frac of the live scores fall
// below it.
func thresholdAtBPCER(live []float64, frac float64) float64 {
	s := append([]float64(nil), live...)
	sort.Float64s(s)
	allowed := int(math.Floor(frac * float64(len(s))))
	if allowed >= len(s) {
		return math.Inf(1)
	}
	return s[allowed]
}

// refusedPct is the percentage of detected live photos scoring below t ("-" for none).
func refusedPct(score func([]float32) float64, s []liveSample, t float64, needFAS bool) string {
	n, bad := 0, 0
	for _, x := range s {
		if !x.Detected || (needFAS && x.NoFAS) {
			continue
		}
		n++
		if score(x.Feat) < t {
			bad++
		}
	}
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(bad)/float64(n))
}

type cvResult struct {
	auc, apcer, bpcer, bpcerAt5 float64
}

// crossValidate splits spoof-dev by subject (sorted subjects, fold = index mod k), fits on
// the other folds, picks the threshold there and scores the held-out fold; figures pool the
// held-out folds. bpcerAt5 uses the pooled held-out scores' own APCER-5% threshold (the
// best this score could do; an optimistic reference, not a claim).
//
// extra are live photos of other sets added to every fold's training data (not to the
// threshold choice, which reads the spoof-dev training folds only).
func crossValidate(c liveCandidate, s, extra []liveSample, k int, apcer, bpcer float64) (cvResult, error) {
	fold := subjectFolds(s, k)
	var liveS, spoofS []float64
	attacksPassed, livesRefused := 0, 0
	for f := 0; f < k; f++ {
		var train, test []liveSample
		for i, x := range s {
			if fold[i] == f {
				test = append(test, x)
			} else {
				train = append(train, x)
			}
		}
		score, err := c.fit(append(append([]liveSample(nil), train...), extra...))
		if err != nil {
			return cvResult{}, err
		}
		t, err := chooseThreshold(c, score, train, extra, k-1, apcer, bpcer)
		if err != nil {
			return cvResult{}, err
		}
		for _, x := range test {
			v := score(x.Feat)
			if x.Spoof {
				spoofS = append(spoofS, v)
				if v >= t {
					attacksPassed++
				}
			} else {
				liveS = append(liveS, v)
				if v < t {
					livesRefused++
				}
			}
		}
	}
	r := cvResult{apcer: float64(attacksPassed) / float64(len(spoofS)), bpcer: float64(livesRefused) / float64(len(liveS))}
	var lab []roc.Labeled
	for _, v := range liveS {
		lab = append(lab, roc.Labeled{Score: v, Same: true})
	}
	for _, v := range spoofS {
		lab = append(lab, roc.Labeled{Score: v})
	}
	r.auc = roc.AUC(lab)
	t := thresholdAtAPCER(spoofS, 0.05)
	bad := 0
	for _, v := range liveS {
		if v < t {
			bad++
		}
	}
	r.bpcerAt5 = float64(bad) / float64(len(liveS))
	return r, nil
}

// headCandidates are logistic regressions (embed.LiveHead) over combinations of groups.
func headCandidates(l2 float64) []liveCandidate {
	combos := [][]string{
		{"liveness"},
		{"antispoof", "liveness"},
		{"fas256", "antispoof", "liveness"},
		{"quality"},
		{"lbp1"},
		{"lbp1", "lbp2"},
		{"lbp1", "quality"},
		{"lbp1", "lbp2", "quality"},
		{"liveness", "lbp1", "lbp2", "quality"},
		{"antispoof", "liveness", "lbp1", "lbp2", "quality"},
	}
	var out []liveCandidate
	for _, names := range combos {
		c := groupCols(names...)
		fitHead := func(rows []liveSample) *embed.LiveHead {
			x := make([][]float32, len(rows))
			y := make([]bool, len(rows))
			for i, s := range rows {
				x[i], y[i] = s.Feat, !s.Spoof
			}
			return train.LiveHead(c, x, y, l2)
		}
		out = append(out, liveCandidate{name: headName(c), usesFAS: c[0] == embed.LiveFeatFAS256, head: fitHead,
			fit: func(train []liveSample) (func([]float32) float64, error) {
				h := fitHead(train)
				return func(f []float32) float64 { return float64(h.Prob(f)) }, nil
			}})
	}
	return out
}

// liveL2 is the heads' weight decay: strong, since 15 subjects are few.
const liveL2 = 1e-2

// dumpLive writes the samples' raw outputs as TSV.
func dumpLive(path string, sets map[string][]liveSample) error {
	var b strings.Builder
	b.WriteString("set\tpath\tlabel\tdetected")
	for _, n := range embed.LiveFeatNames {
		b.WriteString("\t" + n)
	}
	b.WriteString("\n")
	for _, set := range []string{"spoof-dev", "lfw", "faces-small"} {
		for _, s := range sets[set] {
			label := "live"
			if s.Spoof {
				label = "spoof"
			}
			fmt.Fprintf(&b, "%s\t%s\t%s\t%v", set, s.Path, label, s.Detected)
			for _, v := range s.Feat {
				fmt.Fprintf(&b, "\t%.6f", v)
			}
			b.WriteString("\n")
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
