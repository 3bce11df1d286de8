package embed

import (
	"context"
	"errors"
	"testing"
)

// maskDetailFloor: the share of synthetic below-nose masks on faces-small photos the
// pipeline must call masked with MaskDetail incorrect, and of surgical masks it must call
// correct (embed/maskmodel/README.md "masker_detail" has the measured figures).
const maskDetailFloor = 0.7

// The pipeline's masker_detail on faces-small photos: none unmasked, incorrect for a
// below-nose mask (masker still true), correct for a surgical mask.
func TestMaskDetailFacesSmall(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	if p.maskDetail == nil {
		t.Skip("no detail head built in")
	}
	ctx := context.Background()
	seen := map[string]bool{}
	var n, none, incorrect, correct int
	for _, pr := range readTestPairs(t) {
		rel := pr[0]
		if seen[rel] || knownMaskedMisses[rel] || len(seen) >= 12 {
			continue
		}
		seen[rel] = true
		d := decodeFull(t, p, rel)
		faces, err := p.Detect(ctx, d)
		if err != nil || len(faces) == 0 {
			t.Fatalf("%s: no face (%v)", rel, err)
		}
		plain, err := p.Extract(ctx, jpegOf(t, d.Full), ExtractOptions{})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		n++
		if plain.MaskDetail == MaskDetailNone && !plain.Masked {
			none++
		}
		for _, c := range []struct {
			style MaskStyle
			want  string
			count *int
		}{{MaskBelowNose, MaskDetailIncorrect, &incorrect}, {MaskSurgical, MaskDetailCorrect, &correct}} {
			m, _ := SynthMask(d.Full, faces[0].Landmarks, c.style, 7)
			f, err := p.Extract(ctx, jpegOf(t, m), ExtractOptions{})
			if errors.Is(err, ErrNoFace) {
				continue
			}
			if err != nil {
				t.Fatalf("%s with a %s mask: %v", rel, c.style, err)
			}
			if f.MaskDetail == c.want && f.Masked {
				*c.count++
			} else {
				t.Logf("%s with a %s mask: masked %v, detail %q", rel, c.style, f.Masked, f.MaskDetail)
			}
		}
	}
	t.Logf("%d photos: none %d, below-nose incorrect %d, surgical correct %d", n, none, incorrect, correct)
	for _, c := range []struct {
		name string
		got  int
	}{{"unmasked none", none}, {"below-nose incorrect", incorrect}, {"surgical correct", correct}} {
		if float64(c.got) < maskDetailFloor*float64(n) {
			t.Errorf("%s: %d of %d, want >= %.0f%%", c.name, c.got, n, 100*maskDetailFloor)
		}
	}
}
