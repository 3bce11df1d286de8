package train

import (
	"context"

	"github.com/wajah-id/wajah/embed"
)

// PickCentral chooses the face an evaluation protocol means in a centred dataset image
// (LFW): the largest box area minus twice the squared distance of its centre from the image
// centre, insightface's rule and the reference measurement's. It returns -1 for none.
func PickCentral(faces []embed.Face, w, h int) int {
	best, bv := -1, -1e18
	for i, f := range faces {
		area := float64(f.Box.X1-f.Box.X0) * float64(f.Box.Y1-f.Box.Y0)
		dx := float64(f.Box.X0+f.Box.X1)/2 - float64(w)/2
		dy := float64(f.Box.Y0+f.Box.Y1)/2 - float64(h)/2
		if v := area - 2*(dx*dx+dy*dy); v > bv {
			best, bv = i, v
		}
	}
	return best
}

// MaskSample prepares one mask training or evaluation image: the largest detected face (or
// the template fallback when none is found, detected false) as the mask heads see it.
func MaskSample(ctx context.Context, p *embed.Pipeline, img *embed.RGB) (in embed.MaskInput, detected bool, err error) {
	d := p.Prepare(img)
	faces, err := p.Detect(ctx, d)
	if err != nil {
		return embed.MaskInput{}, false, err
	}
	f := embed.TemplateFace(img.W, img.H)
	if len(faces) > 0 {
		f, detected = faces[0], true
	}
	_, in, err = p.EmbedFaceMask(p.AlignFace(d, &f))
	if err != nil {
		return embed.MaskInput{}, false, err
	}
	return in, detected, nil
}
