package embed

import "math"

// faceSize is the distance from the eye midpoint to the mouth midpoint: the gate's size.
// It is roll-invariant and, unlike a detector box, means the same for every detector.
func faceSize(lm [5]Point) float32 {
	ex, ey := (lm[LeftEye].X+lm[RightEye].X)/2, (lm[LeftEye].Y+lm[RightEye].Y)/2
	mx, my := (lm[MouthLeft].X+lm[MouthRight].X)/2, (lm[MouthLeft].Y+lm[MouthRight].Y)/2
	return float32(math.Hypot(float64(mx-ex), float64(my-ey)))
}

// Generic head geometry behind the pose estimate, in units of the eye-to-mouth distance:
// the nose tip stands about 0.27 in front of the eye/mouth plane, and in a frontal face
// MTCNN puts it 0.536 of the way from the eye line to the mouth line (the median over the
// 4,991 faces detected in LFW View 1, whose median yaw is -0.7 degrees; the ArcFace
// template has 0.494).
const (
	noseDepth     = 0.27
	noseFrontal   = 0.536
	noseDepthIOD  = 0.27 // nose depth over inter-ocular distance, for yaw
	radiansToDeg  = 180 / math.Pi
	maxPoseDegree = 90
)

// pose estimates yaw and pitch in degrees from the five landmarks. Positive yaw: the nose
// points to the image right; positive pitch: the nose moved towards the eyes (chin up).
// Rough (about 10 degrees) but monotonic, which is what a gate needs.
func pose(lm [5]Point) (yaw, pitch float32) {
	ex, ey := float64(lm[LeftEye].X+lm[RightEye].X)/2, float64(lm[LeftEye].Y+lm[RightEye].Y)/2
	mx, my := float64(lm[MouthLeft].X+lm[MouthRight].X)/2, float64(lm[MouthLeft].Y+lm[MouthRight].Y)/2
	nx, ny := float64(lm[Nose].X), float64(lm[Nose].Y)
	// Face axes: u along the eye line, v from the eye midpoint towards the mouth.
	ux, uy := float64(lm[RightEye].X-lm[LeftEye].X), float64(lm[RightEye].Y-lm[LeftEye].Y)
	iod := math.Hypot(ux, uy)
	vx, vy := mx-ex, my-ey
	em := math.Hypot(vx, vy)
	if iod < 1e-6 || em < 1e-6 {
		return 0, 0
	}
	ux, uy = ux/iod, uy/iod
	vx, vy = vx/em, vy/em
	// Horizontal nose offset from the face's centre line.
	cx, cy := (ex+mx)/2, (ey+my)/2
	dx := (nx-cx)*ux + (ny-cy)*uy
	yaw = float32(math.Atan(dx/iod/noseDepthIOD) * radiansToDeg)
	r := ((nx-ex)*vx + (ny-ey)*vy) / em
	pitch = float32(math.Atan((noseFrontal-r)/noseDepth) * radiansToDeg)
	return clampDeg(yaw), clampDeg(pitch)
}

func clampDeg(d float32) float32 { return max(-maxPoseDegree, min(maxPoseDegree, d)) }

// blurExposure returns the variance of the 4-neighbour Laplacian of the luma and the mean
// luma in [0,1], both on the aligned crop so that they do not depend on the image size.
func blurExposure(crop *RGB) (blur, exposure float32) {
	w, h := crop.W, crop.H
	if w < 3 || h < 3 {
		return 0, 0
	}
	y := make([]float32, w*h)
	var sum float64
	for i := range y {
		y[i] = luma(crop.Pix, 3*i)
		sum += float64(y[i])
	}
	return float32(laplacianVariance(y, w, h)), float32(sum / float64(w*h) / 255)
}

// laplacianVariance is the variance of the 4-neighbour Laplacian of the w x h plane y over
// its interior (w, h >= 3): low on a blurred image. The blur gate and the liveness texture
// cues (livetex.go) both read it.
func laplacianVariance(y []float32, w, h int) float64 {
	var s, s2 float64
	n := 0
	for r := 1; r < h-1; r++ {
		for c := 1; c < w-1; c++ {
			i := r*w + c
			l := float64(y[i-1] + y[i+1] + y[i-w] + y[i+w] - 4*y[i])
			s += l
			s2 += l * l
			n++
		}
	}
	m := s / float64(n)
	return s2/float64(n) - m*m
}
