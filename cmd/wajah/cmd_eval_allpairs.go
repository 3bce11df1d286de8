package main

import (
	"fmt"
	"path/filepath"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
)

// reportAllPairs measures where the API's 0.75 sits on every cross-person pair of a pairs
// file's images (`eval pairs --all-pairs`), for each path the runtime scores: the plain
// cosine of two unmasked faces (embed.Similarity), and, with --masked, a probe the
// classifier calls masked (path1) against every unmasked enrolment image (path2) on the
// masked path (embed.MaskedScore, embed.MaskedSimilarity) and on the plain cosine
// (a side without overlays: embed.MaskedPlainSimilarity). A pairs file alone has too few
// impostors for FAR 1e-3 (LFW View 1 train: 1,100, so the anchor is the second-highest
// of them); all pairs of its 3,443 images give millions. The anchors in embed/similarity.go
// are the "score at FAR 1e-3" of the train file; the test file only reports. "Unmasked"
// is the classifier's call, as at runtime, so on a synth-mask set the few masked copies it
// misses count on the plain path (the plain anchor comes from the unmasked LFW files).
func reportAllPairs(name string, res map[string]*imageResult, rows []pairRow) {
	isMasked := func(r *imageResult) bool { return r.extra != nil && r.extra.MaskScore >= 0.5 }
	var unmasked, probes, gallery []string
	seen := map[string]bool{}
	for _, r := range rows {
		for i, p := range []string{r.a, r.b} {
			x := res[p]
			if seen[p] || x == nil || x.emb == nil {
				continue
			}
			seen[p] = true
			switch {
			case !isMasked(x):
				unmasked = append(unmasked, p)
				if i == 1 && x.extra != nil {
					gallery = append(gallery, p)
				}
			case i == 0:
				probes = append(probes, p)
			}
		}
	}
	add := func(s *split, a, b string, v float64) {
		if personOf(a) == personOf(b) {
			s.gen = append(s.gen, v)
		} else {
			s.imp = append(s.imp, v)
		}
	}
	var plain, maskedPath, maskedPlain split
	// The masked path's fusion weight, w x plain cosine + (1-w) x mean overlay cosine
	// (MaskedScore is w = 0.5), judged by TAR at FAR 1e-3 over all pairs.
	weights := []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}
	fused := make([]split, len(weights))
	for i, a := range unmasked {
		for _, b := range unmasked[i+1:] {
			add(&plain, a, b, float64(embed.Cosine(res[a].emb, res[b].emb)))
		}
	}
	for _, a := range probes {
		ra := res[a]
		for _, b := range gallery {
			rb := res[b]
			add(&maskedPath, a, b, float64(deployedMaskedScore(ra, rb)))
			c := float64(embed.Cosine(ra.emb, rb.emb))
			add(&maskedPlain, a, b, c)
			if n := len(ra.extra.Templates); n > 0 && n == len(rb.extra.Templates) {
				o := overlayMean(ra, rb) // cmd_eval_masked.go
				for i, w := range weights {
					add(&fused[i], a, b, w*c+(1-w)*o)
				}
			}
		}
	}
	fmt.Printf("\nall pairs of %s's images (--all-pairs): %d unmasked images, %d masked probes x %d unmasked enrolment images\n",
		filepath.Base(name), len(unmasked), len(probes), len(gallery))
	fmt.Println("| path | impostors | score at FAR 1e-3 | its similarity | genuine | TAR @FAR 1e-3 | built-in anchor (0.75) | FAR @0.75 | TAR @0.75 |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	line := func(path string, s split, anchor float64) {
		if len(s.imp) == 0 {
			return
		}
		at := scoreAtFAR(s.imp, 1e-3)
		_, t3 := countAtLeast(s.gen, at)
		fi, ff := countAtLeast(s.imp, anchor)
		ti, tf := countAtLeast(s.gen, anchor)
		fmt.Printf("| %s | %d | %.4f | %.4f | %d | %.4f | %.4f | %.5f (%d) | %.4f (%d) |\n",
			path, len(s.imp), at, embed.Anchored(at, anchor), len(s.gen), t3, anchor, ff, fi, tf, ti)
	}
	line("unmasked vs unmasked, plain cosine (verify, identify, compare)", plain, float64(embed.CosineFor(0.75)))
	line("masked probe, masked path (verify, identify, compare: MaskedScore)", maskedPath, embed.MaskedAnchor())
	line("masked probe, plain cosine (a side without overlays)", maskedPlain, embed.MaskedPlainAnchor())
	reportIdentifyThresholds(plain, maskedPath)
	for i, w := range weights {
		if len(fused[i].imp) > 0 {
			at := scoreAtFAR(fused[i].imp, 1e-3)
			_, t3 := countAtLeast(fused[i].gen, at)
			_, t2 := countAtLeast(fused[i].gen, scoreAtFAR(fused[i].imp, 1e-2))
			fmt.Printf("masked path with weight %.1f on the plain cosine: score at FAR 1e-3 %.4f, TAR there %.4f; TAR at FAR 1e-2 %.4f\n", w, at, t3, t2)
		}
	}
}

// split holds one path's genuine and impostor scores.
type split struct{ gen, imp []float64 }

// reportIdentifyThresholds checks identify's gallery-size thresholds on the masked path.
// Identify raises its threshold so that each comparison's false-match rate is f(N)
// (engine/calibration.go); the table behind it is the plain cosine's, and a masked probe's
// masked-path similarity is held to the same similarity. Each row: the per-comparison FAR
// a gallery asks for, the similarity identify then requires, and the FAR and TAR measured
// there on each path (plain: unmasked pairs on embed.Similarity; masked: MaskedScore on
// embed.MaskedSimilarity).
func reportIdentifyThresholds(plain, masked split) {
	model := embed.ModelID(embed.Options{})
	fmt.Println("\nidentify's gallery-size thresholds on each path (per-comparison FAR f, the similarity identify requires there):")
	fmt.Println("| f | gallery faces at IdentifyFAR 1e-3 | similarity | plain: FAR (impostors) | plain: TAR | masked path: FAR (impostors) | masked path: TAR |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, f := range []float64{1e-3, 1e-4, 1e-5, 1e-6} {
		cos, ok := engine.CalibratedCosine(model, f)
		if !ok {
			return
		}
		thr := embed.Similarity(cos)
		at := func(v []float64, sim func(float32) float64) (int, float64) {
			n := 0
			for _, x := range v {
				if sim(float32(x)) >= thr {
					n++
				}
			}
			return n, evalRatio(n, len(v))
		}
		pi, pf := at(plain.imp, embed.Similarity)
		_, pt := at(plain.gen, embed.Similarity)
		mi, mf := at(masked.imp, embed.MaskedSimilarity)
		_, mt := at(masked.gen, embed.MaskedSimilarity)
		fmt.Printf("| %.0e | %.0f | %.4f | %.2e (%d) | %.4f | %.2e (%d) | %.4f |\n", f, engine.DefaultIdentifyFAR/f, thr, pf, pi, pt, mf, mi, mt)
	}
}
