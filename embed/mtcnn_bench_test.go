package embed

import (
	"context"
	"testing"
)

// BenchmarkMTCNNStages splits detection on a 640x480 photo into its three nets.
func BenchmarkMTCNNStages(b *testing.B) {
	p := testPipeline(b)
	data := benchPhoto(b, 640, 480)
	d, err := p.Decode(data)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Detect(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	img, minBox := d.Work, p.minBox(d)
	boxes, err := p.det.stagePNet(img, minBox)
	if err != nil {
		b.Fatal(err)
	}
	squareLimit(boxes, img.W, img.H)
	rb, err := p.det.stageRNet(img, append([]mbox(nil), boxes...))
	if err != nil {
		b.Fatal(err)
	}
	squareLimit(rb, img.W, img.H)
	b.Logf("min box %d px, pnet keeps %d boxes, rnet %d", minBox, len(boxes), len(rb))
	b.Run("pnet", func(b *testing.B) {
		for b.Loop() {
			p.det.stagePNet(img, minBox)
		}
	})
	b.Run("rnet", func(b *testing.B) {
		for b.Loop() {
			p.det.stageRNet(img, append([]mbox(nil), boxes...))
		}
	})
	b.Run("onet", func(b *testing.B) {
		for b.Loop() {
			p.det.stageONet(img, append([]mbox(nil), rb...))
		}
	})
}
