package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

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
//	403  403  engine.ErrForbidden (another tenant's resource)
//	411  400  engine.ErrNotVerified (not the person; identify found nobody)
//	412  400  embed.ErrNoFace
//	413  400  embed.ErrFaceTooSmall
//	414  400  embed.ErrMultipleFaces
//	415  400  engine.ErrPersonNotFound
//	416  400  engine.ErrGalleryNotFound
//	418  400  engine.ErrPresentationAttack (passive liveness refused the face)
//	451-456  400  field missing, null, empty or of the wrong JSON type:
//	          image 451, user_id/nik 452, user_name 453, facegallery_id 454,
//	          target_image 455, source_image 456
//	490  400  image not base64 (embed.ErrBase64 too)
//	491  400  image neither JPEG nor PNG (embed.ErrImageType)
//	492  400  target_image not base64
//	493  400  embed.ErrImageCorrupt, embed.ErrImageTooLarge (any image field), and
//	          target_image neither JPEG nor PNG (the table has no target-type code)
//	494  400  source_image not base64
//	495  400  source_image neither JPEG nor PNG
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
// engine.ImageError names the field of a two-image request; its embed cause then picks the
// source_image / target_image code. A request whose deadline passes answers 500.
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
	codePresentation       code = 418
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
	codeServerError        code = 500
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
	codePresentation:       "Presentation attack suspected",
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
	codeServerError:        "Server error",
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
var codes = []code{200, 400, 401, 403, 411, 412, 413, 414, 415, 416, 418, 451, 452, 453, 454, 455, 456,
	490, 491, 492, 493, 494, 495, 500, 600, 603, 604, 605, 606, 607, 608, 609, 610, 611}

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
	return c, status, msg
}

func classify(err error) code {
	if err == nil {
		return codeOK
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	if c := pedulilindungi.Code(err); c != 0 {
		return code(c)
	}
	field := fieldImage
	var ie *engine.ImageError
	if errors.As(err, &ie) {
		switch ie.Field {
		case "source_image":
			field = fieldSource
		case "target_image":
			field = fieldTarget
		}
	}
	switch {
	case errors.Is(err, embed.ErrBase64):
		return imageCodes[field][1]
	case errors.Is(err, embed.ErrImageType):
		return imageCodes[field][2]
	case errors.Is(err, embed.ErrImageCorrupt), errors.Is(err, embed.ErrImageTooLarge):
		return imageCodes[field][3]
	case errors.Is(err, embed.ErrNoFace):
		return codeNoFace
	case errors.Is(err, embed.ErrFaceTooSmall):
		return codeFaceTooSmall
	case errors.Is(err, embed.ErrMultipleFaces):
		return codeMultipleFaces
	case errors.Is(err, engine.ErrPresentationAttack):
		return codePresentation
	case errors.Is(err, engine.ErrGalleryNotFound):
		return codeGalleryNotFound
	case errors.Is(err, engine.ErrPersonNotFound):
		return codeUserNotFound
	case errors.Is(err, engine.ErrNotVerified):
		return codeNotVerified
	case errors.Is(err, engine.ErrUnauthorized):
		return codeUnauthorized
	case errors.Is(err, engine.ErrForbidden):
		return codeForbidden
	case errors.Is(err, engine.ErrInvalid), errors.Is(err, engine.ErrGalleryExists), errors.Is(err, pedulilindungi.ErrInvalid):
		return codeMalformed
	}
	return codeServerError // includes context.DeadlineExceeded: the request ran out of time
}
