package embed

import "context"

// alignMinFace: a face is aligned from an image in which its eye-mouth distance is at least
// this many pixels (AlignFace's rule between the working and the decoded image). The
// aligned 112x112 crop places 40.7 px there, so from such a source the warp shrinks and
// sees all the detail the embedding can use; from a smaller one it enlarges a blur.
const alignMinFace = 48

// finerScale is the JPEG scale a face of size original pixels (eye-mouth) needs when the
// current decode is at 1/orig: the coarsest s < orig with size/s >= alignMinFace, else 1;
// 0 when the current decode already suffices.
func finerScale(orig int, size float32) int {
	if orig <= 1 || size/float32(orig) >= alignMinFace {
		return 0
	}
	for s := orig / 2; s > 1; s /= 2 {
		if size/float32(s) >= alignMinFace {
			return s
		}
	}
	return 1
}

// finer returns d when its decoded image is fine enough to align a face of size original
// pixels (eye-mouth), else a Decoded whose Full is a second, finer JPEG decode of image (at
// finerScale) and whose Work is still d's, so the working image and the detected boxes
// stay as they are. Detection needs far fewer pixels than a sharp crop of a small face:
// this is what lets DecodeSide be small without blurring the embedding.
//
// Under Options.MaxDecodeBytes it gives up the permit release stands for and waits for one
// covering both decodes, holding none while it waits (two requests each holding a permit
// and waiting for more could otherwise wait on each other until their contexts end); d's
// pixels stay allocated meanwhile, at most one coarse decode per waiting request beyond the
// budget. It returns the release to call once, in place of release. With release nil it
// decodes without admission (Complete, for callers that decode and detect themselves).
func (p *Pipeline) finer(ctx context.Context, image []byte, d *Decoded, size float32, release func()) (*Decoded, func(), error) {
	s := finerScale(int(d.orig()), size)
	if s == 0 {
		return d, release, nil
	}
	if p.adm != nil && release != nil {
		cost := decodeCost(image, p.opts.Limits, p.opts.DecodeSide, p.opts.WorkSide, 0) +
			decodeCost(image, p.opts.Limits, p.opts.DecodeSide, 1<<30, s) // never shrunk
		release()
		var err error
		if release, err = p.adm.acquire(ctx, cost); err != nil {
			return nil, func() {}, err
		}
	}
	img, _, err := decodeJPEGAt(image, p.opts.Limits, s)
	if err != nil {
		return nil, release, err
	}
	fd := &Decoded{Full: img, Work: d.Work, Scale: float32(img.W) / float32(d.Work.W), Orig: float32(s)}
	if s > 1 {
		fd.src = image
	}
	return fd, release, nil
}

// Finer returns the Decoded to align f from: d, or when f is too small in d's reduced JPEG
// decode for a sharp crop, a finer decode of the same image (finer; no admission). For
// callers that decode, detect and align themselves (evaluations); Complete calls it.
func (p *Pipeline) Finer(ctx context.Context, d *Decoded, f *Face) (*Decoded, error) {
	if d.src == nil {
		return d, nil
	}
	fd, _, err := p.finer(ctx, d.src, d, f.Quality.FaceSize, nil)
	return fd, err
}
