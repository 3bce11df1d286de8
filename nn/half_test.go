package nn

import (
	"math"
	"testing"
)

// Every binary16 value widens to sign x 2^(e-15) x (1 + m/1024) (subnormals: 2^-14 x m/1024),
// computed here in float64 as the reference.
func TestHalfToFloatAll(t *testing.T) {
	for h := range 1 << 16 {
		sign, e, m := h>>15, (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case e == 0x1f && m == 0:
			want = math.Inf(1)
		case e == 0x1f:
			want = math.NaN()
		case e == 0:
			want = math.Ldexp(float64(m)/1024, -14)
		default:
			want = math.Ldexp(1+float64(m)/1024, e-15)
		}
		if sign == 1 {
			want = math.Copysign(want, -1)
		}
		got := HalfToFloat(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("HalfToFloat(%#04x) = %g, want NaN", h, got)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want) {
			t.Fatalf("HalfToFloat(%#04x) = %g, want %g", h, got, want)
		}
	}
}
