package embed

import "errors"

// Sentinel errors. The server maps each to a contract code; see server/errors.go.
var (
	// ErrBase64 means the image text is not valid base64 (490, 492, 494 by field).
	ErrBase64 = errors.New("cannot decode base64")
	// ErrImageType means the bytes are neither JPEG, PNG nor WebP (491, 495).
	ErrImageType = errors.New("image type not recognized")
	// ErrImageCorrupt means the image is damaged or truncated (493).
	ErrImageCorrupt = errors.New("image corrupt")
	// ErrImageTooLarge means the image exceeds the byte, side or pixel limits (493), judged
	// from the header before any pixel memory is allocated.
	ErrImageTooLarge = errors.New("image too large")
	// ErrBusy means the decode memory budget (Options.MaxDecodeBytes) stayed full until the
	// request's deadline; it wraps the context's error. The server answers "busy".
	ErrBusy = errors.New("decode memory budget busy")
	// ErrNoFace means no face was detected (412).
	ErrNoFace = errors.New("face not detected")
	// ErrFaceTooSmall means the chosen face is below the minimum size (413).
	ErrFaceTooSmall = errors.New("face too small")
	// ErrMultipleFaces means enrolment found two similarly large faces (414).
	ErrMultipleFaces = errors.New("multiple faces found")

	// ErrNoMaskModel means no mask weights are built in (the pipeline then reports no masks).
	ErrNoMaskModel = errors.New("no mask model built in")
	// ErrNoLiveness means the pipeline was built without the anti-spoof model.
	ErrNoLiveness = errors.New("liveness model not loaded")

	// errMaskFormat means a mask weights file is damaged or of an unknown version.
	errMaskFormat = errors.New("mask model: bad file")
)
