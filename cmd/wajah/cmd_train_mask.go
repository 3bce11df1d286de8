package main

import (
	"crypto/sha256"
	"encoding"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
)

func init() {
	register("train-mask", "train the mask classifier on a manifest (path, mask) and write its weights", runTrainMask)
}

// maskData are the per-image features train-mask extracts once (and may cache).
type maskData struct {
	Manifest string // sha256 of the manifest file
	Emb      [][]float32
	Lower    [][]float32
	Map      [][]float32 // MaskInput.LowerMap (absent from caches written before it: rebuilt)
	Upper    [][]float32 // MaskInput.UpperMap() (likewise)
	Label    []float32
	Detected []bool
	// Per sample: the manifest row it comes from, its source and detail columns, and
	// whether it is the original image (0), an augmented copy (1) or an unmasked image
	// with a synthetic mask drawn on it (2, label 1) or a hand or photo over its mouth
	// (3, --occlude, label 0). Copies only ever train.
	Row    []int
	Source []string
	Detail []string
	Copy   []uint8
	// The mirrored crop's features of every original image (nil for copies): validation
	// scores by the pipeline's rule, which looks again at the mirror where the first look
	// is unsure (embed.Pipeline.MaskScore).
	MirrorEmb, MirrorLower, MirrorMap, MirrorUpper [][]float32
}

// maskVal is a validation set: each image's features and its mirrored crop's, the labels
// and the samples' indices in maskData.
type maskVal struct {
	x, mirror [][]float32
	y         []float32
	idx       []int
}

// probs are m's probabilities of a mask for the images, by the pipeline's rule (a second
// look at the mirror where the first is unsure), or by the first look alone with single.
func (v *maskVal) probs(m *embed.MaskModel, single bool) []float32 {
	out := make([]float32, len(v.x))
	for k := range v.x {
		p := m.Prob(v.x[k])
		if !single && embed.SecondLook(p) {
			p = embed.CombineLooks(p, m.Prob(v.mirror[k]))
		}
		out[k] = p
	}
	return out
}

// maskKinds names the feature kinds train-mask and train-mask-detail take (--kind).
var maskKinds = map[string]uint32{
	"embedding": embed.MaskFeatEmbedding, "lower": embed.MaskFeatLowerFace, "both": embed.MaskFeatBoth,
	"map": embed.MaskFeatLowerMap, "embedding+map": embed.MaskFeatEmbedding | embed.MaskFeatLowerMap,
	"lower+map": embed.MaskFeatLowerFace | embed.MaskFeatLowerMap, "both+map": embed.MaskFeatBoth | embed.MaskFeatLowerMap,
	"map+upper": embed.MaskFeatLowerMap | embed.MaskFeatUpperMap,
}

const maskKindNames = "embedding, lower (lower-face pixels), both, map (MobileFaceNet's lower-face map), embedding+map, lower+map, both+map or map+upper (the map above the nose too)"

func runTrainMask(args []string) error {
	fs := flag.NewFlagSet("train-mask", flag.ContinueOnError)
	manifest := fs.String("manifest", "", "TSV: path, mask (0/1)")
	root := fs.String("root", ".", "directory the manifest paths are relative to")
	out := fs.String("out", "embed/maskmodel/mask.wmsk", "weights file to write")
	kind := fs.String("kind", "both", "features: "+maskKindNames)
	hidden := fs.Int("hidden", 0, "hidden units (0: logistic regression)")
	epochs := fs.Int("epochs", 400, "full-batch Adam steps")
	lr := fs.Float64("lr", 0.01, "Adam learning rate")
	l2 := fs.Float64("l2", 1e-3, "weight decay")
	maxSide := fs.Int("max-side", 128, "images larger than this are shrunk to a side in [80, max-side] first, so that both classes share one resolution range")
	compare := fs.Bool("compare", false, "report validation accuracy of every feature kind with 0 and 16 hidden units first")
	cache := fs.String("cache", "", "feature cache file (gob), reused when the manifest hash matches")
	quiet := fs.Bool("quiet", false, "no progressBar bar")
	augment := fs.Bool("augment", false, "add an augmented copy of every image (train.Augment) and a synthetic-mask copy of every unmasked one (embed.SynthMask) to training")
	synthStyles := fs.String("synth-styles", defaultClassifierMaskStyles, "with --augment: the synthetic mask styles drawn on unmasked images as positives")
	augmentExtra := fs.Int("augment-extra", 0, "with --augment: this many more augmented and synthetic-mask copies per image (0: one of each)")
	occlude := fs.Int("occlude", 0, "with --augment: this many copies of every unmasked image with a hand or another photo over the mouth (embed.Occlude), as unmasked")
	holdout := fs.String("holdout", "", "validate on the images of this source (manifest column 3) and train on the others, instead of every fifth row")
	folds := fs.Bool("folds", false, "report a cross-source fold for every source first (train without it, validate on it)")
	workers := fs.Int("workers", 2, "images processed in parallel")
	chunks := fs.Int("chunks", 1, "training gradient sums in this many parallel chunks (1: sequential, as the committed weights were trained)")
	compareKinds := fs.String("compare-kinds", "embedding,lower,both", "feature kinds --compare reports")
	evalModel := fs.String("eval-model", "", "report this weights file on the validation split (per source) and exit, training nothing")
	listErrors := fs.Bool("list-errors", false, "print every validation image the weights get wrong (path, label, probability): with --eval-model, and for each --folds fold")
	singleLook := fs.Bool("single-look", false, "validate on the first look alone (before 2026-12-07), not the pipeline's second look at the mirror where the first is unsure")
	mirrorTrain := fs.Bool("mirror-train", false, "also train on the mirrored crop of every original training image")
	balance := fs.String("balance", "none", "training loss weights: none (every sample alike), class (masked and unmasked the same total weight), source (every source and class the same total weight)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	k, ok := maskKinds[*kind]
	if !ok {
		return fmt.Errorf("unknown --kind %q (want %s)", *kind, maskKindNames)
	}
	switch *balance {
	case "none", "class", "source":
	default:
		return fmt.Errorf("unknown --balance %q (want none, class or source)", *balance)
	}
	raw, err := os.ReadFile(*manifest)
	if err != nil {
		return err
	}
	styles, err := embed.ParseMaskStyles(*synthStyles)
	if err != nil {
		return err
	}
	if len(styles) == 0 {
		return errors.New("--synth-styles names no style")
	}
	hash := maskCacheKey(raw, *augment, *augmentExtra, *occlude, styles)
	data, err := loadMaskData(*cache, hash)
	if err == nil && (len(data.Map) != len(data.Label) || len(data.MirrorMap) != len(data.Label) || len(data.Upper) != len(data.Label)) {
		err = errors.New("cache predates the face maps or the mirrored crops")
	}
	if err != nil {
		if data, err = extractMaskData(*manifest, *root, *maxSide, hash, *quiet, *augment, *augmentExtra, *occlude, *workers, styles); err != nil {
			return err
		}
		if *cache != "" {
			if err := saveMaskData(*cache, data); err != nil {
				return err
			}
		}
	}
	missed := 0
	for _, d := range data.Detected {
		if !d {
			missed++
		}
	}
	fmt.Printf("manifest sha256 %s: %d images, face not detected in %d (template fallback)\n", hash, len(data.Label), missed)
	features := func(kind uint32, i int, mirror bool) []float32 {
		emb, lower, fmap, upper := data.Emb, data.Lower, data.Map, data.Upper
		if mirror {
			emb, lower, fmap, upper = data.MirrorEmb, data.MirrorLower, data.MirrorMap, data.MirrorUpper
		}
		var f []float32
		if kind&embed.MaskFeatEmbedding != 0 {
			f = append(f, emb[i]...)
		}
		if kind&embed.MaskFeatLowerFace != 0 {
			f = append(f, lower[i]...)
		}
		if kind&embed.MaskFeatLowerMap != 0 {
			f = append(f, fmap[i]...)
		}
		if kind&embed.MaskFeatUpperMap != 0 {
			f = append(f, upper[i]...)
		}
		return f
	}
	// isVal: an original image in the validation set; inTrain: a sample that may train.
	isVal := func(i int, hold string) bool {
		if hold != "" {
			return data.Source[i] == hold && data.Copy[i] == 0
		}
		return isValidation(data.Row[i]) && data.Copy[i] == 0
	}
	inTrain := func(i int, hold string) bool {
		if hold != "" {
			return data.Source[i] != hold
		}
		return !isValidation(data.Row[i])
	}
	// weights are the training samples' loss weights for --balance (nil: none).
	var weights []float32
	splitHold := func(kind uint32, hold string) (xt [][]float32, yt []float32, val maskVal) {
		var groups []string
		for i := range data.Label {
			switch {
			case isVal(i, hold):
				val.x, val.mirror = append(val.x, features(kind, i, false)), append(val.mirror, features(kind, i, true))
				val.y, val.idx = append(val.y, data.Label[i]), append(val.idx, i)
			case inTrain(i, hold):
				xt, yt = append(xt, features(kind, i, false)), append(yt, data.Label[i])
				groups = append(groups, balanceGroup(*balance, data.Source[i], data.Label[i]))
				if *mirrorTrain && data.Copy[i] == 0 {
					xt, yt = append(xt, features(kind, i, true)), append(yt, data.Label[i])
					groups = append(groups, balanceGroup(*balance, data.Source[i], data.Label[i]))
				}
			}
		}
		weights = nil
		if *balance != "none" {
			weights = train.BalancedWeights(groups)
		}
		return
	}
	// accuracy of probabilities at 0.5 against labels.
	accuracy := func(p []float32, y []float32) float64 {
		ok := 0
		for i := range p {
			if (p[i] >= 0.5) == (y[i] == 1) {
				ok++
			}
		}
		return float64(ok) / float64(len(p))
	}
	firstLooks := func(m *embed.MaskModel, x [][]float32) []float32 { // training samples have no mirror
		return (&maskVal{x: x}).probs(m, true)
	}
	cfg := train.MaskConfig{Epochs: *epochs, LR: *lr, L2: *l2, Seed: 1, Chunks: *chunks}
	if *compare {
		for _, name := range strings.Split(*compareKinds, ",") {
			if _, ok := maskKinds[name]; !ok {
				return fmt.Errorf("unknown --compare-kinds entry %q (want %s)", name, maskKindNames)
			}
			for _, h := range []int{0, max(*hidden, 16)} {
				xt, yt, val := splitHold(maskKinds[name], *holdout)
				c := cfg
				c.Kind, c.Hidden, c.Weights = maskKinds[name], h, weights
				m := train.Mask(xt, yt, c)
				fmt.Printf("  %-9s hidden %2d: train %.4f, validation %.4f\n", name, h, accuracy(firstLooks(m, xt), yt), accuracy(val.probs(m, *singleLook), val.y))
			}
		}
	}
	cfg.Kind, cfg.Hidden = k, *hidden
	var rows []maskRow // the manifest's rows, for --list-errors
	if *listErrors {
		if rows, err = readMaskManifest(*manifest); err != nil {
			return err
		}
	}
	if *evalModel != "" {
		b, err := os.ReadFile(*evalModel)
		if err != nil {
			return err
		}
		m, err := embed.ParseMaskModel(b)
		if err != nil {
			return err
		}
		_, _, val := splitHold(m.Kind, *holdout)
		pv := val.probs(m, *singleLook)
		acc, rm, ru := maskRecalls(pv, val.y)
		fmt.Printf("%s on the validation split (n=%d): accuracy %.4f, masked recall %.4f, unmasked recall %.4f\n", *evalModel, len(pv), acc, rm, ru)
		perSource(data, pv, val.idx)
		reportDetail(data, pv, val.idx)
		if *listErrors {
			printMaskErrors(data, rows, pv, val.idx)
		}
		return nil
	}
	if *folds {
		fmt.Println("| held-out source | train n | validation n | accuracy | masked recall | unmasked recall |")
		fmt.Println("|---|---|---|---|---|---|")
		for _, src := range sources(data) {
			xt, yt, val := splitHold(k, src)
			cfg.Weights = weights
			m := train.Mask(xt, yt, cfg)
			pv := val.probs(m, *singleLook)
			acc, rm, ru := maskRecalls(pv, val.y)
			fmt.Printf("| %s | %d | %d | %.4f | %.4f | %.4f |\n", src, len(xt), len(pv), acc, rm, ru)
			reportDetail(data, pv, val.idx)
			if *listErrors {
				printMaskErrors(data, rows, pv, val.idx)
			}
		}
	}
	xt, yt, val := splitHold(k, *holdout)
	cfg.Weights = weights
	m := train.Mask(xt, yt, cfg)
	pv := val.probs(m, *singleLook)
	fmt.Printf("%s, hidden %d: train %.4f (n=%d), validation %.4f (n=%d)\n", *kind, *hidden, accuracy(firstLooks(m, xt), yt), len(xt), accuracy(pv, val.y), len(pv))
	acc, rm, ru := maskRecalls(pv, val.y)
	fmt.Printf("validation: accuracy %.4f, masked recall %.4f, unmasked recall %.4f\n", acc, rm, ru)
	perSource(data, pv, val.idx)
	reportDetail(data, pv, val.idx)
	// The pipeline only classifies detected faces: report the validation images MTCNN found
	// apart from the template fallbacks.
	var pd, yd []float32
	for k, i := range val.idx {
		if data.Detected[i] {
			pd, yd = append(pd, pv[k]), append(yd, val.y[k])
		}
	}
	fmt.Printf("validation, detected faces only: %.4f (n=%d)\n", accuracy(pd, yd), len(pd))
	size, digest, err := writeWeights(*out, m)
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes, sha256 %s)\ncommand: wajah train-mask %s\n", *out, size, digest, strings.Join(args, " "))
	return nil
}

// balanceGroup names the group a training sample's loss weight is shared in under
// --balance mode.
func balanceGroup(mode, source string, label float32) string {
	switch mode {
	case "class":
		return fmt.Sprint(label)
	case "source":
		return fmt.Sprint(source, "/", label)
	}
	return ""
}

func loadMaskData(path, hash string) (*maskData, error) {
	if path == "" {
		return nil, errors.New("no cache")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var d maskData
	if err := gob.NewDecoder(f).Decode(&d); err != nil {
		return nil, err
	}
	if d.Manifest != hash {
		return nil, errors.New("cache is for another manifest")
	}
	return &d, nil
}

func saveMaskData(path string, d *maskData) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(f).Encode(d); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeWeights writes a trained head's weight file and returns its size and sha256 (hex), which
// the model READMEs record beside the command that produced it.
func writeWeights(path string, m encoding.BinaryMarshaler) (int, string, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return 0, "", err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return 0, "", err
	}
	ws := sha256.Sum256(b)
	return len(b), hex.EncodeToString(ws[:]), nil
}

// maskCacheKey names what a feature cache holds: the manifest's bytes, the version of
// train.MaskSample that picked the faces and, with augment, the version of train.Augment
// that drew the copies, how many (extra only counts with augment) and the synthetic mask
// styles, so that no run ever trains on features another setting or older code made.
func maskCacheKey(manifest []byte, augment bool, extra, occlude int, styles []embed.MaskStyle) string {
	sum := sha256.Sum256(manifest)
	key := hex.EncodeToString(sum[:]) + fmt.Sprintf("/sample-v%d", train.SampleVersion)
	if augment {
		key += fmt.Sprintf("/augment-v%d", train.AugmentVersion)
		if extra > 0 {
			key += fmt.Sprintf("/augment-extra=%d", extra)
		}
		names := make([]string, len(styles))
		for i, st := range styles {
			names[i] = st.String()
		}
		key += "/styles=" + strings.Join(names, ",")
		if occlude > 0 {
			key += fmt.Sprintf("/occlude-v%d=%d", embed.OccluderVersion, occlude)
		}
	}
	return key
}
