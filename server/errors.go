package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/pedulilindungi"
)

// The one place where errors become contract codes. Handlers return errors; respond turns
// them into the body's "status" / "status_message" and the HTTP status with toStatus.
//
// Mapping (code, HTTP status, what produces it):
//
//	200  200  success
//	400  400  body not JSON, identifier > 120 chars, bad qrCode / coordinates / threshold,
//	          engine.ErrInvalid, engine.ErrGalleryExists, body over the size limit;
//	          unknown path answers HTTP 404 and a wrong method HTTP 405, both with code 400
//	401  401  Accesstoken missing, engine.ErrUnauthorized
//	403  403  not produced: another tenant's gallery answers 416 (API.md allows either)
//	411  400  engine.ErrNotVerified (not the person; identify found nobody)
//	412  400  embed.ErrNoFace
//	413  400  embed.ErrFaceTooSmall
//	414  400  embed.ErrMultipleFaces
//	415  400  engine.ErrPersonNotFound
//	416  400  engine.ErrGalleryNotFound
//	417  400  engine.ErrDuplicateFace (the message names the other id: same tenant only)
//	418  400  engine.ErrPresentationAttack (passive liveness refused the face)
//	419  400  engine.ErrMaskedEnrolment (enrolment photo masked; masked-enrolment refuse)
//	451-456  400  field missing, null, empty or of the wrong JSON type:
//	          image 451, user_id/nik 452, user_name 453, facegallery_id 454,
//	          target_image 455, source_image 456
//	490  400  image not base64 (embed.ErrBase64 too)
//	491  400  image not JPEG, PNG or WebP (embed.ErrImageType)
//	492  400  target_image not base64
//	493  400  embed.ErrImageCorrupt, embed.ErrImageTooLarge (any image field), and
//	          target_image not JPEG, PNG or WebP (the table has no target-type code)
//	494  400  source_image not base64
//	495  400  source_image not JPEG, PNG or WebP
//	429  429  token issue over its rate limit (per client_id or source address); Retry-After set
//	503  503  busyError: the queue in front of the CPU slots is full, or the request body
//	          memory budget (max-body-mb) has no room for the declared body (answered
//	          unread, like a full queue), or the request's deadline
//	          passed while it waited for a slot, or embed.ErrBusy (the decode memory
//	          budget, max-decode-mb, stayed full until the deadline), or (cluster mode)
//	          engine.ErrStoreUnavailable (the database did not answer before the request's
//	          deadline; nothing changed) or engine.ErrBehind (the node had not applied the
//	          requested change_position by the deadline); Retry-After set
//	500  500  engine.ErrCommitUnknown: the database connection broke during the commit
//	500  500  anything else: engine.ErrModelMismatch, engine.ErrClosed, store errors; the
//	          cause is logged, never sent
//	600  502  pedulilindungi.ErrUnknown
//	603  502  pedulilindungi.ErrRejected
//	604  504  pedulilindungi.ErrTimeout
//	605  502  pedulilindungi.ErrNoResponse
//	606  502  pedulilindungi.ErrNotEnrolled
//	607  502  pedulilindungi.ErrUnreachable
//	608  502  pedulilindungi.ErrIncomplete
//	609  502  pedulilindungi.ErrMalformed
//	610  502  pedulilindungi.ErrNotFound
//	611  502  pedulilindungi.ErrTokenExpired
//
// Packages return their own sentinel errors (engine/errors.go, embed/errors.go,
// pedulilindungi/errors.go) and know no codes; sentinelCodes below is the one table from
// them to codes, and every response (API, transport errors, the admin socket) goes
// through classify. engine.ImageError names the image of a two-image request; its embed
// cause then picks the source_image / target_image code (imageCodes). A request whose
// deadline passes answers 500.
type code int

const (
	codeOK                 code = 200
	codeMalformed          code = 400
	codeUnauthorized       code = 401
	codeForbidden          code = 403
	codeNotVerified        code = 411
	codeNoFace             code = 412
	codeFaceTooSmall       code = 413
	codeMultipleFaces      code = 414
	codeUserNotFound       code = 415
	codeGalleryNotFound    code = 416
	codeDuplicateFace      code = 417
	codePresentation       code = 418
	codeMaskedEnrolment    code = 419
	codeImageNull          code = 451
	codeUserIDNull         code = 452
	codeUserNameNull       code = 453
	codeGalleryNull        code = 454
	codeTargetNull         code = 455
	codeSourceNull         code = 456
	codeImageBase64        code = 490
	codeImageType          code = 491
	codeTargetBase64       code = 492
	codeImageError         code = 493
	codeSourceBase64       code = 494
	codeSourceType         code = 495
	codeRateLimited        code = 429
	codeServerError        code = 500
	codeBusy               code = 503
	codeCheckinUnknown     code = 600
	codeCheckinRejected    code = 603
	codeCheckinTimeout     code = 604
	codeCheckinNoResponse  code = 605
	codeCheckinNotEnrolled code = 606
	codeCheckinUnreachable code = 607
	codeCheckinIncomplete  code = 608
	codeCheckinMalformed   code = 609
	codeCheckin404         code = 610
	codeCheckinExpired     code = 611
)

// messages are the status_message texts of the contract table.
var messages = map[code]string{
	codeOK:                 "Success",
	codeMalformed:          "Request malformed",
	codeUnauthorized:       "Access token not authorized",
	codeForbidden:          "Requested resource denied",
	codeNotVerified:        "Face not verified or unregistered",
	codeNoFace:             "Face not detected",
	codeFaceTooSmall:       "Face too small",
	codeMultipleFaces:      "Multiple faces found",
	codeUserNotFound:       "user_id / nik not found",
	codeGalleryNotFound:    "facegallery_id not found",
	codeDuplicateFace:      "Face already enrolled under another id",
	codePresentation:       "Presentation attack suspected",
	codeMaskedEnrolment:    "Masked face at enrolment: enrol a photo without a mask",
	codeImageNull:          "image is null",
	codeUserIDNull:         "user_id / nik is null",
	codeUserNameNull:       "user_name is null",
	codeGalleryNull:        "facegallery_id is null",
	codeTargetNull:         "target_image is null",
	codeSourceNull:         "source_image is null",
	codeImageBase64:        "Cannot decode image base64",
	codeImageType:          "image type not recognized",
	codeTargetBase64:       "Cannot decode target_image base64",
	codeImageError:         "image error",
	codeSourceBase64:       "Cannot decode source_image base64",
	codeSourceType:         "source_image type not recognized",
	codeRateLimited:        "Too many requests",
	codeServerError:        "Server error",
	codeBusy:               "Server busy, retry later",
	codeCheckinUnknown:     "Check-in service: unknown error",
	codeCheckinRejected:    "Check-in service: NIK and name rejected",
	codeCheckinTimeout:     "Check-in service: timeout while waiting for response",
	codeCheckinNoResponse:  "Check-in service: failed to receive response",
	codeCheckinNotEnrolled: "Check-in service: NIK not enrolled",
	codeCheckinUnreachable: "Check-in service: server unreachable",
	codeCheckinIncomplete:  "Check-in service: response data incomplete",
	codeCheckinMalformed:   "Check-in service: response data malformed",
	codeCheckin404:         "Check-in service: 404",
	codeCheckinExpired:     "Check-in service: expired user auth token",
}

// codes lists every code in table order (for metrics and tests).
var codes = []code{200, 400, 401, 403, 411, 412, 413, 414, 415, 416, 417, 418, 419, 451, 452, 453, 454, 455, 456,
	490, 491, 492, 493, 494, 495, 429, 500, 503, 600, 603, 604, 605, 606, 607, 608, 609, 610, 611}

// String is the body's "status" value.
func (c code) String() string { return strconv.Itoa(int(c)) }

// httpStatus mirrors the code's class.
func (c code) httpStatus() int {
	switch {
	case c == codeOK:
		return http.StatusOK
	case c == codeUnauthorized:
		return http.StatusUnauthorized
	case c == codeForbidden:
		return http.StatusForbidden
	case c == codeRateLimited:
		return http.StatusTooManyRequests
	case c == codeBusy:
		return http.StatusServiceUnavailable
	case c == codeCheckinTimeout:
		return http.StatusGatewayTimeout
	case c >= 600:
		return http.StatusBadGateway
	case c >= 500:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// apiError is a code with an optional client-facing detail and the cause kept for the log.
type apiError struct {
	code   code
	detail string // appended to the status message; must never hold internal text
	http   int    // overrides the class's HTTP status (404, 405)
	cause  error
	// retryAfter, when > 0, is sent as the Retry-After header (429, 503), rounded up to seconds.
	retryAfter time.Duration
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("%d %s", e.code, messages[e.code])
	if e.detail != "" {
		s += ": " + e.detail
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *apiError) Unwrap() error { return e.cause }

// failf is a client error with a detail the client may see.
func failf(c code, format string, a ...any) error {
	return &apiError{code: c, detail: fmt.Sprintf(format, a...)}
}

// imageField is which image of a request an error is about.
type imageField int

const (
	fieldImage imageField = iota
	fieldSource
	fieldTarget
)

// imageCodes: null, base64, type, other, per field.
var imageCodes = [3][4]code{
	fieldImage:  {codeImageNull, codeImageBase64, codeImageType, codeImageError},
	fieldSource: {codeSourceNull, codeSourceBase64, codeSourceType, codeImageError},
	fieldTarget: {codeTargetNull, codeTargetBase64, codeImageError, codeImageError},
}

// toStatus maps any error to its code, HTTP status and the message the client sees.
func toStatus(err error) (c code, status int, msg string) {
	c = classify(err)
	msg = messages[c]
	status = c.httpStatus()
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.detail != "" {
			msg += ": " + ae.detail
		}
		if ae.http != 0 {
			status = ae.http
		}
	}
	var de *engine.DuplicateError
	if errors.As(err, &de) {
		// Only ever a person of the caller's own tenant (engine searches no other).
		msg += ": " + de.PersonID + " in facegallery " + de.Gallery
	}
	return c, status, msg
}

// sentinelCodes is the contract table: each package's sentinel errors and their code.
// classify takes the first row that errors.Is matches, so where a code has several rows
// the first is its canonical sentinel (what the admin client returns for it). A row with
// col > 0 is an image error whose code depends on the field: imageCodes[field][col].
var sentinelCodes = []struct {
	err  error
	code code
	col  int
}{
	{err: pedulilindungi.ErrUnknown, code: codeCheckinUnknown},
	{err: pedulilindungi.ErrRejected, code: codeCheckinRejected},
	{err: pedulilindungi.ErrTimeout, code: codeCheckinTimeout},
	{err: pedulilindungi.ErrNoResponse, code: codeCheckinNoResponse},
	{err: pedulilindungi.ErrNotEnrolled, code: codeCheckinNotEnrolled},
	{err: pedulilindungi.ErrUnreachable, code: codeCheckinUnreachable},
	{err: pedulilindungi.ErrIncomplete, code: codeCheckinIncomplete},
	{err: pedulilindungi.ErrMalformed, code: codeCheckinMalformed},
	{err: pedulilindungi.ErrNotFound, code: codeCheckin404},
	{err: pedulilindungi.ErrTokenExpired, code: codeCheckinExpired},
	{err: embed.ErrBase64, col: 1},
	{err: embed.ErrImageType, col: 2},
	{err: embed.ErrImageCorrupt, col: 3},
	{err: embed.ErrImageTooLarge, col: 3},
	{err: embed.ErrBusy, code: codeBusy},
	{err: engine.ErrStoreUnavailable, code: codeBusy},
	{err: engine.ErrBehind, code: codeBusy},
	{err: embed.ErrNoFace, code: codeNoFace},
	{err: embed.ErrFaceTooSmall, code: codeFaceTooSmall},
	{err: embed.ErrMultipleFaces, code: codeMultipleFaces},
	{err: engine.ErrPresentationAttack, code: codePresentation},
	{err: engine.ErrMaskedEnrolment, code: codeMaskedEnrolment},
	{err: engine.ErrGalleryNotFound, code: codeGalleryNotFound},
	{err: engine.ErrPersonNotFound, code: codeUserNotFound},
	{err: engine.ErrTokenNotFound, code: codeUserNotFound},
	{err: engine.ErrDuplicateFace, code: codeDuplicateFace},
	{err: engine.ErrNotVerified, code: codeNotVerified},
	{err: engine.ErrUnauthorized, code: codeUnauthorized},
	{err: engine.ErrInvalid, code: codeMalformed},
	{err: engine.ErrGalleryExists, code: codeMalformed},
	{err: pedulilindungi.ErrInvalid, code: codeMalformed},
}

func classify(err error) code {
	if err == nil {
		return codeOK
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	if errors.Is(err, engine.ErrCommitUnknown) {
		return codeServerError // it comes with ErrStoreUnavailable (503), but may have committed
	}
	for _, r := range sentinelCodes {
		if !errors.Is(err, r.err) {
			continue
		}
		if r.col == 0 {
			return r.code
		}
		return imageCodes[imageFieldOf(err)][r.col]
	}
	return codeServerError // includes context.DeadlineExceeded: the request ran out of time
}

// imageFieldOf: the field an image error is about (image, unless an engine.ImageError
// names the source or target of a comparison).
func imageFieldOf(err error) imageField {
	var ie *engine.ImageError
	if errors.As(err, &ie) {
		switch ie.Image {
		case engine.SourceImage:
			return fieldSource
		case engine.TargetImage:
			return fieldTarget
		}
	}
	return fieldImage
}

// sentinelOf is the sentinel of code c that the message msg names (several sentinels share
// a code: 415 is a person or a token id), else c's canonical one (its first row), or nil.
func sentinelOf(c code, msg string) error {
	var canonical error
	for _, r := range sentinelCodes {
		if r.code != c || r.col != 0 {
			continue
		}
		if strings.Contains(msg, r.err.Error()) {
			return r.err
		}
		if canonical == nil {
			canonical = r.err
		}
	}
	return canonical
}

// checkinFailure is the 6xx code of a check-in failure, or 0 when err is none.
func checkinFailure(err error) code {
	if !pedulilindungi.Failed(err) {
		return 0
	}
	return classify(err)
}
