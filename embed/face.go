// Package embed turns image bytes into face records: decode, detect, align, embed, mask,
// liveness. It is the only package that knows about pixels.
package embed

// Point is a pixel position in the decoded (EXIF-oriented) image.
type Point struct{ X, Y float32 }

// Rect is a box in pixels, corners inclusive-exclusive.
type Rect struct{ X0, Y0, X1, Y1 float32 }

// Landmark indices: image-left eye first, as the ArcFace template orders them.
const (
	LeftEye = iota
	RightEye
	Nose
	MouthLeft
	MouthRight
)

// Quality holds the per-face numbers the quality gate and the API report.
type Quality struct {
	FaceSize float32 // pixels between the eye line and the mouth line (the gate's size)
	Blur     float32 // variance of the Laplacian on the aligned crop; low means blurred
	Yaw      float32 // degrees, from landmarks; 0 is frontal
	Pitch    float32 // degrees, from landmarks
	Exposure float32 // mean luma of the aligned crop in [0,1]
}

// Face is one detected and embedded face.
type Face struct {
	Box       Rect
	Landmarks [5]Point
	Score     float32   // detector confidence
	Embedding []float32 // L2-normalized, length Dim of the pipeline's model
	Masked    bool
	MaskScore float32 // probability of a mask in [0,1]
	// MaskDetail: MaskDetailNone, MaskDetailCorrect or MaskDetailIncorrect (nose or chin
	// uncovered; Masked is true for both), "" without the detail head (maskdetail.go).
	MaskDetail string
	Liveness   float32 // anti-spoof score in [0,1], higher is more likely a live face; no verdict
	// LivenessScored says Liveness was computed (the pipeline has its liveness model); a
	// gate must not read an unscored 0 as an attack nor as live.
	LivenessScored bool
	Quality        Quality
	// MaskedTemplates: the embeddings of the aligned face with each DevMaskStyles
	// synthetic mask drawn over it (maskmatch.go): at enrolment, at verification for a
	// face the classifier calls masked (MaskedScore compares the two sets), and after
	// Pipeline.CompleteOverlays. Nil otherwise.
	MaskedTemplates [][]float32
	// aligned is the crop Complete embedded: the overlays are drawn on it, and
	// CompleteOverlays adds them later without decoding and detecting again.
	aligned *RGB
}

// Purpose selects the quality gate: enrolment is stricter than verification.
type Purpose int

const (
	PurposeVerify Purpose = iota // largest face wins; too small is refused
	PurposeEnroll                // two similarly large faces are refused; Force skips the size gate
)

// ExtractOptions tune one Extract call.
type ExtractOptions struct {
	Purpose Purpose
	Force   bool // enrolment only: accept a face below the minimum size
}
