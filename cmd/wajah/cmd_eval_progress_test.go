package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestProgressBar: the bar ends at total with the failures counted and a newline; quiet
// writes nothing.
func TestProgressBar(t *testing.T) {
	for _, quiet := range []bool{false, true} {
		var b bytes.Buffer
		p := newProgressBar(&b, "images", 5, quiet)
		for i := range 5 {
			p.step(i == 2)
		}
		out := b.String()
		switch {
		case quiet && out != "":
			t.Errorf("quiet bar wrote %q", out)
		case !quiet && (!strings.Contains(out, "5/5") || !strings.Contains(out, "images (1 failed)") || !strings.HasSuffix(out, "\n")):
			t.Errorf("bar output %q", out)
		}
	}
}
