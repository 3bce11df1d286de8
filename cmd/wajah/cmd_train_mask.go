package main

import (
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wajah-id/wajah/embed"
)

func init() {
	register("train-mask", "train the mask classifier on a manifest (path, mask) and write its weights", runTrainMask)
}

// maskData are the per-image features train-mask extracts once (and may cache).
type maskData struct {
	Manifest string // sha256 of the manifest file
	Emb      [][]float32
	Lower    [][]float32
	Label    []float32
	Detected []bool
}

func runTrainMask(args []string) error {
	fs := flag.NewFlagSet("train-mask", flag.ContinueOnError)
	manifest := fs.String("manifest", "", "TSV: path, mask (0/1)")
	root := fs.String("root", ".", "directory the manifest paths are relative to")
	out := fs.String("out", "embed/maskmodel/mask.wmsk", "weights file to write")
	kind := fs.String("kind", "both", "features: embedding, lower (lower-face pixels) or both")
	hidden := fs.Int("hidden", 0, "hidden units (0: logistic regression)")
	epochs := fs.Int("epochs", 400, "full-batch Adam steps")
	lr := fs.Float64("lr", 0.01, "Adam learning rate")
	l2 := fs.Float64("l2", 1e-3, "weight decay")
	maxSide := fs.Int("max-side", 128, "images larger than this are shrunk to a side in [80, max-side] first, so that both classes share one resolution range")
	compare := fs.Bool("compare", false, "report validation accuracy of every feature kind with 0 and 16 hidden units first")
	cache := fs.String("cache", "", "feature cache file (gob), reused when the manifest hash matches")
	quiet := fs.Bool("quiet", false, "no progressBar bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kinds := map[string]uint32{"embedding": embed.MaskFeatEmbedding, "lower": embed.MaskFeatLowerFace, "both": embed.MaskFeatBoth}
	k, ok := kinds[*kind]
	if !ok {
		return fmt.Errorf("unknown --kind %q", *kind)
	}
	raw, err := os.ReadFile(*manifest)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	data, err := loadMaskData(*cache, hash)
	if err != nil {
		if data, err = extractMaskData(*manifest, *root, *maxSide, hash, *quiet); err != nil {
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
		return f
	}
	split := func(kind uint32) (xt, xv [][]float32, yt, yv []float32) {
		for i := range data.Label {
			if isValidation(i) {
				xv, yv = append(xv, features(kind, i)), append(yv, data.Label[i])
			} else {
				xt, yt = append(xt, features(kind, i)), append(yt, data.Label[i])
			}
		}
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
	cfg := embed.MaskTrainConfig{Epochs: *epochs, LR: *lr, L2: *l2, Seed: 1}
	if *compare {
		for _, name := range []string{"embedding", "lower", "both"} {
			for _, h := range []int{0, 16} {
				xt, xv, yt, yv := split(kinds[name])
				c := cfg
				c.Kind, c.Hidden = kinds[name], h
				m := embed.TrainMask(xt, yt, c)
				fmt.Printf("  %-9s hidden %2d: train %.4f, validation %.4f\n", name, h, accuracy(m, xt, yt), accuracy(m, xv, yv))
			}
		}
	}
	xt, xv, yt, yv := split(k)
	cfg.Kind, cfg.Hidden = k, *hidden
	m := embed.TrainMask(xt, yt, cfg)
	fmt.Printf("%s, hidden %d: train %.4f (n=%d), validation %.4f (n=%d)\n", *kind, *hidden, accuracy(m, xt, yt), len(xt), accuracy(m, xv, yv), len(xv))
	// The pipeline only classifies detected faces: report the validation images MTCNN found
	// apart from the template fallbacks.
	var xd [][]float32
	var yd []float32
	for i := range data.Label {
		if isValidation(i) && data.Detected[i] {
			xd, yd = append(xd, features(k, i)), append(yd, data.Label[i])
		}
	}
	fmt.Printf("validation, detected faces only: %.4f (n=%d)\n", accuracy(m, xd, yd), len(xd))
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	ws := sha256.Sum256(b)
	fmt.Printf("wrote %s (%d bytes, sha256 %s)\ncommand: wajah train-mask %s\n", *out, len(b), hex.EncodeToString(ws[:]), strings.Join(args, " "))
	return nil
}

func extractMaskData(manifest, root string, maxSide int, hash string, quiet bool) (*maskData, error) {
	rows, err := readMaskManifest(manifest)
	if err != nil {
		return nil, err
	}
	p, err := embed.New(embed.Options{DetectFrac: 0.2, MinDetect: 12, NoMask: true})
	if err != nil {
		return nil, err
	}
	d := &maskData{Manifest: hash}
	bar := newProgressBar(os.Stderr, "features", len(rows), quiet)
	for i, r := range rows {
		img, err := evalReadImage(filepath.Join(root, r.path))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.path, err)
		}
		if maxSide > 0 && max(img.W, img.H) > maxSide {
			// Deterministic side in [80, maxSide]: masked sources are 224 px and unmasked
			// about 100 px, a cue the classifier must not learn.
			img = embed.Shrink(img, 80+(i*37)%(max(maxSide-80, 1)+1))
		}
		crop, emb, det, err := p.MaskSample(context.Background(), img)
		if err != nil {
			return nil, err
		}
		d.Emb = append(d.Emb, emb)
		d.Lower = append(d.Lower, embed.MaskFeatures(embed.MaskFeatLowerFace, crop, nil))
		var y float32
		if r.mask {
			y = 1
		}
		d.Label = append(d.Label, y)
		d.Detected = append(d.Detected, det)
		bar.step(!det)
	}
	return d, nil
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
