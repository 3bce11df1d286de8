package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/wajah-id/wajah/embed"
)

var (
	// ErrPresentationAttack: passive liveness scored the face below the liveness threshold
	// (a printed photo, a screen); enrol, verify and identify refuse it and change nothing
	// (418).
	ErrPresentationAttack = errors.New("presentation attack suspected")
	// ErrNoLivenessScore: liveness is on but the embedder computed no liveness score for the
	// face (an embedder built without its liveness model); fails closed (500).
	ErrNoLivenessScore = errors.New("liveness is on but the embedder scored no liveness")
)

// LivenessOptions configure the presentation-attack gate. The zero value is on, at
// embed.DefaultLivenessThreshold.
type LivenessOptions struct {
	// Off disables the gate: faces are accepted whatever their liveness score.
	Off bool
	// Threshold: a face whose Face.Liveness is below it is refused with
	// ErrPresentationAttack. Default embed.DefaultLivenessThreshold (chosen on spoof-dev;
	// see embed/README.md); in (0, 1].
	Threshold float64
}

func (o LivenessOptions) withDefaults() LivenessOptions {
	if o.Threshold == 0 {
		o.Threshold = embed.DefaultLivenessThreshold
	}
	return o
}

func (o LivenessOptions) validate() error {
	if o.Threshold <= 0 || o.Threshold > 1 {
		return fmt.Errorf("%w: Liveness.Threshold %v not in (0,1]", ErrInvalid, o.Threshold)
	}
	return nil
}

// extractLive is Embedder.Extract followed by the liveness gate: enrol, verify and identify
// extract through it, so that a presentation attack is refused before anything is searched
// or stored.
func (e *Engine) extractLive(ctx context.Context, image []byte, opts embed.ExtractOptions) (embed.Face, error) {
	f, err := e.emb.Extract(ctx, image, opts)
	if err != nil {
		return f, err
	}
	return f, e.checkLiveness(&f)
}

// checkLiveness refuses a face scored below the threshold.
func (e *Engine) checkLiveness(f *embed.Face) error {
	o := e.opts.Liveness
	switch {
	case o.Off:
		return nil
	case !f.LivenessScored:
		return ErrNoLivenessScore
	case float64(f.Liveness) < o.Threshold:
		return fmt.Errorf("%w: liveness %.3f < %.3f", ErrPresentationAttack, f.Liveness, o.Threshold)
	}
	return nil
}
