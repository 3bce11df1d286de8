package embed

import (
	"math"
	"testing"
)

func TestFaceSizeAndPose(t *testing.T) {
	if s := faceSize(arcface112); !near(float64(s), 40.67, 0.05) {
		t.Fatalf("template face size = %v", s)
	}
	yaw, pitch := pose(arcface112)
	// The template's nose sits a little higher than MTCNN's median frontal nose.
	if math.Abs(float64(yaw)) > 1 || pitch < 5 || pitch > 12 {
		t.Fatalf("template: yaw %v pitch %v, want about 0 and 8.8", yaw, pitch)
	}
	// Roll and scale must not change the pose.
	m := affine{2 * math.Cos(0.5), -2 * math.Sin(0.5), 30, 2 * math.Sin(0.5), 2 * math.Cos(0.5), 10}
	var rolled [5]Point
	for i, p := range arcface112 {
		rolled[i] = m.apply(p)
	}
	y2, p2 := pose(rolled)
	if !near(float64(y2), float64(yaw), 0.1) || !near(float64(p2), float64(pitch), 0.1) {
		t.Fatalf("rolled: yaw %v pitch %v", y2, p2)
	}
	if s := faceSize(rolled); !near(float64(s), 2*40.67, 0.1) {
		t.Fatalf("rolled face size = %v", s)
	}
	tests := []struct {
		name           string
		dx, dy         float32 // nose shift
		yawSign, pSign int
	}{
		{"nose right", 6, 0, 1, 0},
		{"nose left", -6, 0, -1, 0},
		{"nose up", 0, -6, 0, 1},
		{"nose down", 0, 6, 0, -1},
	}
	for _, tt := range tests {
		lm := arcface112
		lm[Nose].X += tt.dx
		lm[Nose].Y += tt.dy
		y, p := pose(lm)
		if sgn(y-yaw, 5) != tt.yawSign || sgn(p-pitch, 5) != tt.pSign {
			t.Errorf("%s: yaw %v pitch %v", tt.name, y, p)
		}
	}
}

func sgn(v, dead float32) int {
	switch {
	case v > dead:
		return 1
	case v < -dead:
		return -1
	}
	return 0
}

func TestBlurExposure(t *testing.T) {
	sharp := NewRGB(112, 112)
	for y := 0; y < 112; y++ {
		for x := 0; x < 112; x++ {
			v := uint8(40)
			if (x/4+y/4)%2 == 0 {
				v = 220
			}
			i := 3 * (y*112 + x)
			sharp.Pix[i], sharp.Pix[i+1], sharp.Pix[i+2] = v, v, v
		}
	}
	blurred := resizeBilinear(resizeBilinear(sharp, 14, 14), 112, 112)
	bs, es := blurExposure(sharp)
	bb, eb := blurExposure(blurred)
	if !(bs > 10*bb) {
		t.Fatalf("blur: sharp %v, blurred %v; want sharp much larger", bs, bb)
	}
	if !near(float64(es), 130.0/255, 0.01) || !near(float64(eb), 130.0/255, 0.03) {
		t.Fatalf("exposure: %v %v, want about 0.51", es, eb)
	}
	dark := NewRGB(112, 112)
	if _, e := blurExposure(dark); e != 0 {
		t.Fatalf("black exposure = %v", e)
	}
}
