package embed

import (
	"fmt"

	"github.com/wajah-id/wajah/nn"
)

// Mirror returns c flipped left to right (a new image).
func Mirror(c *RGB) *RGB {
	m := NewRGB(c.W, c.H)
	row := 3 * c.W
	for y := range c.H {
		src, dst := c.Pix[y*row:(y+1)*row], m.Pix[y*row:(y+1)*row]
		for x := range c.W {
			copy(dst[3*(c.W-1-x):3*(c.W-x)], src[3*x:3*x+3])
		}
	}
	return m
}

// EmbedFace returns the embedding of one aligned crop and the crop's own (un-augmented)
// embedding. With Options.FlipTTA the crop and its mirror run as one batch of two and the
// embedding is their raw outputs summed, then L2-normalized (insightface's flip test);
// plain stays the crop's alone, which is what the mask classifier was trained on. Without
// FlipTTA both are the same slice.
func (p *Pipeline) EmbedFace(crop *RGB) (emb, plain []float32, err error) {
	if !p.opts.FlipTTA {
		e, err := p.EmbedCrops(crop)
		if err != nil {
			return nil, nil, err
		}
		return e[0], e[0], nil
	}
	raw, err := p.embedRaw(crop, Mirror(crop))
	if err != nil {
		return nil, nil, err
	}
	sum := make([]float32, Dim)
	for i := range sum {
		sum[i] = raw[i] + raw[Dim+i]
	}
	return l2normalize(sum), l2normalize(raw[:Dim]), nil
}

// embedRaw runs MobileFaceNet on aligned crops in one batch: len(crops) x Dim raw outputs.
func (p *Pipeline) embedRaw(crops ...*RGB) ([]float32, error) {
	const n = AlignSize * AlignSize * 3
	in := make([]float32, len(crops)*n)
	for i, c := range crops {
		if c.W != AlignSize || c.H != AlignSize {
			return nil, fmt.Errorf("embed: crop is %dx%d, want %d", c.W, c.H, AlignSize)
		}
		d := in[i*n : (i+1)*n]
		for j, v := range c.Pix {
			d[j] = (float32(v) - 127.5) / 128
		}
	}
	out, err := p.mfn.Run(&nn.Tensor{Shape: []int{len(crops), AlignSize, AlignSize, 3}, Data: in})
	if err != nil {
		return nil, fmt.Errorf("mobilefacenet: %w", err)
	}
	if e := out[0]; len(e.Data) != len(crops)*Dim {
		return nil, fmt.Errorf("mobilefacenet: output shape %v", e.Shape)
	}
	return out[0].Data, nil
}
