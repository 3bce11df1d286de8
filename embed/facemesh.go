package embed

import (
	"fmt"
)

// MediaPipe face mesh (human-models facemesh, 468 points) as a landmark source under a
// mask: Experimental.MaskedAlign = MaskedAlignFacemesh takes the five alignment points of
// a face the classifier calls masked from the mesh instead of ONet, whose mouth corners
// and nose tip are guesses there. The mesh was trained to complete occluded regions from
// the face's shape. A candidate of issue 10's "landmarks under a mask", measured in
// embed/README.md; not a serving option.

// meshFive are the mesh vertices whose (mean) positions give the five ArcFace points, in
// the order of arcface112: eye on the image's left (the subject's right: outer 33, inner
// 133), eye on the right (362, 263), nose tip (1), mouth corners (61, 291).
var meshFive = [5][]int{{33, 133}, {362, 263}, {1}, {61}, {291}}

const meshPoints = 468

// meshLandmarker runs the face mesh on the square human crop of a face box.
type meshLandmarker struct {
	m   runner
	out int // index of output_mesh among the model's outputs
}

func loadMeshLandmarker() (*meshLandmarker, error) {
	m, err := loadTFJS("facemesh.json")
	if err != nil {
		return nil, err
	}
	for i, o := range m.Outputs() {
		if o.Name == "Identity_2" || o.Name == "Identity_2:0" { // output_mesh [N, 1404]
			return &meshLandmarker{m: m, out: i}, nil
		}
	}
	return nil, fmt.Errorf("facemesh.json: no output_mesh (Identity_2) among %d outputs", len(m.Outputs()))
}

// five returns the five alignment points of the face in box (pixels of img), read off the
// mesh of humanFaceCrop's square.
func (ml *meshLandmarker) five(img *RGB, box Rect) ([5]Point, error) {
	var lm [5]Point
	x0, y0, side := humanCropSquare(box)
	out, err := ml.m.Run(toTensor(cropSquare(img, x0, y0, side, humanCropSide)))
	if err != nil {
		return lm, fmt.Errorf("facemesh: %w", err)
	}
	if ml.out >= len(out) || len(out[ml.out].Data) < 3*meshPoints {
		return lm, fmt.Errorf("facemesh: mesh output too short")
	}
	mesh, s := out[ml.out].Data, side/float32(humanCropSide)
	for i, vs := range meshFive {
		for _, v := range vs {
			lm[i].X += x0 + mesh[3*v]*s
			lm[i].Y += y0 + mesh[3*v+1]*s
		}
		lm[i].X /= float32(len(vs))
		lm[i].Y /= float32(len(vs))
	}
	return lm, nil
}
