package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
	"golang.org/x/sync/errgroup"
)

func init() {
	register("train-faceness", "train the faceness head that gates the tight-crop floor (faces of tight crops against LFW corner patches) and write its weights", runTrainFaceness)
}

// facenessRow is one frame the floor pipeline found a face in.
type facenessRow struct {
	set       string // a manifest source, or corners-train / corners-val
	face      bool   // label: a face crop (manifest) or a corner patch
	val       bool   // held out
	floorOnly bool   // found by the gated stages alone (floor or deep retry; the others found nothing)
	feat      []float32
}

// runTrainFaceness fits the faceness head (embed/faceness.go). Positives are the faces the
// ungated pipeline (every default fallback, then the ONet floor and the deep retry, no gate)
// finds in face crops of a mask manifest; negatives are what it finds in the top-left, top-right and bottom-left
// 80 and 90 px corners of LFW View 1 photos (hair, shoulders, background; eval detect
// --corners), pairs_train's for training and pairs_test's for validation. Manifest rows
// with index % 5 == 4 are held out, as for the mask classifier. What matters is the share
// of floor-only faces the head passes: those are the ones it gates.
func runTrainFaceness(args []string) error {
	fs := flag.NewFlagSet("train-faceness", flag.ContinueOnError)
	manifest := fs.String("manifest", "", "mask manifest (path, mask, source): the face crops")
	root := fs.String("root", "/", "directory the manifest paths are relative to")
	srcList := fs.String("sources", "mask-train,masked-pairs,mask-worn-dev", "manifest sources whose rows are positives (tight face crops)")
	lfw := fs.String("lfw", "../shared/data/lfw-view1", "LFW View 1 directory (corner patches of pairs_train / pairs_test column 1)")
	floor := fs.Float64("floor", 0.02, "ONet floor of the fallback the head gates")
	l2 := fs.Float64("l2", 1e-3, "weight decay")
	out := fs.String("out", "", "weights file to write (empty: measure only)")
	workers := fs.Int("workers", 2, "frames processed in parallel")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *manifest == "" {
		return fmt.Errorf("--manifest is required")
	}
	type job struct {
		set       string
		face, val bool
		path      string
	}
	var jobs []job
	rows, err := readMaskManifest(*manifest)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*srcList, ",") {
		want[s] = true
	}
	for i, r := range rows {
		if want[r.source] {
			jobs = append(jobs, job{r.source, true, isValidation(i), filepath.Join(*root, r.path)})
		}
	}
	for _, s := range []struct {
		file, set string
		val       bool
	}{{"pairs_train.tsv", "corners-train", false}, {"pairs_test.tsv", "corners-val", true}} {
		pairs, _, err := readPairs(filepath.Join(*lfw, s.file))
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, r := range pairs {
			if !seen[r.a] {
				seen[r.a] = true
				jobs = append(jobs, job{s.set, false, s.val, filepath.Join(*lfw, r.a)})
			}
		}
	}
	// def: neither gated stage; flo: both, ungated (the head is trained on the candidates of
	// both: the floor's centred squares and the deep retry's boxes).
	def, err := embed.New(embed.Options{NoMask: true, Experimental: embed.Experimental{TightCropFloor: -1, DeepThresholds: [3]float32{-1}}})
	if err != nil {
		return err
	}
	flo, err := embed.New(embed.Options{NoMask: true, Experimental: embed.Experimental{TightCropFloor: float32(*floor), NoFacenessGate: true}})
	if err != nil {
		return err
	}
	ctx := context.Background()
	var mu sync.Mutex
	var found []facenessRow
	frames := map[string]int{} // per held-out set: frames looked at
	bar := newProgressBar(os.Stderr, "frames", len(jobs), *quiet)
	var g errgroup.Group
	g.SetLimit(max(*workers, 1))
	for _, j := range jobs {
		g.Go(func() error {
			got, n, err := facenessFrames(ctx, def, flo, j.path, !j.face)
			mu.Lock()
			defer mu.Unlock()
			bar.step(false)
			if j.val {
				frames[j.set] += n
			}
			for _, r := range got {
				r.set, r.face, r.val = j.set, j.face, j.val
				found = append(found, r)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var x [][]float32
	var y []float32
	for _, r := range found {
		if !r.val {
			x, y = append(x, r.feat), append(y, float32(b2i(r.face)))
		}
	}
	m := train.Mask(x, y, train.MaskConfig{Kind: embed.MaskFeatLowerMap, L2: *l2, Seed: 1, Chunks: 8})
	fmt.Printf("floor %.2f, %d training frames with a face (%d faces, %d corners)\n", *floor, len(x), countTrue(y), len(y)-countTrue(y))
	facenessReport(found, frames, m)
	if *out == "" {
		return nil
	}
	size, digest, err := writeWeights(*out, m)
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes, sha256 %s)\ncommand: wajah train-faceness %s\n", *out, size, digest, strings.Join(args, " "))
	return nil
}

// facenessFrames detects in the image at path (or in its corners) with the floor pipeline
// and returns the lower-face map features of each frame's first face, with whether the
// default fallbacks alone found none there; n counts the frames looked at.
func facenessFrames(ctx context.Context, def, flo *embed.Pipeline, path string, corners bool) (out []facenessRow, n int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	d, err := flo.Decode(data)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	frames := []*embed.Decoded{d}
	if corners {
		frames = cornerFrames(flo, d.Full)
	}
	for _, fr := range frames {
		faces, err := flo.Detect(ctx, fr)
		if err != nil {
			return nil, 0, err
		}
		n++
		if len(faces) == 0 {
			continue
		}
		plain, err := def.Detect(ctx, fr)
		if err != nil {
			return nil, 0, err
		}
		_, in, err := flo.EmbedFaceMask(flo.AlignFace(fr, &faces[0]))
		if err != nil {
			return nil, 0, err
		}
		out = append(out, facenessRow{floorOnly: len(plain) == 0, feat: embed.MaskFeatures(embed.MaskFeatLowerMap, in)})
	}
	return out, n, nil
}

// facenessReport prints, per validation set, the frames given a face without the gated
// stages (floor and deep retry), with them ungated, and gated by the head at 0.5.
func facenessReport(rows []facenessRow, frames map[string]int, m *embed.MaskModel) {
	type tally struct{ plain, floorOnly, passed int }
	per := map[string]*tally{}
	for _, r := range rows {
		if !r.val {
			continue
		}
		t := per[r.set]
		if t == nil {
			t = &tally{}
			per[r.set] = t
		}
		switch {
		case !r.floorOnly:
			t.plain++
		default:
			t.floorOnly++
			if m.Prob(r.feat) >= 0.5 {
				t.passed++
			}
		}
	}
	sets := make([]string, 0, len(per))
	for s := range per {
		sets = append(sets, s)
	}
	sort.Strings(sets)
	fmt.Println("| validation set | frames | face, neither stage | + floor and deep retry, ungated | + both, gated | their faces the head passes |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, s := range sets {
		t, n := per[s], frames[s]
		fmt.Printf("| %s | %d | %.4f | %.4f | %.4f | %d of %d |\n", s, n, evalRatio(t.plain, n), evalRatio(t.plain+t.floorOnly, n),
			evalRatio(t.plain+t.passed, n), t.passed, t.floorOnly)
	}
}

func countTrue(y []float32) (n int) {
	for _, v := range y {
		if v == 1 {
			n++
		}
	}
	return n
}
