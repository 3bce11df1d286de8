package engine

import "math"

// Calibrated 1:N and duplicate thresholds.
//
// A 1:1 threshold t has a per-comparison false-match rate f = P(impostor cosine >= t).
// Identify compares a probe with all N faces of a gallery, so an unenrolled visitor is
// falsely matched with probability 1-(1-f)^N, about N*f. To keep that at a configured
// FAR whatever N is, identify uses the per-comparison rate
//
//	f(N) = 1 - (1-FAR)^(1/N)
//
// and the threshold is the impostor score at that rate: the (1-f(N)) quantile of the
// impostor cosine distribution. The distribution was measured on every cross-identity pair
// of LFW View 1's images with the real pipeline (calibration_table.go records the count and
// the command); where f(N) is smaller than the data can resolve, the table holds a tail
// fitted to the measured upper tail (see cmd/wajah/cmd_eval_calibrate.go). The duplicate
// check at enrolment uses the same table at DefaultDuplicateFAR.

// calibPoint: P(impostor cosine >= Cos) = 10^LogFAR.
type calibPoint struct{ LogFAR, Cos float64 }

// calibTable is one embedding model's impostor survival curve, LogFAR decreasing (and
// Cos increasing) from row to row.
type calibTable struct {
	Pairs  int64   // impostor pairs measured
	Fitted float64 // rows with LogFAR below this come from the fitted tail
	Points []calibPoint
}

// PerComparisonFAR is f(N) = 1-(1-far)^(1/n), computed without cancellation.
func PerComparisonFAR(far float64, n int) float64 {
	if n <= 1 {
		return far
	}
	return -math.Expm1(math.Log1p(-far) / float64(n))
}

// CalibratedCosine is the impostor cosine with per-comparison false-match rate far for the
// embedding model, interpolated linearly in log10(far) and clamped to the table's range;
// ok is false for a model without a table.
func CalibratedCosine(model string, far float64) (cos float32, ok bool) {
	t, ok := calibTables[model]
	if !ok || len(t.Points) == 0 || !(far > 0) {
		return 0, false
	}
	lf := math.Log10(far)
	p := t.Points
	switch {
	case lf >= p[0].LogFAR:
		return float32(p[0].Cos), true
	case lf <= p[len(p)-1].LogFAR:
		return float32(p[len(p)-1].Cos), true
	}
	for i := 1; i < len(p); i++ {
		if lf >= p[i].LogFAR {
			a, b := p[i-1], p[i]
			w := (lf - a.LogFAR) / (b.LogFAR - a.LogFAR)
			return float32(a.Cos + w*(b.Cos-a.Cos)), true
		}
	}
	return float32(p[len(p)-1].Cos), true
}

// ImpostorPairs is how many impostor pairs the model's table was measured on (0: none).
func ImpostorPairs(model string) int64 { return calibTables[model].Pairs }

// identifyThreshold is the similarity a hit must reach in g: the request's (floored)
// threshold, raised to the calibrated threshold for the gallery's size.
func (e *Engine) identifyThreshold(g *gallery, thr float64) float64 {
	n := g.index().Len()
	cos, ok := CalibratedCosine(g.rec.ModelID, PerComparisonFAR(e.opts.IdentifyFAR, max(n, 1)))
	if !ok {
		return thr
	}
	return max(thr, e.emb.Similarity(cos))
}

// duplicateThreshold is the similarity above which a face in g counts as a duplicate.
func (e *Engine) duplicateThreshold(g *gallery) float64 {
	if e.opts.DuplicateThreshold > 0 {
		return e.opts.DuplicateThreshold
	}
	if cos, ok := CalibratedCosine(g.rec.ModelID, DefaultDuplicateFAR); ok {
		return e.emb.Similarity(cos)
	}
	return e.opts.Threshold
}
