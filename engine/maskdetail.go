package engine

import "github.com/wajah-id/wajah/embed"

// worseMaskDetail combines two faces' masker_detail for compare-images, whose masker is
// true when either face is masked: incorrect wins over correct, correct over none.
func worseMaskDetail(a, b string) string {
	rank := func(s string) int {
		switch s {
		case embed.MaskDetailIncorrect:
			return 3
		case embed.MaskDetailCorrect:
			return 2
		case embed.MaskDetailNone:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
