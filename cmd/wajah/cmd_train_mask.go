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
	Label    []float32
	Detected []bool
	// Per sample: the manifest row it comes from, its source and detail columns, and
	// whether it is the original image (0), an augmented copy (1) or an unmasked image
	// with a synthetic mask drawn on it (2, label 1). Copies only ever train.
	Row    []int
	Source []string
	Detail []string
	Copy   []uint8
}

// maskKinds names the feature kinds train-mask and train-mask-detail take (--kind).
var maskKinds = map[string]uint32{
	"embedding": embed.MaskFeatEmbedding, "lower": embed.MaskFeatLowerFace, "both": embed.MaskFeatBoth,
	"map": embed.MaskFeatLowerMap, "embedding+map": embed.MaskFeatEmbedding | embed.MaskFeatLowerMap,
	"lower+map": embed.MaskFeatLowerFace | embed.MaskFeatLowerMap, "both+map": embed.MaskFeatBoth | embed.MaskFeatLowerMap,
}

const maskKindNames = "embedding, lower (lower-face pixels), both, map (MobileFaceNet's lower-face map), embedding+map, lower+map or both+map"

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
	holdout := fs.String("holdout", "", "validate on the images of this source (manifest column 3) and train on the others, instead of every fifth row")
	folds := fs.Bool("folds", false, "report a cross-source fold for every source first (train without it, validate on it)")
	workers := fs.Int("workers", 2, "images processed in parallel")
	chunks := fs.Int("chunks", 1, "training gradient sums in this many parallel chunks (1: sequential, as the committed weights were trained)")
	compareKinds := fs.String("compare-kinds", "embedding,lower,both", "feature kinds --compare reports")
	evalModel := fs.String("eval-model", "", "report this weights file on the validation split (per source) and exit, training nothing")
	listErrors := fs.Bool("list-errors", false, "print every validation image the weights get wrong (path, label, probability): with --eval-model, and for each --folds fold")
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
	hash := maskCacheKey(raw, *augment, *augmentExtra, styles)
	data, err := loadMaskData(*cache, hash)
	if err == nil && len(data.Map) != len(data.Label) {
		err = errors.New("cache predates the lower-face map")
	}
	if err != nil {
		if data, err = extractMaskData(*manifest, *root, *maxSide, hash, *quiet, *augment, *augmentExtra, *workers, styles); err != nil {
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
	features := func(kind uint32, i int) []float32 {
		var f []float32
		if kind&embed.MaskFeatEmbedding != 0 {
			f = append(f, data.Emb[i]...)
		}
		if kind&embed.MaskFeatLowerFace != 0 {
			f = append(f, data.Lower[i]...)
		}
		if kind&embed.MaskFeatLowerMap != 0 {
			f = append(f, data.Map[i]...)
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
	splitHold := func(kind uint32, hold string) (xt, xv [][]float32, yt, yv []float32, vi []int) {
		var groups []string
		for i := range data.Label {
			switch {
			case isVal(i, hold):
				xv, yv, vi = append(xv, features(kind, i)), append(yv, data.Label[i]), append(vi, i)
			case inTrain(i, hold):
				xt, yt = append(xt, features(kind, i)), append(yt, data.Label[i])
				groups = append(groups, balanceGroup(*balance, data.Source[i], data.Label[i]))
			}
		}
		weights = nil
		if *balance != "none" {
			weights = train.BalancedWeights(groups)
		}
		return
	}
	split := func(kind uint32) (xt, xv [][]float32, yt, yv []float32) {
		xt, xv, yt, yv, _ = splitHold(kind, *holdout)
		return
	}
	accuracy := func(m *embed.MaskModel, x [][]float32, y []float32) float64 {
		ok := 0
		for i := range x {
			if (m.Prob(x[i]) >= 0.5) == (y[i] == 1) {
				ok++
			}
		}
		return float64(ok) / float64(len(x))
	}
	cfg := train.MaskConfig{Epochs: *epochs, LR: *lr, L2: *l2, Seed: 1, Chunks: *chunks}
	if *compare {
		for _, name := range strings.Split(*compareKinds, ",") {
			if _, ok := maskKinds[name]; !ok {
				return fmt.Errorf("unknown --compare-kinds entry %q (want %s)", name, maskKindNames)
			}
			for _, h := range []int{0, max(*hidden, 16)} {
				xt, xv, yt, yv := split(maskKinds[name])
				c := cfg
				c.Kind, c.Hidden, c.Weights = maskKinds[name], h, weights
				m := train.Mask(xt, yt, c)
				fmt.Printf("  %-9s hidden %2d: train %.4f, validation %.4f\n", name, h, accuracy(m, xt, yt), accuracy(m, xv, yv))
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
		_, xv, _, yv, vi := splitHold(m.Kind, *holdout)
		acc, rm, ru := maskRecalls(m, xv, yv)
		fmt.Printf("%s on the validation split (n=%d): accuracy %.4f, masked recall %.4f, unmasked recall %.4f\n", *evalModel, len(xv), acc, rm, ru)
		perSource(m, data, xv, vi)
		reportDetail(m, data, xv, vi)
		if *listErrors {
			printMaskErrors(m, data, rows, xv, vi)
		}
		return nil
	}
	if *folds {
		fmt.Println("| held-out source | train n | validation n | accuracy | masked recall | unmasked recall |")
		fmt.Println("|---|---|---|---|---|---|")
		for _, src := range sources(data) {
			xt, xv, yt, yv, vi := splitHold(k, src)
			cfg.Weights = weights
			m := train.Mask(xt, yt, cfg)
			acc, rm, ru := maskRecalls(m, xv, yv)
			fmt.Printf("| %s | %d | %d | %.4f | %.4f | %.4f |\n", src, len(xt), len(xv), acc, rm, ru)
			reportDetail(m, data, xv, vi)
			if *listErrors {
				printMaskErrors(m, data, rows, xv, vi)
			}
		}
	}
	xt, xv, yt, yv, vi := splitHold(k, *holdout)
	cfg.Weights = weights
	m := train.Mask(xt, yt, cfg)
	fmt.Printf("%s, hidden %d: train %.4f (n=%d), validation %.4f (n=%d)\n", *kind, *hidden, accuracy(m, xt, yt), len(xt), accuracy(m, xv, yv), len(xv))
	acc, rm, ru := maskRecalls(m, xv, yv)
	fmt.Printf("validation: accuracy %.4f, masked recall %.4f, unmasked recall %.4f\n", acc, rm, ru)
	perSource(m, data, xv, vi)
	reportDetail(m, data, xv, vi)
	// The pipeline only classifies detected faces: report the validation images MTCNN found
	// apart from the template fallbacks.
	var xd [][]float32
	var yd []float32
	for i := range data.Label {
		if isVal(i, *holdout) && data.Detected[i] {
			xd, yd = append(xd, features(k, i)), append(yd, data.Label[i])
		}
	}
	fmt.Printf("validation, detected faces only: %.4f (n=%d)\n", accuracy(m, xd, yd), len(xd))
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
func maskCacheKey(manifest []byte, augment bool, extra int, styles []embed.MaskStyle) string {
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
	}
	return key
}
