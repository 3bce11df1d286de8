package main

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
	"golang.org/x/sync/errgroup"
)

func init() {
	register("train-mask-detail", "train the masker_detail head (mask worn correctly or not) on mask-worn-dev and synthetic below-nose masks", runTrainMaskDetail)
}

// detailRow is one training image of the detail head: label 1 = worn incorrectly.
type detailRow struct {
	path   string
	class  string // correct, incorrect, none (none: only for the end-to-end figure)
	group  string // source image or identity: folds never split a group
	synth  bool
	style  embed.MaskStyle
	wornIx int // row index in mask-worn-dev's manifest, -1 for synthetic rows
}

func runTrainMaskDetail(args []string) error {
	fs := flag.NewFlagSet("train-mask-detail", flag.ContinueOnError)
	worn := fs.String("worn", "../shared/data/mask-worn-dev", "mask-worn-dev directory (manifest.tsv: path, mask, source_image)")
	lfw := fs.String("lfw", "../shared/data/lfw-view1", "LFW View 1 directory; its pairs_train.tsv images get synthetic masks (empty: none)")
	nSynth := fs.Int("synth", 300, "LFW train images to draw synthetic masks on (each gives one below-nose and one correct mask)")
	out := fs.String("out", "", "weights file to write (empty: measure only)")
	k := fs.Int("k", 5, "folds (grouped by source image / identity)")
	oversample := fs.Int("oversample", 0, "repeat real incorrect rows this many times in training (0: balance to the correct rows)")
	l2 := fs.Float64("l2", 1e-2, "weight decay")
	workers := fs.Int("workers", 2, "images processed in parallel")
	kindName := fs.String("kind", "both", "features: "+maskKindNames)
	secondLook := fs.Bool("second-look", false, "measure the head with a second look at the mirrored crop where it is unsure, as the classifier has (embed.SecondLook; measured a wash, so the pipeline's head looks once)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kind, known := maskKinds[*kindName]
	if !known {
		return fmt.Errorf("unknown --kind %q (want %s)", *kindName, maskKindNames)
	}
	rows, err := detailRows(*worn, *lfw, *nSynth)
	if err != nil {
		return err
	}
	p, err := embed.New(embed.Options{MinDetect: 12, NoMask: true, Experimental: embed.Experimental{DetectFrac: 0.2}})
	if err != nil {
		return err
	}
	cls, err := embed.DefaultMaskModel()
	if err != nil {
		return err
	}
	feats := make([][]float32, len(rows))
	mirrors := make([][]float32, len(rows)) // the mirrored crop's features (the head's second look)
	masked := make([]bool, len(rows))
	ok := make([]bool, len(rows))
	ctx := context.Background()
	var mu sync.Mutex
	bar := newProgressBar(os.Stderr, "features", len(rows), false)
	var g errgroup.Group
	g.SetLimit(max(*workers, 1))
	for i := range rows {
		g.Go(func() error {
			f, fm, m, good, err := detailFeature(ctx, p, cls, kind, rows[i], i)
			mu.Lock()
			feats[i], mirrors[i], masked[i], ok[i] = f, fm, m, good
			bar.step(!good)
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	fold := func(i int) int {
		h := fnv.New32a()
		h.Write([]byte(rows[i].group))
		return int(h.Sum32() % uint32(*k))
	}
	nCorrect, nIncorrect := 0, 0
	for _, r := range rows {
		if !r.synth {
			switch r.class {
			case "correct":
				nCorrect++
			case "incorrect":
				nIncorrect++
			}
		}
	}
	rep := *oversample
	if rep <= 0 {
		rep = max(1, nCorrect/max(nIncorrect, 1))
	}
	cfg := train.MaskConfig{Kind: kind, L2: *l2, Seed: 1}
	trainSet := func(skip int, synth bool) ([][]float32, []float32) {
		var x [][]float32
		var y []float32
		for i, r := range rows {
			if !ok[i] || r.class == "none" || (skip >= 0 && fold(i) == skip) || (r.synth && !synth) {
				continue
			}
			lab, n := float32(0), 1
			if r.class == "incorrect" {
				lab = 1
				if !r.synth {
					n = rep
				}
			}
			for j := 0; j < n; j++ {
				x, y = append(x, feats[i]), append(y, lab)
			}
		}
		return x, y
	}
	fmt.Printf("%d rows (%d real correct, %d real incorrect, %d synthetic); incorrect repeated %dx in training\n", len(rows), nCorrect, nIncorrect, countSynth(rows), rep)
	for _, synth := range []bool{false, true} {
		pred := make([]int8, len(rows)) // cross-validated head verdict: 1 incorrect, 0 correct
		for f := 0; f < *k; f++ {
			x, y := trainSet(f, synth)
			m := train.Mask(x, y, cfg)
			for i := range rows {
				if ok[i] && fold(i) == f {
					pr := m.Prob(feats[i])
					if *secondLook && embed.SecondLook(pr) {
						pr = embed.CombineLooks(pr, m.Prob(mirrors[i]))
					}
					pred[i] = int8(b2i(pr >= 0.5))
				}
			}
		}
		fmt.Printf("\ntraining data: mask-worn-dev%s; %d-fold by source image / identity\n", map[bool]string{true: " + synthetic", false: ""}[synth], *k)
		detailReport(rows, ok, masked, pred, func(i int) bool { return !rows[i].synth }, "head alone (correct vs incorrect, real masked rows)", false)
		detailReport(rows, ok, masked, pred, func(i int) bool { return !rows[i].synth }, "end to end (classifier then head), all mask-worn-dev rows", true)
		// Rows the committed classifier held out (its manifest index % 5 == 4; mask-worn-dev
		// follows 4,000 mask-train and 1,996 masked-pairs rows in embed/maskmodel/manifest.sh).
		detailReport(rows, ok, masked, pred, func(i int) bool { return !rows[i].synth && (5996+rows[i].wornIx)%5 == 4 }, "end to end, rows the mask classifier never trained on", true)
		if synth {
			detailReport(rows, ok, masked, pred, func(i int) bool { return rows[i].synth }, "head alone, synthetic rows (LFW train, below-nose vs surgical/cloth/n95)", false)
		}
	}
	if *out == "" {
		return nil
	}
	x, y := trainSet(-1, *nSynth > 0)
	m := train.Mask(x, y, cfg)
	size, digest, err := writeWeights(*out, m)
	if err != nil {
		return err
	}
	fmt.Printf("\nwrote %s (%d bytes, sha256 %s; %d training rows)\ncommand: wajah train-mask-detail %s\n", *out, size, digest, len(x), strings.Join(args, " "))
	return nil
}

func countSynth(rows []detailRow) (n int) {
	for _, r := range rows {
		if r.synth {
			n++
		}
	}
	return n
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// detailReport prints per-class recall over the rows sel picks. endToEnd: a row the mask
// classifier calls unmasked is "none" whatever the head says.
func detailReport(rows []detailRow, ok, masked []bool, pred []int8, sel func(int) bool, title string, endToEnd bool) {
	hit, tot := map[string]int{}, map[string]int{}
	for i, r := range rows {
		if !ok[i] || !sel(i) || (!endToEnd && r.class == "none") {
			continue
		}
		got := "correct"
		if pred[i] == 1 {
			got = "incorrect"
		}
		if endToEnd && !masked[i] {
			got = "none"
		}
		tot[r.class]++
		if got == r.class {
			hit[r.class]++
		}
	}
	fmt.Printf("  %s:", title)
	for _, c := range []string{"correct", "incorrect", "none"} {
		if tot[c] > 0 {
			fmt.Printf(" %s %d/%d (%.3f)", c, hit[c], tot[c], evalRatio(hit[c], tot[c]))
		}
	}
	fmt.Println()
}

// detailFeature extracts the mask features of one row (the synthetic ones with their mask
// drawn first) and of its mirrored crop, and whether the committed classifier calls it
// masked. good is false for a synthetic row whose face is not detected (no landmarks to
// draw on).
func detailFeature(ctx context.Context, p *embed.Pipeline, cls *embed.MaskModel, kind uint32, r detailRow, i int) (f, mirror []float32, masked, good bool, err error) {
	img, err := evalReadImage(r.path)
	if err != nil {
		return nil, nil, false, false, fmt.Errorf("%s: %w", r.path, err)
	}
	if r.synth {
		faces, err := p.Detect(ctx, p.Prepare(img))
		if err != nil || len(faces) == 0 {
			return nil, nil, false, false, err
		}
		img, _ = embed.SynthMask(img, faces[0].Landmarks, r.style, uint64(i)+1)
	}
	if max(img.W, img.H) > 128 { // as train-mask: the deterministic side in [80, 128]
		img = embed.Shrink(img, 80+(i*37)%49)
	}
	in, _, err := train.MaskSample(ctx, p, img)
	if err != nil {
		return nil, nil, false, false, err
	}
	mi, err := p.MirrorMaskInput(in)
	if err != nil {
		return nil, nil, false, false, err
	}
	pr, err := p.MaskScore(cls, in) // the pipeline's rule, second look included
	if err != nil {
		return nil, nil, false, false, err
	}
	return embed.MaskFeatures(kind, in), embed.MaskFeatures(kind, mi), pr >= 0.5, true, nil
}

// detailRows reads mask-worn-dev and picks n LFW View 1 train-pair images (first path of
// each pair, every other one, so identities spread) for synthetic masks.
func detailRows(worn, lfw string, n int) ([]detailRow, error) {
	var rows []detailRow
	lines, err := readTSV(filepath.Join(worn, "manifest.tsv"))
	if err != nil {
		return nil, err
	}
	for j, l := range lines {
		if len(l) < 3 {
			return nil, fmt.Errorf("mask-worn-dev manifest row %d: want 3 columns", j+2)
		}
		rows = append(rows, detailRow{path: filepath.Join(worn, l[0]), class: l[1], group: "w:" + l[2], wornIx: j})
	}
	if lfw == "" || n <= 0 {
		return rows, nil
	}
	pairs, err := readTSV(filepath.Join(lfw, "pairs_train.tsv"))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	correct := embed.DevMaskStyles
	for _, l := range pairs {
		if len(rows) >= len(lines)+2*n {
			break
		}
		if len(l) < 1 || seen[l[0]] {
			continue
		}
		seen[l[0]] = true
		id := "l:" + filepath.Dir(l[0])
		path := filepath.Join(lfw, l[0])
		k := len(seen)
		rows = append(rows,
			detailRow{path: path, class: "incorrect", group: id, synth: true, style: embed.MaskBelowNose, wornIx: -1},
			detailRow{path: path, class: "correct", group: id, synth: true, style: correct[k%len(correct)], wornIx: -1})
	}
	return rows, nil
}

// readTSV reads a TSV with a header line, returning the data rows.
func readTSV(path string) ([][]string, error) {
	var out [][]string
	err := scanTSV(path, func(ln int, line string) error {
		if t := strings.TrimSpace(line); ln > 1 && t != "" {
			out = append(out, strings.Split(t, "\t"))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
