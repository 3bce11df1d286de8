package embed

import (
	"fmt"

	"github.com/wajah-id/wajah/nn"
)

const spoofInput = 256

// liveness runs FaceAntiSpoofing.tflite as FaceAntiSpoofing.kt does: the face box scaled to
// 256x256, RGB/255; the spoof score is sum(|class_i| * leafMask_i) (the Kotlin code calls a
// face fake above 0.2). We report 1 - score clamped to [0,1], higher meaning live.
func (p *Pipeline) liveness(d *Decoded, f *Face) (float32, error) {
	img, o := d.Full, d.orig() // the box is in original pixels
	x0, y0 := max(0, int(f.Box.X0/o)), max(0, int(f.Box.Y0/o))
	x1, y1 := min(img.W, int(f.Box.X1/o)), min(img.H, int(f.Box.Y1/o))
	if x1-x0 < 2 || y1-y0 < 2 {
		return 0, nil
	}
	crop := NewRGB(spoofInput, spoofInput)
	resizeBilinearInto(img, x0, y0, x1-x0, y1-y0, crop)
	in := &nn.Tensor{Shape: []int{1, spoofInput, spoofInput, 3}, Data: make([]float32, len(crop.Pix))}
	for i, v := range crop.Pix {
		in.Data[i] = float32(v) / 255
	}
	out, err := p.spoof.Run(in)
	if err != nil {
		return 0, fmt.Errorf("antispoof: %w", err)
	}
	if len(out) < 2 || len(out[p.spoofClass].Data) != 8 || len(out[p.spoofLeaf].Data) != 8 {
		return 0, fmt.Errorf("antispoof: unexpected outputs")
	}
	var score float32
	for i := 0; i < 8; i++ {
		c := out[p.spoofClass].Data[i]
		if c < 0 {
			c = -c
		}
		score += c * out[p.spoofLeaf].Data[i]
	}
	return max(0, min(1, 1-score)), nil
}
