package engine

import (
	"errors"

	"github.com/wajah-id/wajah/embed"
)

// A masked probe is matched against a masked enrolment only through what both masks leave
// visible, and that is not enough: measured (embed/README.md "Masked against masked") on
// masked-pairs' real masks, 549 masked-vs-masked pairs, the deployed rule at 0.75 lets 84 of
// 400 different-person pairs through (FAR 21%; TAR@FAR1e-2 0.28), and on LFW View 1 with a
// synthetic mask on both sides 8 of 500 (1.6%, against the 1e-3 that 0.75 means). So by
// default an enrolment photo the mask classifier calls masked is refused before anything is
// stored, and the visitor is asked for an unmasked one; masked probes then always meet
// unmasked templates, the path the masked anchor was calibrated on.

// ErrMaskedEnrolment: the enrolment photo's face wears a mask (Options.MaskedEnrolment
// refuse). HTTP code 419.
var ErrMaskedEnrolment = errors.New("masked face at enrolment: enrol a photo without a mask")

// Masked-enrolment policies (Options.MaskedEnrolment).
const (
	MaskedEnrolRefuse = "refuse"
	MaskedEnrolAllow  = "allow"
)

// maskedEnrolGate refuses a masked enrolment face under MaskedEnrolRefuse.
func (e *Engine) maskedEnrolGate(f embed.Face) error {
	if f.Masked && e.opts.MaskedEnrolment == MaskedEnrolRefuse {
		return ErrMaskedEnrolment
	}
	return nil
}
