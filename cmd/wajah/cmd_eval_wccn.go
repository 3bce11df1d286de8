package main

import (
	"fmt"
	"math"
	"sort"
)

// A trained masked head, measured and not shipped (embed/README.md "Trained heads"):
// within-class covariance normalisation (WCCN) of a per-image feature, learned on the dev
// half of masked-pairs (classes = people, masked and unmasked images together, so the
// mask's shift counts as within-class variation), scored as the cosine of the whitened
// features: x -> L^-1 (x - mean), with L L^T = Sw + lam * tr(Sw)/d * I. lam is chosen on
// the dev half split again by person (train on one part, score the other, both ways);
// the report half only reports. The Cholesky factor and triangular solve are written out
// (the module has no linear-algebra dependency and needs none elsewhere: 20 lines).

// wccnFeature is one candidate feature of an image.
type wccnFeature struct {
	name string
	of   func(r *imageResult) []float64
}

func unit64(v []float32) []float64 {
	o := make([]float64, len(v))
	var s float64
	for i, x := range v {
		o[i] = float64(x)
		s += o[i] * o[i]
	}
	s = math.Sqrt(max(s, 1e-12))
	for i := range o {
		o[i] /= s
	}
	return o
}

var wccnFeatures = []wccnFeature{
	{"plain", func(r *imageResult) []float64 { return unit64(r.emb) }},
	{"overlay mean", func(r *imageResult) []float64 { return unit64(meanTemplate(r.extra.Templates)) }},
	{"upper face", func(r *imageResult) []float64 { return unit64(r.extra.Upper) }},
	{"plain + overlay mean", func(r *imageResult) []float64 {
		return append(unit64(r.emb), unit64(meanTemplate(r.extra.Templates))...)
	}},
}

var wccnLambdas = []float64{-1, 0.1, 0.3, 1, 3} // -1: no whitening (the raw cosine)

type wccnModel struct {
	l  [][]float64
	mu []float64
}

// fitWCCN learns the whitening from features x of classes cls; nil for lam < 0.
func fitWCCN(x [][]float64, cls []string, lam float64) *wccnModel {
	if lam < 0 || len(x) == 0 {
		return nil
	}
	d := len(x[0])
	mu := make([]float64, d)
	sum, cnt := map[string][]float64{}, map[string]float64{}
	for k, v := range x {
		m := sum[cls[k]]
		if m == nil {
			m = make([]float64, d)
			sum[cls[k]] = m
		}
		for i := range v {
			m[i] += v[i]
			mu[i] += v[i] / float64(len(x))
		}
		cnt[cls[k]]++
	}
	s := make([][]float64, d)
	for i := range s {
		s[i] = make([]float64, d)
	}
	var n float64
	r := make([]float64, d)
	for k, v := range x {
		c := cnt[cls[k]]
		if c < 2 {
			continue
		}
		n++
		for i := range v {
			r[i] = v[i] - sum[cls[k]][i]/c
		}
		for i := range r {
			for j := range r {
				s[i][j] += r[i] * r[j]
			}
		}
	}
	var tr float64
	for i := range s {
		for j := range s {
			s[i][j] /= max(n, 1)
		}
		tr += s[i][i]
	}
	for i := range s {
		s[i][i] += lam * tr / float64(d)
	}
	l := make([][]float64, d)
	for i := range l {
		l[i] = make([]float64, d)
		for j := 0; j <= i; j++ {
			v := s[i][j]
			for k := 0; k < j; k++ {
				v -= l[i][k] * l[j][k]
			}
			if i == j {
				l[i][i] = math.Sqrt(max(v, 1e-12))
			} else {
				l[i][j] = v / l[j][j]
			}
		}
	}
	return &wccnModel{l: l, mu: mu}
}

func (m *wccnModel) apply(x []float64) []float64 {
	if m == nil {
		return x
	}
	y := make([]float64, len(x))
	var s2 float64
	for i := range x {
		s := x[i] - m.mu[i]
		for k := 0; k < i; k++ {
			s -= m.l[i][k] * y[k]
		}
		y[i] = s / m.l[i][i]
		s2 += y[i] * y[i]
	}
	s2 = math.Sqrt(max(s2, 1e-12))
	for i := range y {
		y[i] /= s2
	}
	return y
}

// wccnScores scores every masked probe (classifier >= 0.5) of probes against every image of
// gallery with the whitened feature: genuine and impostor scores.
func wccnScores(res map[string]*imageResult, m *wccnModel, f wccnFeature, probes, gallery []string) (gen, imp []float64) {
	g := make([][]float64, len(gallery))
	for i, b := range gallery {
		g[i] = m.apply(f.of(res[b]))
	}
	for _, a := range probes {
		if res[a].extra.MaskScore < 0.5 {
			continue
		}
		pa := m.apply(f.of(res[a]))
		for i, b := range gallery {
			var s float64
			for k := range pa {
				s += pa[k] * g[i][k]
			}
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
	sub := func(p string) int { // the dev half split again by person: another hash bit
		return int(fnvOf(personOf(p))>>9) & 1
	}
	pick := func(v []string, keep func(string) bool) []string {
		var o []string
		for _, p := range v {
			if keep(p) {
				o = append(o, p)
			}
		}
		return o
	}
	fit := func(imgs []string, f wccnFeature, lam float64) *wccnModel {
		var x [][]float64
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
				in := func(p string) bool { return dev(p) && sub(p) == part }
				out := func(p string) bool { return dev(p) && sub(p) != part }
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
