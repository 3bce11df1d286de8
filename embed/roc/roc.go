// Package roc computes verification metrics over scored pairs (accuracy at a threshold
// chosen on other pairs, ROC AUC, TAR at a FAR) and draws the ROC curve and the score
// histograms as PNG. Conventions follow tools/tflite-eval/common.py so that numbers compare
// with the reference measurement.
package roc

import (
	"math"
	"sort"
)

// Labeled is one scored pair.
type Labeled struct {
	Score float64
	Same  bool
}

func counts(p []Labeled) (pos, neg int) {
	for _, x := range p {
		if x.Same {
			pos++
		} else {
			neg++
		}
	}
	return
}

// BestThreshold returns the threshold maximizing accuracy (same if score >= thr), placed
// midway between neighbouring scores, and that accuracy.
func BestThreshold(p []Labeled) (thr, acc float64) {
	if len(p) == 0 {
		return 0, 0
	}
	s := sorted(p)
	_, neg := counts(p)
	best := float64(neg) / float64(len(s)) // accept nothing
	thr = s[0].Score + 1e-6
	sweep(s, func(k, tp, fp int) {
		a := float64(tp+neg-fp) / float64(len(s))
		if a > best {
			best = a
			if k+1 < len(s) {
				thr = (s[k].Score + s[k+1].Score) / 2
			} else {
				thr = s[k].Score - 1e-6
			}
		}
	})
	return thr, best
}

// sweep lowers the threshold through s (sorted by descending score) and calls at once per
// distinct score, at its last index k, with the same (tp) and different (fp) pairs
// accepted at that score.
func sweep(s []Labeled, at func(k, tp, fp int)) {
	tp, fp := 0, 0
	for k := range s {
		if s[k].Same {
			tp++
		} else {
			fp++
		}
		if k+1 < len(s) && s[k+1].Score == s[k].Score {
			continue
		}
		at(k, tp, fp)
	}
}

// sorted returns a copy by descending score (stable).
func sorted(p []Labeled) []Labeled {
	s := append([]Labeled(nil), p...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Score > s[j].Score })
	return s
}

// Accuracy at a fixed threshold (same if score >= thr).
func Accuracy(p []Labeled, thr float64) float64 {
	if len(p) == 0 {
		return 0
	}
	ok := 0
	for _, x := range p {
		if (x.Score >= thr) == x.Same {
			ok++
		}
	}
	return float64(ok) / float64(len(p))
}

// AUC is the area under the ROC curve (Mann-Whitney, ties counted half).
func AUC(p []Labeled) float64 {
	pos, neg := counts(p)
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	s := append([]Labeled(nil), p...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Score < s[j].Score })
	var rankPos float64
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j].Score == s[i].Score {
			j++
		}
		r := float64(i+1+j) / 2 // average rank of the tie group, 1-based
		for k := i; k < j; k++ {
			if s[k].Same {
				rankPos += r
			}
		}
		i = j
	}
	return (rankPos - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}

// TARAtFAR returns the true accept rate at the strictest threshold that lets at most
// floor(far * negatives) different pairs through (accept if score > thr), the threshold, and
// the FAR actually reached.
func TARAtFAR(p []Labeled, far float64) (tar, thr, farActual float64) {
	var pos, neg []float64
	for _, x := range p {
		if x.Same {
			pos = append(pos, x.Score)
		} else {
			neg = append(neg, x.Score)
		}
	}
	if len(pos) == 0 || len(neg) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(neg)))
	k := int(math.Floor(far * float64(len(neg))))
	thr = math.Inf(-1)
	if k < len(neg) {
		thr = neg[k]
	}
	a, f := 0, 0
	for _, v := range pos {
		if v > thr {
			a++
		}
	}
	for _, v := range neg {
		if v > thr {
			f++
		}
	}
	return float64(a) / float64(len(pos)), thr, float64(f) / float64(len(neg))
}

// Point is one ROC point.
type Point struct{ FAR, TAR, Threshold float64 }

// Curve returns the ROC curve from (0,0) to (1,1), one point per distinct score.
func Curve(p []Labeled) []Point {
	pos, neg := counts(p)
	s := sorted(p)
	out := []Point{{0, 0, math.Inf(1)}}
	sweep(s, func(k, tp, fp int) {
		out = append(out, Point{float64(fp) / float64(max(neg, 1)), float64(tp) / float64(max(pos, 1)), s[k].Score})
	})
	return out
}

// TenFold is LFW's protocol: for each fold, the best threshold on the other folds is
// applied to it; returns the mean and standard deviation of the fold accuracies.
func TenFold(p []Labeled, fold []int) (mean, std float64) {
	ids := map[int]bool{}
	for _, f := range fold {
		ids[f] = true
	}
	var accs []float64
	for id := range ids {
		var train, test []Labeled
		for i, x := range p {
			if fold[i] == id {
				test = append(test, x)
			} else {
				train = append(train, x)
			}
		}
		thr, _ := BestThreshold(train)
		accs = append(accs, Accuracy(test, thr))
	}
	for _, a := range accs {
		mean += a
	}
	mean /= float64(len(accs))
	for _, a := range accs {
		std += (a - mean) * (a - mean)
	}
	return mean, math.Sqrt(std / float64(len(accs)))
}
