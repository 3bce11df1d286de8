package embed

import (
	"math"
	"testing"
)

// On an unmasked, frontal photo the mesh's five points land where ONet puts them (within a
// few pixels of a ~45 px eye-to-mouth face): the vertex choice and the crop arithmetic
// (meshFive, humanFaceCrop's square) are right. Under a mask they are meant to differ.
func TestFacemeshFiveNearONet(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	ml, err := loadMeshLandmarker()
	if err != nil {
		t.Fatal(err)
	}
	d, fp := firstFace(t, p, exObama)
	f := *fp
	lm, err := ml.five(d.Full, f.Box)
	if err != nil {
		t.Fatal(err)
	}
	eyes := math.Hypot(float64(f.Landmarks[1].X-f.Landmarks[0].X), float64(f.Landmarks[1].Y-f.Landmarks[0].Y))
	for i := range lm {
		dist := math.Hypot(float64(lm[i].X-f.Landmarks[i].X), float64(lm[i].Y-f.Landmarks[i].Y))
		t.Logf("point %d: mesh %.1f,%.1f ONet %.1f,%.1f (%.2f of the eye distance)", i, lm[i].X, lm[i].Y, f.Landmarks[i].X, f.Landmarks[i].Y, dist/eyes)
		if dist > 0.2*eyes {
			t.Errorf("point %d: mesh %.1f px from ONet's (eye distance %.1f)", i, dist, eyes)
		}
	}
}
