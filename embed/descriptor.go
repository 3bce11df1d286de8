package embed

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wajah-id/wajah/nn"
)

// Second face descriptors: the other identity models of human-models, measured as a second
// opinion on the masked path (issue 10; embed/README.md "Masked faces"). MobileFaceNet stays
// the embedding; a Descriptor is run beside it on the same landmarks.

// Descriptor model names (human-models files without ".json").
const (
	DescFaceres     = "faceres"      // HSE FaceRes MobileNet, 224x224 in 0..255; 1024-d global pooling
	DescFaceresDeep = "faceres-deep" // its deeper sibling, same input and output
	DescMobileFace  = "mobileface"   // BecauseofAI MobileFace, 112x112 in 0..255 (normalised in the graph); 256-d
)

// descSpec is how a descriptor model is fed: input side, the output holding the
// descriptor (by name) and its default crop zoom.
type descSpec struct {
	file   string
	side   int
	output string // output name prefix; "" for the model's only output
	dim    int
	zoom   float32
}

// zoom 1 is the ArcFace crop (MobileFaceNet's framing) at the model's side; human feeds
// faceres its face tensor, the detector box enlarged 1.5x and squared, which frames the
// five points about 1.6x looser than ArcFace's template (an MTCNN box is 2.6-3.2 eye-to-mouth
// distances, ArcFace's 112 crop 2.75): so faceres defaults to 1.6.
var descSpecs = map[string]descSpec{
	DescFaceres:     {"faceres.json", 224, "global_pooling", 1024, 1.6},
	DescFaceresDeep: {"faceres-deep.json", 224, "global_pooling", 1024, 1.6},
	DescMobileFace:  {"mobileface.json", 112, "", 256, 1},
}

// Descriptor runs one second face-descriptor model on a similarity-aligned crop.
type Descriptor struct {
	name string
	spec descSpec
	m    runner
	out  int
}

// ParseDescriptorName splits "name" or "name@zoom" (e.g. "faceres@1.0").
func ParseDescriptorName(s string) (name string, zoom float32, err error) {
	name, z, has := strings.Cut(s, "@")
	spec, ok := descSpecs[name]
	if !ok {
		return "", 0, fmt.Errorf("embed: unknown descriptor %q (want %s, %s or %s, optionally @zoom)", name, DescFaceres, DescFaceresDeep, DescMobileFace)
	}
	zoom = spec.zoom
	if has {
		v, err := strconv.ParseFloat(z, 32)
		if err != nil || v < 0.5 || v > 3 {
			return "", 0, fmt.Errorf("embed: descriptor %q: zoom must be a number in [0.5, 3]", s)
		}
		zoom = float32(v)
	}
	return name, zoom, nil
}

// LoadDescriptor loads a descriptor by ParseDescriptorName's syntax.
func LoadDescriptor(s string) (*Descriptor, error) {
	name, zoom, err := ParseDescriptorName(s)
	if err != nil {
		return nil, err
	}
	spec := descSpecs[name]
	spec.zoom = zoom
	m, err := loadTFJS(spec.file)
	if err != nil {
		return nil, err
	}
	out := -1
	for i, o := range m.Outputs() {
		if spec.output == "" || strings.HasPrefix(o.Name, spec.output) {
			out = i
			break
		}
	}
	if out < 0 {
		return nil, fmt.Errorf("embed: %s has no output %s", spec.file, spec.output)
	}
	return &Descriptor{name: name, spec: spec, m: autoRunner{m}, out: out}, nil
}

// ID names the descriptor and its crop, e.g. "faceres@1.60": galleries of different IDs
// must never be compared.
func (ds *Descriptor) ID() string { return fmt.Sprintf("%s@%.2f", ds.name, ds.spec.zoom) }

// Crop is the descriptor's input crop of img for five landmarks (pixels of img): the
// ArcFace alignment scaled to the model's side and zoomed out by the spec's zoom about the
// template's centre.
func (ds *Descriptor) Crop(img *RGB, lm [5]Point) *RGB {
	n := float32(ds.spec.side)
	k := n / AlignSize / ds.spec.zoom
	var dst [5]Point
	for i, t := range arcface112 {
		dst[i] = Point{(t.X-AlignSize/2)*k + n/2, (t.Y-AlignSize/2)*k + n/2}
	}
	return warpAffine(img, similarity(lm[:], dst[:]), ds.spec.side, ds.spec.side)
}

// Describe returns the L2-normalized descriptor of crops made by Crop (one batch).
func (ds *Descriptor) Describe(crops ...*RGB) ([][]float32, error) {
	side := ds.spec.side
	n := side * side * 3
	in := &nn.Tensor{Shape: []int{len(crops), side, side, 3}, Data: make([]float32, len(crops)*n)}
	for i, c := range crops {
		if c.W != side || c.H != side {
			return nil, fmt.Errorf("embed: %s crop is %dx%d, want %d", ds.name, c.W, c.H, side)
		}
		d := in.Data[i*n : (i+1)*n]
		for j, v := range c.Pix {
			d[j] = float32(v) // both models take 0..255
		}
	}
	out, err := ds.m.Run(in)
	if err != nil {
		return nil, fmt.Errorf("embed: %s: %w", ds.name, err)
	}
	o := out[ds.out]
	if len(o.Data) != len(crops)*ds.spec.dim {
		return nil, fmt.Errorf("embed: %s: output has %d values, want %d", ds.name, len(o.Data), len(crops)*ds.spec.dim)
	}
	res := make([][]float32, len(crops))
	for i := range crops {
		res[i] = l2normalize(o.Data[i*ds.spec.dim : (i+1)*ds.spec.dim])
	}
	return res, nil
}

// DescribeFace crops and describes one face of d (landmarks in original pixels, as
// Detect returns them), from the same source image AlignFace samples.
func (ds *Descriptor) DescribeFace(d *Decoded, f *Face) ([]float32, error) {
	src, s := alignSource(d, f)
	var lm [5]Point
	for i, l := range f.Landmarks {
		lm[i] = Point{l.X / s, l.Y / s}
	}
	v, err := ds.Describe(ds.Crop(src, lm))
	if err != nil {
		return nil, err
	}
	return v[0], nil
}
