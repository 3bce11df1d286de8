package server

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/pedulilindungi"
)

// TestClassify: each package's sentinels, wrapped as callers wrap them, get the code of
// the contract table; the admin socket restores the canonical sentinel from the code.
func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("context: %w", err) }
	src := func(err error) error { return &engine.ImageError{Image: engine.SourceImage, Err: err} }
	dst := func(err error) error { return &engine.ImageError{Image: engine.TargetImage, Err: err} }
	for _, tc := range []struct {
		err  error
		want code
	}{
		{nil, 200},
		{wrap(engine.ErrInvalid), 400},
		{engine.ErrGalleryExists, 400},
		{pedulilindungi.ErrInvalid, 400},
		{wrap(engine.ErrUnauthorized), 401},
		{engine.ErrNotVerified, 411},
		{wrap(embed.ErrNoFace), 412},
		{embed.ErrFaceTooSmall, 413},
		{embed.ErrMultipleFaces, 414},
		{engine.ErrPersonNotFound, 415},
		{engine.ErrGalleryNotFound, 416},
		{wrap(embed.ErrBase64), 490},
		{embed.ErrImageType, 491},
		{dst(embed.ErrBase64), 492},
		{embed.ErrImageCorrupt, 493},
		{embed.ErrImageTooLarge, 493},
		{dst(embed.ErrImageType), 493},
		{src(embed.ErrBase64), 494},
		{src(embed.ErrImageType), 495},
		{src(embed.ErrNoFace), 412},
		{engine.ErrModelMismatch, 500},
		{engine.ErrClosed, 500},
		{errors.New("disk full"), 500},
		{wrap(pedulilindungi.ErrUnknown), 600},
		{pedulilindungi.ErrRejected, 603},
		{pedulilindungi.ErrTimeout, 604},
		{pedulilindungi.ErrNoResponse, 605},
		{pedulilindungi.ErrNotEnrolled, 606},
		{pedulilindungi.ErrUnreachable, 607},
		{pedulilindungi.ErrIncomplete, 608},
		{pedulilindungi.ErrMalformed, 609},
		{pedulilindungi.ErrNotFound, 610},
		{pedulilindungi.ErrTokenExpired, 611},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.want)
		}
		if _, ok := messages[tc.want]; !ok {
			t.Errorf("code %d has no message", tc.want)
		}
	}
	for _, r := range sentinelCodes {
		if r.col != 0 {
			continue
		}
		if s := sentinelOf(r.code, ""); classify(s) != r.code {
			t.Errorf("sentinelOf(%d) = %v, classified %d", r.code, s, classify(s))
		}
	}
	if sentinelOf(codeServerError, "") != nil {
		t.Error("500 restores a sentinel")
	}
}
