package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tflite"
)

// Dim is the embedding length of MobileFaceNet.
const Dim = 192

// Options configure a Pipeline; zero fields take the documented defaults.
type Options struct {
	// ModelsDir is the folder of the fetched model files; default models.Dir()
	// ($WAJAH_MODELS, else .models at the module root).
	ModelsDir string

	Limits Limits // encoded bytes, pixels and side; default 24 MiB, 50 MP, 12000 px

	// WorkSide: decoded images whose longer side exceeds it are box-filtered down to it
	// before detection (default 1280). Boxes, landmarks and face sizes are reported in the
	// pixels of the original image regardless.
	WorkSide int

	// DecodeSide: a JPEG is decoded straight to the smallest DCT scale (1/2, 1/4, 1/8) whose
	// longer side is still >= DecodeSide (default 640), so detection runs on 640 to 1279
	// pixels and never needs the shrink to WorkSide: 1920x1080 is decoded at 1/2, 4000x3000
	// at 1/4, 8000x6000 at 1/8. A face too small in that decode for a sharp 112x112 crop
	// (eye-mouth < 48 decoded pixels) is aligned from a second, finer decode (finer.go).
	DecodeSide int

	// MaxDecodeBytes bounds the decode memory (DecodeCost) that concurrent Extract and Faces
	// calls hold at once; a call that does not fit waits until its context ends (ErrBusy).
	// 0: unbounded.
	MaxDecodeBytes int64

	// MinFaceSize is the quality gate (413): eye-midpoint to mouth-midpoint distance in
	// pixels of the decoded image. Default 40: the aligned 112x112 crop places the eyes 40.7
	// px above the mouth, so a smaller face is upsampled into the crop and the embedding sees
	// no detail it could use. LFW faces (about 45-50 px) pass; see embed/README.md.
	MinFaceSize float32

	// The smallest face box MTCNN searches for, in working pixels. It follows the gate: 1.3
	// x MinFaceSize in decoded pixels (an MTCNN box measures 2.6 to 3.2 times the
	// eye-to-mouth distance), so faces down to about half the gate size are found and
	// refused as too small (413) rather than missing (412), and no pyramid level is spent
	// on smaller ones; never below MinDetect (default 20).
	MinDetect int

	// MultiFaceRatio: at enrolment, a second face at least this fraction of the largest
	// face's size makes the photo ambiguous (414). Default 0.7.
	MultiFaceRatio float32

	// Detector picks the first stage: DetectorMTCNN (default: pnet/rnet/onet),
	// DetectorBlazeFace (blazeface-back proposals, landmarks from two ONet passes) or
	// DetectorFullRange (MediaPipe's full-range detector's proposals, the same ONet passes)
	// or DetectorFaceBoxes (FaceBoxes' proposals, the same).
	// See embed/README.md for the measurement behind the default.
	Detector string

	// NoMask skips the mask classifier. NoLiveness skips the liveness score (Face.Liveness
	// stays 0 and Face.LivenessScored false); by default the built-in liveness head
	// (livemodel/, chosen by `wajah eval liveness`, see embed/README.md) scores every
	// completed face.
	NoMask     bool
	NoLiveness bool

	// FlipTTA embeds the aligned crop and its mirror image and uses their normalized sum
	// (one extra MobileFaceNet run per face); see EmbedFace and embed/README.md.
	FlipTTA bool

	// Precision of the embedding model (MobileFaceNet): PrecisionFP32 (default) or
	// PrecisionBF16 (nn.BF16: bfloat16 products, float32 sums, on CPUs with AVX512_BF16;
	// New refuses it elsewhere) or PrecisionAuto (bf16 where the CPU has it, else fp32,
	// decided at start-up). The resolved precision is part of ModelID. Measured accuracy:
	// embed/README.md. The detectors always run float32.
	Precision string

	// Experimental: switches for measurements only (experimental.go); zero when serving.
	Experimental Experimental
}

func (o Options) withDefaults() Options {
	o.Limits = o.Limits.withDefaults()
	if o.WorkSide <= 0 {
		o.WorkSide = 1280
	}
	if o.DecodeSide <= 0 {
		o.DecodeSide = 640
	}
	if o.MinFaceSize <= 0 {
		o.MinFaceSize = 40
	}
	if o.MinDetect <= 0 {
		o.MinDetect = 20
	}
	if o.MultiFaceRatio <= 0 {
		o.MultiFaceRatio = 0.7
	}
	if o.Detector == "" {
		o.Detector = DetectorMTCNN
	}
	if o.ModelsDir == "" {
		o.ModelsDir = models.Dir()
	}
	o.Experimental = o.Experimental.withDefaults()
	switch o.Precision {
	case "":
		o.Precision = PrecisionFP32
	case PrecisionAuto:
		o.Precision = autoPrecision()
	}
	return o
}

// Detector names for Options.Detector.
const (
	DetectorMTCNN     = "mtcnn"
	DetectorBlazeFace = "blazeface"
	DetectorFullRange = "fullrange" // MediaPipe's full-range detector, measured, not the default
	DetectorFaceBoxes = "faceboxes" // FaceBoxes (faceboxes.go), measured, not the default
)

// boxPerFaceSize: the detector searches boxes down to this multiple of MinFaceSize.
const boxPerFaceSize = 1.3

// Pipeline turns image bytes into embedded faces. It is safe for concurrent use.
type Pipeline struct {
	opts       Options
	id         string // ModelID(opts)
	det        *mtcnn
	blaze      proposer   // nil unless Options.Detector is a proposal first stage (not MTCNN)
	short      *blazeface // nil unless Options.Experimental.ShortRange > 0 (tight.go)
	mfn        runner
	mask       *MaskModel
	maskDetail *MaskModel      // masker_detail head (maskdetail.go); nil: no detail
	faceness   *MaskModel      // the tight-crop floor's face test (faceness.go); nil: floor off
	maskedHead *MaskedHead     // the masked path's trained head (maskedhead.go); nil: none
	adm        *admission      // nil: unbounded
	live       *liveScorer     // nil with NoLiveness
	mesh       *meshLandmarker // Experimental.MaskedAlign facemesh only
}

// New loads the models from Options.ModelsDir and returns a ready pipeline.
func New(opts Options) (*Pipeline, error) {
	opts = opts.withDefaults()
	if err := opts.Experimental.validate(); err != nil {
		return nil, err
	}
	load := func(name string) (*nn.Model, error) {
		path, err := models.PathIn(opts.ModelsDir, name)
		if err != nil {
			return nil, err
		}
		var extra []string
		if name == "MobileFaceNet.tflite" {
			extra = []string{lowerMapTensor} // the mask heads' map as a second output
		}
		m, err := tflite.LoadWithOutputs(path, extra...)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		return m, nil
	}
	var ms [4]*nn.Model
	for i, n := range []string{"pnet.tflite", "rnet.tflite", "onet.tflite", "MobileFaceNet.tflite"} {
		m, err := load(n)
		if err != nil {
			return nil, err
		}
		ms[i] = m
	}
	var err error
	if ms[3], err = withPrecision(ms[3], opts.Precision); err != nil {
		return nil, err
	}
	p := &Pipeline{opts: opts, id: ModelID(opts), det: newMTCNN(ms[0], ms[1], ms[2]), mfn: autoRunner{ms[3]}, adm: newAdmission(opts.MaxDecodeBytes)}
	for i, t := range opts.Experimental.MTCNNThresholds {
		if t > 0 {
			p.det.thr[i] = t
		}
	}
	switch opts.Detector {
	case DetectorMTCNN:
	case DetectorBlazeFace, DetectorFullRange:
		spec := blazeBack
		if opts.Detector == DetectorFullRange {
			spec = blazeFull
		}
		if p.blaze, err = loadBlazeFace(opts.ModelsDir, spec); err != nil {
			return nil, err
		}
	case DetectorFaceBoxes:
		if p.blaze, err = loadFaceboxes(opts.ModelsDir); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("embed: unknown detector %q (want %q, %q, %q or %q)", opts.Detector, DetectorMTCNN, DetectorBlazeFace, DetectorFullRange, DetectorFaceBoxes)
	}
	if opts.Experimental.ShortRange > 0 {
		if p.short, err = loadBlazeFace(opts.ModelsDir, blazeShort); err != nil {
			return nil, err
		}
	}
	if p.faceness, err = DefaultFacenessModel(); err != nil && !errors.Is(err, ErrNoMaskModel) {
		return nil, err
	}
	if !opts.NoMask {
		m, err := DefaultMaskModel()
		if err != nil && !errors.Is(err, ErrNoMaskModel) {
			return nil, err
		}
		p.mask = m
		if m != nil {
			d, err := DefaultMaskDetailModel()
			if err != nil && !errors.Is(err, ErrNoMaskModel) {
				return nil, err
			}
			p.maskDetail = d
			if !opts.Experimental.NoMaskedHead {
				if p.maskedHead, err = DefaultMaskedHead(); err != nil && !errors.Is(err, ErrNoMaskModel) {
					return nil, err
				}
			}
		}
	}
	if opts.Experimental.MaskedAlign == MaskedAlignFacemesh {
		if p.mesh, err = loadMeshLandmarker(); err != nil {
			return nil, err
		}
	}
	if !opts.NoLiveness {
		l, err := newLiveScorer()
		if err != nil {
			return nil, err
		}
		p.live = l
	}
	return p, nil
}

// Options returns the effective options (defaults filled in).
func (p *Pipeline) Options() Options { return p.opts }

// ModelID implements engine.Embedder: ModelID of the pipeline's options.
func (p *Pipeline) ModelID() string { return p.id }

// Dim implements engine.Embedder.
func (p *Pipeline) Dim() int { return Dim }

// Similarity implements engine.Embedder; see similarity.go.
func (p *Pipeline) Similarity(cos float32) float64 { return Similarity(cos) }

// Decoded is an upright image and its working copy for detection.
type Decoded struct {
	Full  *RGB    // as decoded: the original, or a JPEG reduced by DCT scaling
	Work  *RGB    // Full, or Full shrunk to WorkSide
	Scale float32 // Full pixels per Work pixel (>= 1)
	Orig  float32 // original pixels per Full pixel (1, 2, 4 or 8; 0 reads as 1)

	src []byte // the encoded image when Full is a reduced JPEG decode (for finer.go), else nil
}

// Size is the upright image's size in original pixels, the frame Face boxes and landmarks
// are in (within Orig-1 pixels: a reduced decode rounds its sides up).
func (d *Decoded) Size() (w, h int) {
	o := int(d.orig())
	return d.Full.W * o, d.Full.H * o
}

// orig is original pixels per Full pixel.
func (d *Decoded) orig() float32 {
	if d.Orig <= 0 {
		return 1
	}
	return d.Orig
}

// Decode decodes and orients image bytes and prepares the working copy.
func (p *Pipeline) Decode(data []byte) (*Decoded, error) {
	img, s, err := DecodeReduced(data, p.opts.Limits, p.opts.DecodeSide)
	if err != nil {
		return nil, err
	}
	d := p.Prepare(img)
	d.Orig = float32(s)
	if s > 1 {
		d.src = data
	}
	return d, nil
}

// Prepare wraps an already decoded full-size image.
func (p *Pipeline) Prepare(img *RGB) *Decoded {
	w := shrinkTo(img, p.opts.WorkSide)
	return &Decoded{Full: img, Work: w, Scale: float32(img.W) / float32(w.W), Orig: 1}
}

// Detect finds all faces (box, landmarks, score, size and pose; no embedding), largest
// first.
func (p *Pipeline) Detect(ctx context.Context, d *Decoded) ([]Face, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var boxes []mbox
	var err error
	if p.blaze != nil {
		boxes, err = p.det.detectBlaze(p.blaze, d.Work, p.minBox(d))
	} else {
		boxes, err = p.det.detect(d.Work, p.minBox(d))
	}
	if err == nil && len(boxes) == 0 && !p.opts.Experimental.NoTightFallback {
		boxes, err = p.detectTight(d.Work, p.minBox(d)) // tight.go
	}
	if err != nil {
		return nil, err
	}
	return p.toFaces(d, boxes), nil
}

// toFaces turns detected boxes in d's working image into Faces in original pixels,
// largest first.
func (p *Pipeline) toFaces(d *Decoded, boxes []mbox) []Face {
	s := d.Scale * d.orig() // original pixels per working pixel
	faces := make([]Face, 0, len(boxes))
	for _, b := range boxes {
		f := Face{
			Box:   Rect{float32(b.x0) * s, float32(b.y0) * s, float32(b.x1+1) * s, float32(b.y1+1) * s},
			Score: b.score,
		}
		for j, l := range b.lm {
			f.Landmarks[j] = Point{l.X * s, l.Y * s}
		}
		f.Quality.FaceSize = faceSize(f.Landmarks)
		f.Quality.Yaw, f.Quality.Pitch = pose(f.Landmarks)
		faces = append(faces, f)
	}
	sort.SliceStable(faces, func(i, j int) bool { return faces[i].Quality.FaceSize > faces[j].Quality.FaceSize })
	return faces
}

// minBox is the smallest face box searched in d's working image (see Options.MinDetect).
func (p *Pipeline) minBox(d *Decoded) int {
	if f := p.opts.Experimental.DetectFrac; f > 0 {
		return max(p.opts.MinDetect, int(f*float32(min(d.Work.W, d.Work.H))))
	}
	return max(p.opts.MinDetect, int(boxPerFaceSize*p.opts.MinFaceSize/(d.Scale*d.orig())))
}

// AlignFace returns the 112x112 aligned crop of f. It samples the working image when the
// face is large enough there (cheaper, already antialiased) and the full image otherwise.
func (p *Pipeline) AlignFace(d *Decoded, f *Face) *RGB {
	src, s := alignSource(d, f)
	var lm [5]Point
	for i, l := range f.Landmarks {
		lm[i] = Point{l.X / s, l.Y / s}
	}
	return Align(src, lm)
}

// alignSource picks the image AlignFace samples and the original pixels per pixel of it
// (Full may itself be a reduced JPEG decode).
func alignSource(d *Decoded, f *Face) (*RGB, float32) {
	o := d.orig()
	if d.Work != d.Full && f.Quality.FaceSize/(d.Scale*o) >= 48 {
		return d.Work, d.Scale * o
	}
	return d.Full, o
}

// EmbedCrops runs MobileFaceNet on aligned crops in one batch and returns L2-normalized
// embeddings (no flip augmentation; see EmbedFace).
func (p *Pipeline) EmbedCrops(crops ...*RGB) ([][]float32, error) {
	raw, _, err := p.embedRaw(crops...)
	if err != nil {
		return nil, err
	}
	res := make([][]float32, len(crops))
	for i := range crops {
		res[i] = l2normalize(raw[i*Dim : (i+1)*Dim])
	}
	return res, nil
}

// l2normalize returns v / max(|v|, 1e-10) as MyUtil.l2Normalize does, in a new slice.
func l2normalize(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := float32(math.Sqrt(max(s, 1e-10)))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x / n
	}
	return out
}

// Cosine of two L2-normalized vectors.
func Cosine(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Complete fills in the embedding, blur, exposure, mask and liveness of a detected face.
func (p *Pipeline) Complete(ctx context.Context, d *Decoded, f *Face) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := p.Finer(ctx, d, f) // Extract and Faces did this under admission already
	if err != nil {
		return err
	}
	crop := p.AlignFace(d, f)
	f.Quality.Blur, f.Quality.Exposure = blurExposure(crop)
	emb, mi, err := p.EmbedFaceMask(crop)
	if err != nil {
		return err
	}
	f.Embedding, f.aligned = emb, crop
	if p.mask != nil {
		if f.MaskScore, err = p.MaskScore(p.mask, mi); err != nil {
			return err
		}
		f.Masked = f.MaskScore >= 0.5
		f.MaskDetail = maskDetail(p.maskDetail, f.Masked, mi)
	}
	if p.live != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		l, err := p.live.score(d, f, crop)
		if err != nil {
			return err
		}
		f.Liveness, f.LivenessScored = l, true
	}
	return nil
}

// choose applies the quality gate to detected faces (largest first).
func (p *Pipeline) choose(faces []Face, opts ExtractOptions) (Face, error) {
	if len(faces) == 0 {
		return Face{}, ErrNoFace
	}
	f := faces[0]
	if opts.Purpose == PurposeEnroll && len(faces) > 1 && faces[1].Quality.FaceSize >= p.opts.MultiFaceRatio*f.Quality.FaceSize {
		return Face{}, fmt.Errorf("%w: %d faces, the second %.0f%% as large", ErrMultipleFaces, len(faces),
			100*faces[1].Quality.FaceSize/f.Quality.FaceSize)
	}
	if f.Quality.FaceSize < p.opts.MinFaceSize && !(opts.Purpose == PurposeEnroll && opts.Force) {
		return Face{}, fmt.Errorf("%w: %.0f px < %.0f px", ErrFaceTooSmall, f.Quality.FaceSize, p.opts.MinFaceSize)
	}
	return f, nil
}

// Extract decodes image bytes and returns the one face the purpose asks for: the largest
// for verification; at enrolment the largest unless another is similarly large (414). A
// face below MinFaceSize is refused (413) unless Force at enrolment.
func (p *Pipeline) Extract(ctx context.Context, image []byte, opts ExtractOptions) (Face, error) {
	release, err := p.admit(ctx, image)
	if err != nil {
		return Face{}, err
	}
	defer func() { release() }()
	d, err := p.Decode(image)
	if err != nil {
		return Face{}, err
	}
	faces, err := p.DetectFor(ctx, d, opts.Purpose) // coarse.go
	if err != nil {
		return Face{}, err
	}
	f, err := p.choose(faces, opts)
	if err != nil {
		return Face{}, err
	}
	if d, release, err = p.finer(ctx, image, d, f.Quality.FaceSize, release); err != nil { // finer.go
		return Face{}, err
	}
	if err := p.Complete(ctx, d, &f); err != nil {
		return Face{}, err
	}
	if err := p.completeMasked(d, &f, opts.Purpose); err != nil { // maskmatch.go
		return Face{}, err
	}
	return f, nil
}

// admit waits for image's decode memory under Options.MaxDecodeBytes.
func (p *Pipeline) admit(ctx context.Context, image []byte) (func(), error) {
	if p.adm == nil {
		return func() {}, nil
	}
	return p.adm.acquire(ctx, decodeCost(image, p.opts.Limits, p.opts.DecodeSide, p.opts.WorkSide, 0))
}

// Faces returns every detected face, embedded, largest first; no quality gate.
func (p *Pipeline) Faces(ctx context.Context, image []byte) ([]Face, error) {
	release, err := p.admit(ctx, image)
	if err != nil {
		return nil, err
	}
	defer func() { release() }()
	d, err := p.Decode(image)
	if err != nil {
		return nil, err
	}
	faces, err := p.Detect(ctx, d)
	if err != nil {
		return nil, err
	}
	if len(faces) > 0 { // one finer decode, at the scale the smallest face needs
		if d, release, err = p.finer(ctx, image, d, faces[len(faces)-1].Quality.FaceSize, release); err != nil {
			return nil, err
		}
	}
	for i := range faces {
		if err := p.Complete(ctx, d, &faces[i]); err != nil {
			return nil, err
		}
	}
	return faces, nil
}
