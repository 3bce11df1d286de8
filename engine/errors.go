package engine

import "errors"

// Sentinel errors of the engine. Errors from package embed pass through unchanged.
var (
	// ErrGalleryNotFound: the gallery does not exist for this tenant (416).
	ErrGalleryNotFound = errors.New("facegallery not found")
	// ErrGalleryExists: create-facegallery on an existing id (400).
	ErrGalleryExists = errors.New("facegallery already exists")
	// ErrPersonNotFound: no person with this id / NIK in the gallery (415).
	ErrPersonNotFound = errors.New("user not found")
	// ErrNotVerified: the face does not match, or identify found nobody (411).
	ErrNotVerified = errors.New("face not verified")
	// ErrDuplicateFace: the enrolled face matches another person of the tenant above the
	// duplicate threshold (417); the error is a *DuplicateError naming that person.
	ErrDuplicateFace = errors.New("face already enrolled under another id")
	// ErrUnauthorized: unknown or revoked token (401).
	ErrUnauthorized = errors.New("access token not authorized")
	// ErrTokenNotFound: no token has this id (token revoke --id).
	ErrTokenNotFound = errors.New("token id not found")
	// ErrInvalid: an argument is malformed (too long, empty where required) (400).
	ErrInvalid = errors.New("invalid argument")
	// ErrModelMismatch: the gallery was built with another embedding model or dimension (500).
	ErrModelMismatch = errors.New("embedding model does not match the gallery")
	// ErrIncompatible: the store was written by an incompatible schema or options (open fails).
	ErrIncompatible = errors.New("store incompatible with this version")
	// ErrClosed: the engine is closed.
	ErrClosed = errors.New("engine closed")
)

// Another tenant's gallery is ErrGalleryNotFound, never a "forbidden": the answer must not
// reveal that the name exists elsewhere (API.md allows 403 or 416).

// ImageRole names an image of a two-image request (Compare).
type ImageRole int

// The images of Compare.
const (
	SourceImage ImageRole = iota + 1
	TargetImage
)

func (r ImageRole) String() string {
	switch r {
	case SourceImage:
		return "source image"
	case TargetImage:
		return "target image"
	}
	return "image"
}

// ImageError says which image of a two-image request failed; the server maps the role
// and the embed cause to the field's code.
type ImageError struct {
	Image ImageRole
	Err   error
}

func (e *ImageError) Error() string { return e.Image.String() + ": " + e.Err.Error() }
func (e *ImageError) Unwrap() error { return e.Err }

// DuplicateError names the person an enrolment's face duplicates. It is only ever built
// from the enrolling tenant's own galleries, so naming the id leaks nothing across tenants.
type DuplicateError struct {
	Gallery, PersonID string
	Similarity        float64
}

func (e *DuplicateError) Error() string {
	return ErrDuplicateFace.Error() + ": " + e.PersonID + " in " + e.Gallery
}
func (e *DuplicateError) Unwrap() error { return ErrDuplicateFace }
