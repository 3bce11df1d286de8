package main

import (
	"fmt"
	"strings"

	"github.com/wajah-id/wajah/nn"
)

// withPrecisions repeats each benchmark model once per precision of the comma list, fp32
// rows first, so fp32 and low-precision rows come from the same run.
func withPrecisions(ms []nnBenchModel, list string) ([]precModel, error) {
	var precs []nn.Precision
	for _, s := range strings.Split(list, ",") {
		p, err := nn.ParsePrecision(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("-precision: %w", err)
		}
		precs = append(precs, p)
	}
	if len(precs) > 1 && !nn.BF16Native() {
		fmt.Println("note: no AVX512_BF16 kernels on this CPU/build: bf16 rows run the pure-Go twin")
	}
	var out []precModel
	for _, m := range ms {
		for _, p := range precs {
			out = append(out, precModel{m, p})
		}
	}
	return out, nil
}

// precModel is a benchmark model run in one precision.
type precModel struct {
	nnBenchModel
	prec nn.Precision
}

// label is the model's row name: the file, with @precision unless fp32.
func (m precModel) label() string {
	if m.prec == nn.FP32 {
		return m.file
	}
	return m.file + "@" + m.prec.String()
}
