package embed

import (
	"bufio"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// matchSimilarity scores a probe against an enrolled face as engine.Verify does: the plain
// path, and for a probe the classifier calls masked the masked path (MaskedScore over both
// faces' overlays, through the pipeline's head), or the masked-probe mapping of the plain cosine when either side has no
// overlays (engine/masked.go).
func matchSimilarity(head *MaskedHead, probe, enrolled Face) float64 {
	c := Cosine(probe.Embedding, enrolled.Embedding)
	switch {
	case !probe.Masked:
		return Similarity(c)
	case len(probe.MaskedTemplates) == 0 || len(enrolled.MaskedTemplates) == 0:
		return MaskedPlainSimilarity(c)
	}
	return MaskedSimilarity(head.Score(probe.Embedding, probe.MaskedTemplates, enrolled.Embedding, enrolled.MaskedTemplates))
}

// readTestPairs reads testdata/faces_small_pairs.tsv (path1, path2, same; faces-small paths).
func readTestPairs(t *testing.T) [][3]string {
	t.Helper()
	f, err := os.Open("testdata/faces_small_pairs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][3]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) == 3 && c[2] != "same" {
			out = append(out, [3]string{c[0], c[1], c[2]})
		}
	}
	return out
}

// knownMaskedMisses are faces-small photos whose masked copies no detector stage finds.
// None since the gated tight-crop floor: bernadette1.png (a 150x150 greyscale crop where
// PNet's candidates die in RNet once the mouth is covered and ONet scores the frame
// 0.02-0.40) is found by it (embed/README.md "Masked faces").
var knownMaskedMisses = map[string]bool{}

// Masked copies of faces-small faces (drawn by SynthMask from the detected landmarks in
// every DevMaskStyles style; testdata/faces_small_pairs.tsv names the pairs) are found and
// verified against the same person's unmasked enrolment, and a masked photo of someone
// else is not. The copies are made here from ../shared rather than stored in testdata, so
// no third-party photo enters the repository.
func TestMaskedFacesSmall(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	ctx := context.Background()
	enrolled := map[string]Face{}
	var same, sameOK, diff, diffOK, found, tried int
	for _, pr := range readTestPairs(t) {
		probeRel, enrolRel, isSame := pr[0], pr[1], pr[2] == "1"
		e, ok := enrolled[enrolRel]
		if !ok {
			e = extract(t, p, photo(t, enrolRel), ExtractOptions{Purpose: PurposeEnroll, Force: true})
			if len(e.MaskedTemplates) != len(DevMaskStyles) {
				t.Fatalf("%s: enrolment has %d overlays", enrolRel, len(e.MaskedTemplates))
			}
			enrolled[enrolRel] = e
		}
		d := decodeFull(t, p, probeRel)
		faces, err := p.Detect(ctx, d)
		if err != nil || len(faces) == 0 {
			t.Fatalf("%s: no face before masking (%v)", probeRel, err)
		}
		for i, st := range DevMaskStyles {
			m, _ := SynthMask(d.Full, faces[0].Landmarks, st, uint64(17+i))
			f, err := p.Extract(ctx, jpegOf(t, m), ExtractOptions{})
			tried++
			switch {
			case errors.Is(err, ErrNoFace) && knownMaskedMisses[probeRel]:
				continue
			case err != nil:
				t.Errorf("%s with a %s mask: %v", probeRel, st, err)
				continue
			}
			found++
			if knownMaskedMisses[probeRel] {
				t.Errorf("%s with a %s mask is found now: update knownMaskedMisses and the README", probeRel, st)
			}
			s := matchSimilarity(p.MaskedHead(), f, e)
			if isSame {
				same++
				if s >= 0.75 {
					sameOK++
				} else {
					t.Logf("not verified: %s (%s mask, masker %v) vs %s: %.3f", probeRel, st, f.Masked, enrolRel, s)
				}
			} else {
				diff++
				if s >= 0.75 {
					diffOK++
					t.Logf("false accept: %s with a %s mask verified as %s (%.3f)", probeRel, st, enrolRel, s)
				}
			}
		}
	}
	t.Logf("masked copies found %d of %d; same person verified %d of %d; someone else %d of %d", found, tried, sameOK, same, diffOK, diff)
	// The masked path is anchored at FAR 1e-3 per comparison (embed/README.md): over 72
	// impostor comparisons one false accept has a 7% chance, two 0.25%; two or more says
	// the anchor does not hold here.
	if diffOK > 1 {
		t.Errorf("%d of %d masked different-person probes verified; want at most 1", diffOK, diff)
	}
	// Scored as the engine does (MaskedScore over both faces' overlays through the masked
	// head, LFW-anchored mapping): 61 of 75 with the head and its anchor (2026-12-08); 56 of
	// 75 without it at the anchors refitted over all pairs on 2026-12-07 (55
	// before nn's softmax gave a face the same score in any batch; 58 at
	// the previous, looser ones; 53 of 69 before the gated floor found bernadette1; the
	// earlier scorer, max of plain and overlay cosines, gave 64); below 70% says the masked
	// path lost more than noise explains.
	if float64(sameOK) < 0.7*float64(same) {
		t.Errorf("only %d of %d masked same-person probes verified; want >= 70%%", sameOK, same)
	}
}

// CompleteOverlays gives an unmasked face the overlays an enrolment would store (compare
// needs them opposite a masked face) and changes nothing else; a face that did not come
// from Extract has no crop to draw them on.
func TestCompleteOverlays(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	b := photo(t, readTestPairs(t)[0][1])
	plain := extract(t, p, b, ExtractOptions{})
	if plain.Masked || plain.MaskedTemplates != nil {
		t.Fatalf("unmasked verify face: masked %v, %d overlays", plain.Masked, len(plain.MaskedTemplates))
	}
	with := plain
	if err := p.CompleteOverlays(&with); err != nil {
		t.Fatal(err)
	}
	enrol := extract(t, p, b, ExtractOptions{Purpose: PurposeEnroll, Force: true})
	if !slices.Equal(with.Embedding, plain.Embedding) || with.Masked {
		t.Error("CompleteOverlays changed the face's embedding or mask call")
	}
	if len(with.MaskedTemplates) != len(DevMaskStyles) || len(enrol.MaskedTemplates) != len(DevMaskStyles) {
		t.Fatalf("overlays: %d completed, %d at enrolment; want %d", len(with.MaskedTemplates), len(enrol.MaskedTemplates), len(DevMaskStyles))
	}
	for i := range with.MaskedTemplates {
		if !slices.Equal(with.MaskedTemplates[i], enrol.MaskedTemplates[i]) {
			t.Errorf("overlay %d differs from the enrolment's", i)
		}
	}
	if err := p.CompleteOverlays(&Face{Embedding: plain.Embedding}); !errors.Is(err, ErrNoAlignedCrop) {
		t.Errorf("a face without a crop: %v, want ErrNoAlignedCrop", err)
	}
}
