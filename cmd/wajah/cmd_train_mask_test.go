package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
		want    string
	}{
		{"plain", false, 0, base},
		{"extra without augment draws nothing", false, 2, base},
		{"augment", true, 0, base + version + "/styles=surgical,chin"},
		{"augment with extra copies", true, 2, base + version + "/augment-extra=2/styles=surgical,chin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskCacheKey(manifest, tt.augment, tt.extra, styles); got != tt.want {
				t.Errorf("maskCacheKey(augment=%v, extra=%d) = %q, want %q", tt.augment, tt.extra, got, tt.want)
			}
		})
	}
	if maskCacheKey([]byte("other"), true, 2, styles) == maskCacheKey(manifest, true, 2, styles) {
		t.Error("two manifests share a cache key")
	}
	if maskCacheKey(manifest, true, 2, styles[:1]) == maskCacheKey(manifest, true, 2, styles) {
		t.Error("two style lists share a cache key")
	}
}
