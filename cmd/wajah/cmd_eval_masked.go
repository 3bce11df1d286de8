package main

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/roc"
)

// maskedExtra is what `eval pairs --masked` keeps per image besides the embedding: the
// upper-face embedding, the masked-template embeddings (embed/maskmatch.go) and the mask
// classifier's probability.
type maskedExtra struct {
	Upper     []float32
	Templates [][]float32
	MaskScore float32
}

// embedImage aligns and embeds one face into res (and the masked-matching extras).
func embedImage(p *embed.Pipeline, d *embed.Decoded, f *embed.Face, res *imageResult, extras bool) error {
	d, err := p.Finer(context.Background(), d, f) // a small face in a reduced JPEG decode
	if err != nil {
		return err
	}
	crop := p.AlignFace(d, f)
	e, mi, err := p.EmbedFaceMask(crop)
	if err != nil {
		return err
	}
	res.emb, res.lm = e, f.Landmarks
	if !extras {
		return nil
	}
	x := &maskedExtra{}
	if m := p.MaskModel(); m != nil {
		if x.MaskScore, err = p.MaskScore(m, mi); err != nil {
			return err
		}
	}
	if a := p.Options().Experimental.MaskedAlign; x.MaskScore >= 0.5 && a != embed.MaskedAlignFive {
		// As the pipeline does for a face it calls masked (Experimental.MaskedAlign).
		if crop, err = p.AlignMasked(d, f); err != nil {
			return err
		}
		if res.emb, _, err = p.EmbedFace(crop); err != nil {
			return err
		}
	}
	up, err := p.EmbedCrops(embed.UpperFace(crop))
	if err != nil {
		return err
	}
	x.Upper = up[0]
	if x.Templates, err = p.MaskedTemplates(crop); err != nil {
		return err
	}
	if evalOverlayRounds > 1 {
		var more []*embed.RGB
		for r := 1; r < evalOverlayRounds; r++ {
			for i, st := range embed.DevMaskStyles {
				more = append(more, embed.MaskCrop(crop, st, overlaySeed(r, i)))
			}
		}
		t, err := p.EmbedCrops(more...)
		if err != nil {
			return err
		}
		x.Templates = append(x.Templates, t...)
	}
	res.extra = x
	return nil
}

// evalOverlayRounds (`eval pairs --overlay-rounds N`, a measurement, not a pipeline option):
// every image gets N rounds of DevMaskStyles overlays, round 0 the shipped MaskedTemplates,
// rounds >= 1 the same styles drawn with other seeds (other colours, folds, seams), so that
// MaskedScore averages 3N style-by-style cosines instead of 3.
var evalOverlayRounds = 1

// overlaySeed is round r's seed for style i (r >= 1; the shipped round has its own).
func overlaySeed(r, i int) uint64 { return 0x6f766c79<<8 + uint64(r)<<4 + uint64(i) }

// maskedVariant scores a pair: a is the probe (path1, the masked side of the dev sets), b
// the enrolment.
type maskedVariant struct {
	name  string
	score func(a, b *imageResult) float64
}

func meanTemplate(t [][]float32) []float32 {
	m := make([]float32, len(t[0]))
	for _, v := range t {
		for i, x := range v {
			m[i] += x
		}
	}
	var s float64
	for _, x := range m {
		s += float64(x) * float64(x)
	}
	n := float32(math.Sqrt(max(s, 1e-12)))
	for i := range m {
		m[i] /= n
	}
	return m
}

// overlayMean: both faces with the same synthetic masks drawn over them, style by style.
func overlayMean(a, b *imageResult) float64 {
	var s float64
	for k := range a.extra.Templates {
		s += float64(embed.Cosine(a.extra.Templates[k], b.extra.Templates[k]))
	}
	return s / float64(len(a.extra.Templates))
}

var maskedVariants = []maskedVariant{
	{"plain", func(a, b *imageResult) float64 { return float64(embed.Cosine(a.emb, b.emb)) }},
	{"templates (max)", func(a, b *imageResult) float64 {
		return float64(embed.BestCosine(a.emb, b.extra.Templates))
	}},
	{"plain+templates (max)", func(a, b *imageResult) float64 {
		return float64(max(embed.Cosine(a.emb, b.emb), embed.BestCosine(a.emb, b.extra.Templates)))
	}},
	{"templates (mean)", func(a, b *imageResult) float64 {
		return float64(embed.Cosine(a.emb, meanTemplate(b.extra.Templates)))
	}},
	{"upper face", func(a, b *imageResult) float64 { return float64(embed.Cosine(a.extra.Upper, b.extra.Upper)) }},
	{"fuse: templates(max)+upper", func(a, b *imageResult) float64 {
		return (float64(embed.BestCosine(a.emb, b.extra.Templates)) + float64(embed.Cosine(a.extra.Upper, b.extra.Upper))) / 2
	}},
	{"overlay: same style, mean", func(a, b *imageResult) float64 {
		var s float64
		for k := range a.extra.Templates {
			s += float64(embed.Cosine(a.extra.Templates[k], b.extra.Templates[k]))
		}
		return s / float64(len(a.extra.Templates))
	}},
	{"overlay: same style, max", func(a, b *imageResult) float64 {
		best := float32(-1)
		for k := range a.extra.Templates {
			best = max(best, embed.Cosine(a.extra.Templates[k], b.extra.Templates[k]))
		}
		return float64(best)
	}},
	{"overlay: mean embeddings", func(a, b *imageResult) float64 {
		return float64(embed.Cosine(meanTemplate(a.extra.Templates), meanTemplate(b.extra.Templates)))
	}},
	{"fuse: overlay mean + templates mean", func(a, b *imageResult) float64 {
		return (overlayMean(a, b) + float64(embed.Cosine(a.emb, meanTemplate(b.extra.Templates)))) / 2
	}},
	{"fuse: overlay mean + plain", func(a, b *imageResult) float64 {
		return (overlayMean(a, b) + float64(embed.Cosine(a.emb, b.emb))) / 2
	}},
	{"fuse: 0.35 overlay mean + 0.65 plain", func(a, b *imageResult) float64 {
		return 0.35*overlayMean(a, b) + 0.65*float64(embed.Cosine(a.emb, b.emb))
	}},
	{"fuse: 0.65 overlay mean + 0.35 plain", func(a, b *imageResult) float64 {
		return 0.65*overlayMean(a, b) + 0.35*float64(embed.Cosine(a.emb, b.emb))
	}},
	{"fuse: overlay mean + plain + templates mean", func(a, b *imageResult) float64 {
		return (overlayMean(a, b) + float64(embed.Cosine(a.emb, b.emb)) + float64(embed.Cosine(a.emb, meanTemplate(b.extra.Templates)))) / 3
	}},
	{"fuse: overlay mean + upper", func(a, b *imageResult) float64 {
		return (overlayMean(a, b) + float64(embed.Cosine(a.extra.Upper, b.extra.Upper))) / 2
	}},
	{"classifier: masked probe -> templates(max)", func(a, b *imageResult) float64 {
		if a.extra.MaskScore >= 0.5 {
			return float64(embed.BestCosine(a.emb, b.extra.Templates))
		}
		return float64(embed.Cosine(a.emb, b.emb))
	}},
	{deployedVariant, deployedScore},
	{deployedVariant + ", without the masked head", deployedScoreNoHead},
}

// deployedVariant is what engine.Verify does, on the API scale: the classifier picks the
// path, the masked path scores embed.MaskedScore of the faces through the pipeline's head
// (deployedMaskedScore) through embed.MaskedSimilarity.
const deployedVariant = "deployed: classifier picks the path (API scale)"

func deployedScore(a, b *imageResult) float64 {
	if evalWhitened.head == nil {
		return deployedScoreNoHead(a, b)
	}
	if a.extra.MaskScore >= 0.5 {
		return embed.MaskedSimilarity(deployedMaskedScore(a, b))
	}
	return embed.Similarity(embed.Cosine(a.emb, b.emb))
}

// deployedScoreNoHead is deployedScore as it was before the masked path had a head.
func deployedScoreNoHead(a, b *imageResult) float64 {
	if a.extra.MaskScore >= 0.5 {
		return embed.MaskedNoHeadSimilarity(embed.MaskedScore(a.emb, a.extra.Templates, b.emb, b.extra.Templates))
	}
	return embed.Similarity(embed.Cosine(a.emb, b.emb))
}

// evalWhitened takes faces through the masked head of the pipeline eval runs (none until
// the pipeline is made).
var evalWhitened = newWhitenedFaces(nil)

// deployedMaskedScore is the masked path's raw score as the engine computes it
// (engine.maskedBestIn): embed.MaskedScore of both faces taken through the head.
func deployedMaskedScore(a, b *imageResult) float32 { return float32(evalWhitened.score(a, b)) }

// whitenedFaces keeps each image's embedding and overlays in a masked head's space, as the
// pipeline's MaskedWhiten gives them (unchanged without a head, or for another width),
// since all-pairs scores each image thousands of times.
type whitenedFaces struct {
	head *embed.MaskedHead
	m    sync.Map // *imageResult -> whitenedFace
}

type whitenedFace struct {
	v        []float32
	overlays [][]float32
}

func newWhitenedFaces(head *embed.MaskedHead) *whitenedFaces { return &whitenedFaces{head: head} }

func (w *whitenedFaces) face(r *imageResult) whitenedFace {
	if f, ok := w.m.Load(r); ok {
		return f.(whitenedFace)
	}
	f := whitenedFace{r.emb, r.extra.Templates}
	if w.head != nil {
		if v, o := w.head.Whiten(r.emb, r.extra.Templates); v != nil {
			f = whitenedFace{v, o}
		}
	}
	w.m.Store(r, f)
	return f
}

// score is embed.MaskedScore of a and b in the head's space.
func (w *whitenedFaces) score(a, b *imageResult) float64 {
	fa, fb := w.face(a), w.face(b)
	return float64(embed.MaskedScore(fa.v, fa.overlays, fb.v, fb.overlays))
}

// deployedAt is --deployed-at: a further API similarity the deployed rule is reported at.
var deployedAt float64

// reportMasked prints one line per masked-matching variant: the threshold and FAR-1e-3
// cosine chosen on train (or 10-fold on the test pairs), test accuracy, AUC, TAR@FAR.
func reportMasked(res map[string]*imageResult, train, test []pairRow, folds bool) {
	score := func(rows []pairRow, v maskedVariant) []roc.Labeled {
		l := make([]roc.Labeled, 0, len(rows))
		for _, r := range rows {
			a, b := res[r.a], res[r.b]
			if a.emb == nil || b.emb == nil || a.extra == nil || b.extra == nil {
				l = append(l, roc.Labeled{Score: -1, Same: r.same})
				continue
			}
			l = append(l, roc.Labeled{Score: v.score(a, b), Same: r.same})
		}
		return l
	}
	var masked, n int
	for _, r := range test {
		if x := res[r.a].extra; x != nil {
			n++
			if x.MaskScore >= 0.5 {
				masked++
			}
		}
	}
	fmt.Printf("\nmasked matching (probe = path1): classifier says masked for %d of %d probes\n", masked, n)
	fmt.Println("| variant | train acc | train TAR@FAR1e-3 | train cos@FAR1e-3 | test acc | test AUC | TAR@FAR1e-2 | TAR@FAR1e-3 |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, v := range maskedVariants {
		ts := score(test, v)
		trAcc, trTAR, trCos, acc := math.NaN(), math.NaN(), math.NaN(), math.NaN()
		switch {
		case train != nil:
			tr := score(train, v)
			var thr float64
			thr, trAcc = roc.BestThreshold(tr)
			trTAR, trCos, _ = roc.TARAtFAR(tr, 1e-3)
			acc = roc.Accuracy(ts, thr)
		case folds:
			fold := make([]int, len(test))
			for i, r := range test {
				fold[i] = r.fold
			}
			acc, _ = roc.TenFold(ts, fold)
		}
		t2, _, _ := roc.TARAtFAR(ts, 1e-2)
		t3, _, _ := roc.TARAtFAR(ts, 1e-3)
		fmt.Printf("| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", v.name, trAcc, trTAR, trCos, acc, roc.AUC(ts), t2, t3)
		if v.name == deployedVariant {
			_, _, far, n := acceptedAt(ts, 0.75)
			fmt.Printf("deployed at similarity >= 0.75: accuracy %.4f, FAR %.4f (%d of %d different-person pairs)\n", roc.Accuracy(ts, 0.75), evalRatio(far, n), far, n)
			if deployedAt > 0 {
				fmt.Printf("deployed at similarity >= %.4f: accuracy %.4f\n", deployedAt, roc.Accuracy(ts, deployedAt))
			}
		}
	}
}
