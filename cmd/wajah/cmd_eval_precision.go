package main

import (
	"fmt"
	"slices"

	"github.com/wajah-id/wajah/embed"
)

// reportCosinesTo prints the distribution of every image's cosine between this run's
// embedding and the one in the reference cache (eval pairs --compare): how far a variant
// (e.g. --precision bf16) moves each vector from the fp32 run. Images either run did not
// embed are counted apart.
func reportCosinesTo(refPath string, res map[string]*imageResult, paths []string) error {
	ref, rst, err := loadEmbeddings(refPath, paths, false)
	if err != nil {
		return fmt.Errorf("--compare: %w", err)
	}
	var cos []float64
	skipped, detDiffer := 0, 0
	for _, q := range paths {
		a, b := res[q], ref[q]
		if a == nil || b == nil || a.emb == nil || b.emb == nil {
			skipped++
			continue
		}
		if a.detected != b.detected {
			detDiffer++
		}
		cos = append(cos, float64(embed.Cosine(a.emb, b.emb)))
	}
	if len(cos) == 0 {
		return fmt.Errorf("--compare: no image embedded by both runs")
	}
	slices.Sort(cos)
	at := func(q float64) float64 { return cos[min(len(cos)-1, int(q*float64(len(cos))))] }
	below := 0
	for _, c := range cos {
		if c < 0.999 {
			below++
		}
	}
	if rst.modelID != "" {
		refPath += " (" + rst.modelID + ")"
	}
	fmt.Printf("cosine to %s over %d images (%d not in both, %d detected differently): min %.6f p0.1 %.6f p1 %.6f p50 %.6f max %.6f; below 0.999: %d\n",
		refPath, len(cos), skipped, detDiffer, cos[0], at(0.001), at(0.01), at(0.5), cos[len(cos)-1], below)
	return nil
}
