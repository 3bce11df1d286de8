package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws a one-line bar on a terminal stream: done/total, rate and time left.
type progressBar struct {
	w      io.Writer
	label  string
	total  int
	start  time.Time
	last   time.Time
	quiet  bool
	done   int
	failed int
}

func newProgressBar(w io.Writer, label string, total int, quiet bool) *progressBar {
	now := time.Now()
	return &progressBar{w: w, label: label, total: total, start: now, quiet: quiet}
}

// step records one item; the bar redraws at most 5 times a second and at the end.
func (p *progressBar) step(failed bool) {
	p.done++
	if failed {
		p.failed++
	}
	if p.quiet {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond && p.done < p.total {
		return
	}
	p.last = now
	const width = 30
	n := width * p.done / max(p.total, 1)
	el := now.Sub(p.start).Seconds()
	rate := float64(p.done) / max(el, 1e-9)
	left := time.Duration(float64(p.total-p.done)/max(rate, 1e-9)) * time.Second
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d %.1f/s left %v fail %d ", p.label, strings.Repeat("=", n), strings.Repeat(" ", width-n),
		p.done, p.total, rate, left.Round(time.Second), p.failed)
	if p.done >= p.total {
		fmt.Fprintln(p.w)
	}
}
