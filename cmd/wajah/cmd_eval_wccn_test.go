package main

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// WCCN must undo a nuisance the classes share: people differ along a few axes, and every
// person's images are shifted at random along one strong nuisance axis (a mask's shift).
// Whitened by the within-class covariance, genuine and impostor cosines separate better than
// raw ones; with lam < 0 there is no model and the features pass through unchanged.
func TestFitWCCNRemovesSharedNuisance(t *testing.T) {
	const d, people, perPerson = 8, 60, 6
	rng := rand.New(rand.NewPCG(1, 2))
	fitX, fitCls := wccnSample(rng, d, people, perPerson)
	testX, testCls := wccnSample(rng, d, people, perPerson)
	auc := func(m *embed.Whitening) float64 {
		var gen, imp []float64
		for i := range testX {
			for j := i + 1; j < len(testX); j++ {
				s := float64(embed.Cosine(wccnApply(m, testX[i]), wccnApply(m, testX[j])))
				if testCls[i] == testCls[j] {
					gen = append(gen, s)
				} else {
					imp = append(imp, s)
				}
			}
		}
		a, _, _ := aucTAR(gen, imp)
		return a
	}
	if m := fitWCCN(fitX, fitCls, -1); m != nil {
		t.Fatalf("lam -1 gave a model, want none (the raw cosine)")
	}
	raw, whitened := auc(nil), auc(fitWCCN(fitX, fitCls, 0.1)) // lam is relative to the trace, which the nuisance dominates here
	if whitened < raw+0.2 {
		t.Errorf("AUC raw %.4f, whitened %.4f: WCCN did not remove the shared nuisance", raw, whitened)
	}
	if whitened < 0.95 {
		t.Errorf("whitened AUC %.4f, want >= 0.95 on classes that differ along clean axes", whitened)
	}
}

// wccnSample draws people x perPerson unit features: identity in dims 1..d-1 (small
// spread), a large per-image shift along dim 0.
func wccnSample(rng *rand.Rand, d, people, perPerson int) ([][]float32, []string) {
	var x [][]float32
	var cls []string
	for p := range people {
		c := make([]float64, d)
		for k := 1; k < d; k++ {
			c[k] = rng.NormFloat64()
		}
		for range perPerson {
			v := make([]float32, d)
			v[0] = float32(6 * rng.NormFloat64())
			for k := 1; k < d; k++ {
				v[k] = float32(c[k] + 0.2*rng.NormFloat64())
			}
			x = append(x, v)
			cls = append(cls, fmt.Sprintf("images/p%d", p))
		}
	}
	return x, cls
}

func TestWCCNFitSetsRefuseBadSpecs(t *testing.T) {
	for _, spec := range []string{"train", "/nonexistent/cache.gob", "/nonexistent/cache.gob:/nonexistent/pairs.tsv"} {
		if _, err := wccnFitSets(spec, "id", nil, nil); err == nil {
			t.Errorf("wccnFitSets(%q) with no --train and no such file: no error", spec)
		}
	}
}

func TestWCCNPartWeight(t *testing.T) {
	tests := []struct {
		part, want string
		weight     int
		ok         bool
	}{
		{"/tmp/mp.gob:dev", "/tmp/mp.gob:dev", 1, true},
		{"/tmp/mp.gob:dev*6", "/tmp/mp.gob:dev", 6, true},
		{"train*100", "train", 100, true},
		{"train*0", "", 0, false},
		{"train*101", "", 0, false},
		{"train*x", "", 0, false},
		{"train*", "", 0, false},
	}
	for _, tt := range tests {
		got, w, err := wccnPartWeight(tt.part)
		if (err == nil) != tt.ok {
			t.Errorf("wccnPartWeight(%q) error %v, want ok %v", tt.part, err, tt.ok)
			continue
		}
		if tt.ok && (got != tt.want || w != tt.weight) {
			t.Errorf("wccnPartWeight(%q) = %q, %d; want %q, %d", tt.part, got, w, tt.want, tt.weight)
		}
	}
}

// A weight of K puts every image of its part K times into the fit set, each copy still
// its person's (the scatter counts it K times); the unweighted part once.
func TestWCCNFitSetsWeightCopiesImages(t *testing.T) {
	res := map[string]*imageResult{}
	for _, p := range []string{"images/a/1.jpg", "images/a/2.jpg", "images/b/1.jpg"} {
		res[p] = &imageResult{emb: []float32{1}, extra: &maskedExtra{}}
	}
	train := []pairRow{{a: "images/a/1.jpg", b: "images/a/2.jpg"}, {a: "images/a/1.jpg", b: "images/b/1.jpg"}}
	sets, err := wccnFitSets("train,train*3", "id", res, train)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{3, 9} {
		got := map[string]int{}
		for p := range sets[i].res {
			got[personOf(p)]++
		}
		if len(sets[i].res) != want || got["images/a"] != want*2/3 || got["images/b"] != want/3 {
			t.Errorf("set %q: %d images %v, want %d (two thirds images/a)", sets[i].name, len(sets[i].res), got, want)
		}
		if sets[i].reportHalf {
			t.Errorf("set %q scored on the report half; it has no dev part", sets[i].name)
		}
	}
}

// A domain's first part is scored and fitted on; a further part only fitted on, its images
// of the same path counted once, and keep (the dev half) applies to both.
func TestLoadWCCNDomainFitOnlyParts(t *testing.T) {
	dir := t.TempDir()
	img := func(v float32) *imageResult {
		return &imageResult{emb: []float32{v, 1}, detected: true, extra: &maskedExtra{Templates: [][]float32{{v, 2}}}}
	}
	write := func(name string, res map[string]*imageResult, rows string) string {
		c, p := filepath.Join(dir, name+".gob"), filepath.Join(dir, name+".tsv")
		if err := saveEmbeddings(c, res, embedStats{modelID: "id"}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("path1\tpath2\tsame\n"+rows), 0o644); err != nil {
			t.Fatal(err)
		}
		return c + ":" + p
	}
	scored := write("pairs", map[string]*imageResult{"images/a/m.jpg": img(1), "images/a/u.jpg": img(2), "images/b/u.jpg": img(3)},
		"images/a/m.jpg\timages/a/u.jpg\t1\nimages/a/m.jpg\timages/b/u.jpg\t0\n")
	more := write("more", map[string]*imageResult{"images/a/u.jpg": img(9), "images/a/x.jpg": img(4), "images/b/y.jpg": img(5)},
		"images/a/u.jpg\timages/a/u.jpg\t1\nimages/a/x.jpg\timages/a/x.jpg\t1\nimages/b/y.jpg\timages/b/y.jpg\t1\n")
	notB := func(p string) bool { return personOf(p) != "images/b" }
	d, err := loadWCCNDomain("real", scored+"+"+more, "id", notB)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.probes, []string{"images/a/m.jpg"}) || !slices.Equal(d.enrolled, []string{"images/a/u.jpg"}) {
		t.Errorf("scored probes %v, enrolled %v; want the first part's kept images only", d.probes, d.enrolled)
	}
	if got := slices.Sorted(maps.Keys(d.res)); !slices.Equal(got, []string{"images/a/m.jpg", "images/a/u.jpg"}) {
		t.Errorf("scored images %v", got)
	}
	if got := slices.Sorted(maps.Keys(d.fit)); !slices.Equal(got, []string{"images/a/m.jpg", "images/a/u.jpg", "images/a/x.jpg"}) {
		t.Errorf("fitted images %v, want the first part's and the second's kept new one", got)
	}
	if d.fit["images/a/u.jpg"].emb[0] != 2 {
		t.Errorf("a path in both parts was taken from the second, want the first")
	}
	for _, spec := range []string{scored + "+", scored + "+" + dir, more} {
		if _, err := loadWCCNDomain("real", spec, "id", notB); err == nil {
			t.Errorf("loadWCCNDomain(%q): no error (want: bad part, or a first part with nothing to score)", spec)
		}
	}
}
