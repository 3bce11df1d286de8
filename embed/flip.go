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
	emb, in, err := p.EmbedFaceMask(crop)
	return emb, in.Emb, err
}

// EmbedFaceMask is EmbedFace with what the mask heads read of the same run: the crop, its
// plain embedding and its lower-face map (MaskInput).
func (p *Pipeline) EmbedFaceMask(crop *RGB) (emb []float32, in MaskInput, err error) {
	if !p.opts.FlipTTA {
		return p.embedMaskInput(crop)
	}
	mirror := Mirror(crop)
	raw, maps, err := p.embedRaw(crop, mirror)
	if err != nil {
		return nil, MaskInput{}, err
	}
	in = maskInput(crop, raw[:Dim], maps[:lowerMapLen])
	// The mirror's features are the classifier's second look (MaskScore), already paid for.
	mi := maskInput(mirror, raw[Dim:], maps[lowerMapLen:])
	in.mirror = &mi
	sum := make([]float32, Dim)
	for i := range sum {
		sum[i] = raw[i] + raw[Dim+i]
	}
	return l2normalize(sum), in, nil
}

// embedMaskInput runs MobileFaceNet on one crop: its embedding and what the mask heads read.
func (p *Pipeline) embedMaskInput(crop *RGB) ([]float32, MaskInput, error) {
	raw, maps, err := p.embedRaw(crop)
	if err != nil {
		return nil, MaskInput{}, err
	}
	in := maskInput(crop, raw[:Dim], maps[:lowerMapLen])
	return in.Emb, in, nil
}

// embedRaw runs MobileFaceNet on aligned crops in one batch: len(crops) x Dim raw outputs
// and len(crops) x lowerMapLen values of the lower-face map (see lowermap.go).
func (p *Pipeline) embedRaw(crops ...*RGB) (raw, maps []float32, err error) {
	const n = AlignSize * AlignSize * 3
	in := make([]float32, len(crops)*n)
	for i, c := range crops {
		if c.W != AlignSize || c.H != AlignSize {
			return nil, nil, fmt.Errorf("embed: crop is %dx%d, want %d", c.W, c.H, AlignSize)
		}
		d := in[i*n : (i+1)*n]
		for j, v := range c.Pix {
			d[j] = (float32(v) - 127.5) / 128
		}
	}
	out, err := p.mfn.Run(&nn.Tensor{Shape: []int{len(crops), AlignSize, AlignSize, 3}, Data: in})
	if err != nil {
		return nil, nil, fmt.Errorf("mobilefacenet: %w", err)
	}
	if len(out) != 2 || len(out[0].Data) != len(crops)*Dim || len(out[1].Data) != len(crops)*lowerMapLen {
		return nil, nil, fmt.Errorf("mobilefacenet: %d outputs, want the embedding and the lower-face map", len(out))
	}
	return out[0].Data, out[1].Data, nil
}
