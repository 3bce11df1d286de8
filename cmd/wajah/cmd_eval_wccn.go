package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
)

// A trained masked head, measured and not shipped (embed/README.md "Trained heads"):
// within-class covariance normalisation (WCCN) of a per-image feature, learned on the dev
// half of masked-pairs (classes = people, masked and unmasked images together, so the
// mask's shift counts as within-class variation), scored as the cosine of the whitened
// features: x -> L^-1 (x - mean), with L L^T = Sw + lam * tr(Sw)/d * I. lam is chosen on
// the dev half split again by person (train on one part, score the other, both ways);
// the report half only reports. The fit is the shipped head's (embed/train.Whitening).

// wccnFeature is one candidate feature of an image.
type wccnFeature struct {
	name string
	of   func(r *imageResult) []float32
}

var wccnFeatures = []wccnFeature{
	{"plain", func(r *imageResult) []float32 { return r.emb }},
	{"overlay mean", func(r *imageResult) []float32 { return meanTemplate(r.extra.Templates) }},
	{"upper face", func(r *imageResult) []float32 { return r.extra.Upper }},
	{"plain + overlay mean", func(r *imageResult) []float32 {
		return append(unitVec32(r.emb), unitVec32(meanTemplate(r.extra.Templates))...)
	}},
}

var wccnLambdas = []float64{-1, 0.1, 0.3, 1, 3} // -1: no whitening (the raw cosine)

// fitWCCN learns the whitening (train.Whitening) from features x of classes cls; nil for
// lam < 0, which wccnApply takes as no whitening.
func fitWCCN(x [][]float32, cls []string, lam float64) *embed.Whitening {
	if lam < 0 || len(x) == 0 {
		return nil
	}
	w := train.Whitening(x, cls, lam)
	return &w
}

// wccnApply is the whitened unit feature, or the unit feature itself for no model.
func wccnApply(m *embed.Whitening, x []float32) []float32 {
	if m == nil {
		return unitVec32(x)
	}
	return m.Apply(x)
}

func unitVec32(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	s = math.Sqrt(max(s, 1e-24))
	o := make([]float32, len(v))
	for i, x := range v {
		o[i] = float32(float64(x) / s)
	}
	return o
}

// wccnScores scores every masked probe of probes against every image of gallery with the
// whitened feature (each image whitened once): genuine and impostor scores.
func wccnScores(res map[string]*imageResult, m *embed.Whitening, f wccnFeature, probes, gallery []string) (gen, imp []float64) {
	w := map[*imageResult][]float32{}
	for _, p := range append(append([]string(nil), probes...), gallery...) {
		w[res[p]] = wccnApply(m, f.of(res[p]))
	}
	return maskedProbeScores(res, probes, gallery, func(a, b *imageResult) float64 {
		return float64(embed.Cosine(w[a], w[b]))
	})
}

// pick keeps the paths of v that keep accepts.
func pick(v []string, keep func(string) bool) []string {
	var o []string
	for _, p := range v {
		if keep(p) {
			o = append(o, p)
		}
	}
	return o
}

// maskedProbeScores scores every probe the classifier calls masked (>= 0.5) against every
// image of gallery: genuine and impostor scores, by personOf.
func maskedProbeScores(res map[string]*imageResult, probes, gallery []string, score func(a, b *imageResult) float64) (gen, imp []float64) {
	for _, a := range probes {
		if res[a].extra.MaskScore < 0.5 {
			continue
		}
		for _, b := range gallery {
			s := score(res[a], res[b])
			if personOf(a) == personOf(b) {
				gen = append(gen, s)
			} else {
				imp = append(imp, s)
			}
		}
	}
	return gen, imp
}

// aucTAR is the AUC and TAR at FAR 1e-2 and 1e-3 of genuine against impostor scores.
func aucTAR(gen, imp []float64) (auc, t2, t3 float64) {
	s := append([]float64(nil), imp...)
	sort.Float64s(s)
	var wins float64
	for _, g := range gen {
		wins += float64(sort.SearchFloat64s(s, g)) // impostors strictly below (ties count 0)
	}
	auc = wins / float64(max(len(gen)*len(imp), 1))
	tar := func(far float64) float64 {
		thr := scoreAtFAR(imp, far)
		n := 0
		for _, g := range gen {
			if g > thr {
				n++
			}
		}
		return evalRatio(n, len(gen))
	}
	return auc, tar(1e-2), tar(1e-3)
}

// reportWCCN prints the WCCN candidates (`eval pairs --masked --all-pairs`).
func reportWCCN(res map[string]*imageResult, probes, gallery []string) {
	fit := func(imgs []string, f wccnFeature, lam float64) *embed.Whitening {
		var x [][]float32
		var cls []string
		for _, p := range imgs {
			x = append(x, f.of(res[p]))
			cls = append(cls, personOf(p))
		}
		return fitWCCN(x, cls, lam)
	}
	all := append(append([]string(nil), probes...), gallery...)
	dev := func(p string) bool { return anchorHalf(p) == 0 }
	rep := func(p string) bool { return anchorHalf(p) == 1 }
	fmt.Println("\ntrained head: WCCN on masked-pairs dev half, masked probes vs enrolment images (--all-pairs)")
	fmt.Println("| feature | lam | dev 2-fold AUC | dev TAR@1e-2 | report AUC | report TAR@1e-2 | report TAR@1e-3 | report impostors |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, f := range wccnFeatures {
		for _, lam := range wccnLambdas {
			var da, dt float64
			for part := range 2 {
				in := func(p string) bool { return dev(p) && wccnFold(p) == part }
				out := func(p string) bool { return dev(p) && wccnFold(p) != part }
				m := fit(pick(all, in), f, lam)
				g, i := wccnScores(res, m, f, pick(probes, out), pick(gallery, out))
				a, t2, _ := aucTAR(g, i)
				da, dt = da+a/2, dt+t2/2
			}
			m := fit(pick(all, dev), f, lam)
			g, i := wccnScores(res, m, f, pick(probes, rep), pick(gallery, rep))
			a, t2, t3 := aucTAR(g, i)
			fmt.Printf("| %s | %.1f | %.4f | %.4f | %.4f | %.4f | %.4f | %d |\n", f.name, lam, da, dt, a, t2, t3, len(i))
		}
	}
}
