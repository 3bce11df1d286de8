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

// SampleVersion names how MaskSample picks and prepares the face; feature caches are keyed
// by it. 2: the central face (1, before 2026-12-07: the largest).
const SampleVersion = 2

// MaskSample prepares one mask training or evaluation image: the central detected face
// (PickCentral; or the template fallback when none is found, detected false) as the mask
// heads see it. Central, not largest: every source's label is about the face in the middle
// (crops are cut around it; synth-mask draws on the central face of an LFW photo), and a
// larger bystander would be read under the wrong label.
func MaskSample(ctx context.Context, p *embed.Pipeline, img *embed.RGB) (in embed.MaskInput, detected bool, err error) {
	d := p.Prepare(img)
	faces, err := p.Detect(ctx, d)
	if err != nil {
		return embed.MaskInput{}, false, err
	}
	f := embed.TemplateFace(img.W, img.H)
	if i := PickCentral(faces, d.Full.W, d.Full.H); i >= 0 {
		f, detected = faces[i], true
	}
	_, in, err = p.EmbedFaceMask(p.AlignFace(d, &f))
	if err != nil {
		return embed.MaskInput{}, false, err
	}
	return in, detected, nil
}
