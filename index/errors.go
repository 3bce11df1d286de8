package index

import "errors"

// Sentinel errors; callers match them with errors.Is.
var (
	// ErrDim: a vector's length differs from the index dimension.
	ErrDim = errors.New("index: vector dimension mismatch")
	// ErrZeroVector: a vector of norm zero (or not finite) cannot be normalized.
	ErrZeroVector = errors.New("index: zero or non-finite vector")
	// ErrOptions: an Options field is out of range.
	ErrOptions = errors.New("index: invalid options")
	// ErrCorrupt: a snapshot fails its checksum or is malformed.
	ErrCorrupt = errors.New("index: corrupt data")
	// ErrVersion: a snapshot was written by an unknown format version.
	ErrVersion = errors.New("index: unsupported format version")
	// ErrIncompatible: a snapshot's dimension or graph parameters differ from what the
	// caller expects (never silently mixed).
	ErrIncompatible = errors.New("index: incompatible snapshot")
)
