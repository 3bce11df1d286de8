package embed

import (
	"errors"
	"fmt"

	"github.com/wajah-id/wajah/nn"
)

// Precision names for Options.Precision.
const (
	PrecisionFP32 = "fp32"
	PrecisionBF16 = "bf16"
	PrecisionAuto = "auto" // bf16 on CPUs with AVX512_BF16, else fp32 (see autoPrecision)
)

// autoPrecision is what PrecisionAuto resolves to on this CPU and build. The choice shows
// in ModelID, so a store written on a bf16 machine refuses vectors from an fp32 one
// (engine.ErrModelMismatch) instead of mixing them.
func autoPrecision() string {
	if nn.BF16Native() {
		return PrecisionBF16
	}
	return PrecisionFP32
}

// ErrPrecision reports an Options.Precision that is unknown or that this CPU cannot run at
// speed.
var ErrPrecision = errors.New("embed: unsupported precision")

// withPrecision returns the embedding model in the named precision. bf16 needs the
// AVX512_BF16 kernels: nn's pure-Go twin computes the same vectors but several times slower
// than fp32, so a server configured for bf16 on another CPU fails at start-up instead.
func withPrecision(m *nn.Model, name string) (*nn.Model, error) {
	p, err := nn.ParsePrecision(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPrecision, err)
	}
	if p == nn.FP32 {
		return m, nil
	}
	if p == nn.BF16 && !nn.BF16Native() {
		return nil, fmt.Errorf("%w: %s needs AVX512_BF16 and a GOEXPERIMENT=simd amd64 build", ErrPrecision, name)
	}
	return m.WithPrecision(p)
}
