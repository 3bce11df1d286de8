package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"testing"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
)

func TestMaskCacheKey(t *testing.T) {
	manifest := []byte("a.jpg\t1\tmask-train\t\n")
	sum := sha256.Sum256(manifest)
	base := hex.EncodeToString(sum[:]) + fmt.Sprintf("/sample-v%d", train.SampleVersion)
	version := fmt.Sprintf("/augment-v%d", train.AugmentVersion)
	styles := []embed.MaskStyle{embed.MaskSurgical, embed.MaskChin}
	tests := []struct {
		name    string
		augment bool
		extra   int
		occlude int
		want    string
	}{
		{"plain", false, 0, 0, base},
		{"extra without augment draws nothing", false, 2, 0, base},
		{"occluders without augment draw nothing", false, 0, 1, base},
		{"augment", true, 0, 0, base + version + "/styles=surgical,chin"},
		{"augment with extra copies", true, 2, 0, base + version + "/augment-extra=2/styles=surgical,chin"},
		{"augment with occluders", true, 2, 1, base + version + "/augment-extra=2/styles=surgical,chin" + fmt.Sprintf("/occlude-v%d=1", embed.OccluderVersion)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskCacheKey(manifest, tt.augment, tt.extra, tt.occlude, styles); got != tt.want {
				t.Errorf("maskCacheKey(augment=%v, extra=%d, occlude=%d) = %q, want %q", tt.augment, tt.extra, tt.occlude, got, tt.want)
			}
		})
	}
	if maskCacheKey([]byte("other"), true, 2, 0, styles) == maskCacheKey(manifest, true, 2, 0, styles) {
		t.Error("two manifests share a cache key")
	}
	if maskCacheKey(manifest, true, 2, 0, styles[:1]) == maskCacheKey(manifest, true, 2, 0, styles) {
		t.Error("two style lists share a cache key")
	}
}

// Validation scores as the pipeline does: a second look at the mirror only where the first
// is unsure, and the first alone with --single-look.
func TestMaskValProbs(t *testing.T) {
	m := &embed.MaskModel{Kind: embed.MaskFeatLowerMap, Dim: 1, Mean: []float32{0}, Std: []float32{1}, W2: []float32{1}}
	v := maskVal{
		x:      [][]float32{{0.1}, {3}, {-3}},
		mirror: [][]float32{{3}, {-3}, {3}},
		y:      []float32{1, 1, 0},
	}
	sig := func(z float64) float32 { return float32(1 / (1 + math.Exp(-z))) }
	tests := []struct {
		name   string
		single bool
		want   []float32
	}{
		{"second look", false, []float32{sig(1.55), sig(3), sig(-3)}},
		{"single look", true, []float32{sig(0.1), sig(3), sig(-3)}},
	}
	for _, tc := range tests {
		got := v.probs(m, tc.single)
		for i := range got {
			if math.Abs(float64(got[i]-tc.want[i])) > 1e-5 {
				t.Errorf("%s: image %d: %v, want %v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}
