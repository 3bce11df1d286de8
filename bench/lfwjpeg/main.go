// Command lfwjpeg compares the pipeline on LFW pairs with two JPEG decoders: internal/jpeg
// (what the pipeline uses) and image/jpeg + embed.FromImage (what it used before). Per
// image: pixel difference between the two decodes and the cosine between the two
// embeddings; per pair: the score change and the pairs whose decision flips at the given
// cosine thresholds and at the API's similarity 0.75. It answers whether an accuracy change
// between the decoders is systematic or a few borderline pairs moved by rounding.
// Usage: flock /tmp/wajah-bench.lock go run ./bench/lfwjpeg -pairs .../pairs_test.tsv -root .../lfw-view1
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/train"
)

type result struct {
	emb      [2][]float32
	meanDiff float64
	maxDiff  int
}

func main() {
	pairsPath := flag.String("pairs", "", "pairs file (path1, path2, same)")
	root := flag.String("root", "", "image root")
	thrs := flag.String("thr", "0.4247,0.4305", "cosine thresholds to count decision flips at")
	flag.Parse()
	p, err := embed.New(embed.Options{MinDetect: 12, NoMask: true, Experimental: embed.Experimental{DetectFrac: 0.2}})
	if err != nil {
		fail(err)
	}
	f, err := os.Open(*pairsPath)
	if err != nil {
		fail(err)
	}
	type pair struct {
		a, b string
		same bool
	}
	var pairs []pair
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 3 || (c[2] != "0" && c[2] != "1") {
			continue
		}
		pairs = append(pairs, pair{c[0], c[1], c[2] == "1"})
	}
	f.Close()
	res := map[string]*result{}
	ctx := context.Background()
	embedOne := func(d *embed.Decoded) []float32 {
		faces, err := p.Detect(ctx, d)
		if err != nil {
			fail(err)
		}
		i := train.PickCentral(faces, d.Full.W, d.Full.H)
		if i < 0 {
			return nil
		}
		e, _, err := p.EmbedFace(p.AlignFace(d, &faces[i]))
		if err != nil {
			fail(err)
		}
		return e
	}
	var diffs, coss []float64
	maxPix, undetected := 0, 0
	for _, pr := range pairs {
		for _, q := range []string{pr.a, pr.b} {
			if res[q] != nil {
				continue
			}
			data, err := os.ReadFile(filepath.Join(*root, q))
			if err != nil {
				fail(err)
			}
			ours, err := p.Decode(data)
			if err != nil {
				fail(err)
			}
			std, err := stdjpeg.Decode(bytes.NewReader(data))
			if err != nil {
				fail(err)
			}
			theirs := p.Prepare(embed.FromImage(std))
			r := &result{}
			var sum int
			for i, v := range ours.Full.Pix {
				d := int(v) - int(theirs.Full.Pix[i])
				if d < 0 {
					d = -d
				}
				sum += d
				r.maxDiff = max(r.maxDiff, d)
			}
			r.meanDiff = float64(sum) / float64(len(ours.Full.Pix))
			r.emb[0], r.emb[1] = embedOne(ours), embedOne(theirs)
			res[q] = r
			diffs = append(diffs, r.meanDiff)
			maxPix = max(maxPix, r.maxDiff)
			if r.emb[0] == nil || r.emb[1] == nil {
				undetected++
				continue
			}
			c := float64(embed.Cosine(r.emb[0], r.emb[1]))
			coss = append(coss, c)
			if c < 0.95 {
				f0, f1 := faceList(p, ours), faceList(p, theirs)
				fmt.Printf("  %s: embedding cosine %.4f between decodes; faces ours %s; image/jpeg %s\n", q, c, f0, f1)
			}
		}
	}
	sort.Float64s(diffs)
	sort.Float64s(coss)
	fmt.Printf("images %d; pixel |diff| per image: mean of means %.4f, median %.4f, worst mean %.4f, max %d levels\n",
		len(diffs), avg(diffs), diffs[len(diffs)/2], diffs[len(diffs)-1], maxPix)
	fmt.Printf("embedding cosine ours vs image/jpeg: min %.5f, 1st pct %.5f, median %.5f (%d images with a miss in either)\n",
		coss[0], coss[len(coss)/100], coss[len(coss)/2], undetected)
	var deltas []float64
	var ts []float64
	for _, s := range strings.Split(*thrs, ",") {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fail(err)
		}
		ts = append(ts, v)
	}
	flips := make([]int, len(ts)+1)
	right := [2][]int{make([]int, len(ts)+1), make([]int, len(ts)+1)}
	scored := 0
	for _, pr := range pairs {
		ra, rb := res[pr.a], res[pr.b]
		if ra.emb[0] == nil || rb.emb[0] == nil || ra.emb[1] == nil || rb.emb[1] == nil {
			continue
		}
		scored++
		s0 := float64(embed.Cosine(ra.emb[0], rb.emb[0]))
		s1 := float64(embed.Cosine(ra.emb[1], rb.emb[1]))
		deltas = append(deltas, abs(s0-s1))
		for k := 0; k <= len(ts); k++ {
			acc0, acc1 := s0 >= at(ts, k, p), s1 >= at(ts, k, p)
			if k == len(ts) {
				acc0, acc1 = p.Similarity(float32(s0)) >= 0.75, p.Similarity(float32(s1)) >= 0.75
			}
			if acc0 == pr.same {
				right[0][k]++
			}
			if acc1 == pr.same {
				right[1][k]++
			}
			if acc0 != acc1 {
				flips[k]++
				fmt.Printf("  flip at %s: %s %s same=%v cos ours %.4f image/jpeg %.4f\n", name(ts, k), pr.a, pr.b, pr.same, s0, s1)
			}
		}
	}
	sort.Float64s(deltas)
	fmt.Printf("pairs scored %d; |score change|: mean %.5f, median %.5f, max %.5f\n", scored, avg(deltas), deltas[len(deltas)/2], deltas[len(deltas)-1])
	for k := 0; k <= len(ts); k++ {
		fmt.Printf("threshold %s: accuracy ours %.4f, image/jpeg %.4f, decisions differing %d\n", name(ts, k),
			float64(right[0][k])/float64(scored), float64(right[1][k])/float64(scored), flips[k])
	}
}

// faceList describes the detections and which one PickCentral takes.
func faceList(p *embed.Pipeline, d *embed.Decoded) string {
	faces, err := p.Detect(context.Background(), d)
	if err != nil {
		return err.Error()
	}
	i := train.PickCentral(faces, d.Full.W, d.Full.H)
	s := fmt.Sprintf("%d, picked %d:", len(faces), i)
	for _, f := range faces {
		s += fmt.Sprintf(" [box %v eyes %.1f,%.1f %.1f,%.1f]", f.Box, f.Landmarks[0].X, f.Landmarks[0].Y, f.Landmarks[1].X, f.Landmarks[1].Y)
	}
	return s
}

func at(ts []float64, k int, _ *embed.Pipeline) float64 {
	if k < len(ts) {
		return ts[k]
	}
	return 0
}

func name(ts []float64, k int) string {
	if k < len(ts) {
		return fmt.Sprintf("cos %.4f", ts[k])
	}
	return "similarity 0.75"
}

func avg(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(len(v), 1))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "lfwjpeg:", err)
	os.Exit(1)
}
