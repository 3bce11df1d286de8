package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressBar is the eval commands' one-line bar (done/total, rate, time left) with a
// count of the items that failed. schollz/progressbar draws it: it fits the terminal's
// width and throttles redraws, which the hand-written bar it replaced did not.
type progressBar struct {
	bar    *progressbar.ProgressBar
	label  string
	failed int
}

func newProgressBar(w io.Writer, label string, total int, quiet bool) *progressBar {
	return &progressBar{label: label, bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(!quiet),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("img"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)}
}

// step records one item, failed or not.
func (p *progressBar) step(failed bool) {
	if failed {
		p.failed++
		p.bar.Describe(fmt.Sprintf("%s (%d failed)", p.label, p.failed))
	}
	_ = p.bar.Add(1) // only a write error on the terminal, nothing to do about it
}
