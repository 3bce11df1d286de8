package main

import "testing"

// personOf must name the same person for a synth-mask copy and its original (else every
// genuine masked-vs-unmasked pair counts as an impostor in --all-pairs), and must keep
// masked-pairs' identities, whose halves (anchorHalf) the README's figures were split by.
func TestPersonOf(t *testing.T) {
	tests := []struct{ a, b string }{
		{"masked/images/Aaron_Peirsol/Aaron_Peirsol_0001.jpg", "../../work/shared/data/lfw-view1/images/Aaron_Peirsol/Aaron_Peirsol_0002.jpg"},
		{"masked/images/Aaron_Peirsol/Aaron_Peirsol_0001.jpg", "images/Aaron_Peirsol/Aaron_Peirsol_0001.jpg"},
		{"images/tangning/0_0_0.jpg", "images/tangning/0_0_tangning_0003.jpg"},
	}
	for _, tt := range tests {
		if personOf(tt.a) != personOf(tt.b) {
			t.Errorf("personOf(%q) = %q, personOf(%q) = %q: want the same person", tt.a, personOf(tt.a), tt.b, personOf(tt.b))
		}
	}
	if a, b := personOf("masked/images/Aaron_Peirsol/x.jpg"), personOf("images/Aaron_Guiel/y.jpg"); a == b {
		t.Errorf("two people share %q", a)
	}
	if got := personOf("images/tangning/0_0_0.jpg"); got != "images/tangning" {
		t.Errorf("masked-pairs person %q, want images/tangning (anchorHalf hashes it)", got)
	}
}
