package engine

import "testing"

func TestWorseMaskDetail(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"none", "none", "none"},
		{"none", "correct", "correct"},
		{"correct", "none", "correct"},
		{"correct", "incorrect", "incorrect"},
		{"incorrect", "none", "incorrect"},
		{"", "", ""},
		{"", "none", "none"},
	} {
		if got := worseMaskDetail(c.a, c.b); got != c.want {
			t.Errorf("worseMaskDetail(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
