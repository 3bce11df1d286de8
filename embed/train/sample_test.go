package train

import (
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// PickCentral takes the face a centred image is about, not the largest: in a 250x250 LFW
// frame a bystander's bigger box at the edge loses to the middle one, and a face clearly
// larger still wins when both are near the centre.
func TestPickCentral(t *testing.T) {
	box := func(x0, y0, x1, y1 float32) embed.Face {
		return embed.Face{Box: embed.Rect{X0: x0, Y0: y0, X1: x1, Y1: y1}}
	}
	tests := []struct {
		name  string
		faces []embed.Face
		want  int
	}{
		{"none", nil, -1},
		{"one", []embed.Face{box(90, 90, 160, 160)}, 0},
		{"larger bystander at the edge", []embed.Face{box(0, 20, 100, 120), box(95, 95, 155, 165)}, 1},
		{"larger face, both central", []embed.Face{box(80, 80, 170, 170), box(100, 100, 150, 150)}, 0},
	}
	for _, tt := range tests {
		if got := PickCentral(tt.faces, 250, 250); got != tt.want {
			t.Errorf("%s: PickCentral = %d, want %d", tt.name, got, tt.want)
		}
	}
}
