package server

import (
	"bytes"
	"encoding/base64"
	"errors"
)

var errBase64 = errors.New("invalid base64")

// decodeBase64 decodes image text as kiosks send it: an optional data URL prefix
// ("data:image/jpeg;base64,"), standard or URL alphabet, padded or not, line breaks allowed.
func decodeBase64(text []byte) ([]byte, error) {
	text = bytes.TrimSpace(text)
	if bytes.HasPrefix(text, []byte("data:")) {
		i := bytes.IndexByte(text, ',')
		if i < 0 || !bytes.Contains(text[:i], []byte(";base64")) {
			return nil, errBase64
		}
		text = text[i+1:]
	}
	if hasSpace(text) {
		text = bytes.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n':
				return -1
			}
			return r
		}, text)
	}
	if len(text) == 0 {
		return nil, errBase64
	}
	enc := base64.StdEncoding
	if bytes.ContainsAny(text, "-_") {
		enc = base64.URLEncoding
	}
	if text[len(text)-1] != '=' {
		enc = enc.WithPadding(base64.NoPadding)
	}
	out := make([]byte, enc.DecodedLen(len(text)))
	n, err := enc.Decode(out, text)
	if err != nil {
		return nil, errBase64
	}
	return out[:n], nil
}

// hasSpace is bytes.ContainsAny(text, " \t\r\n") at IndexByte speed.
func hasSpace(b []byte) bool {
	return bytes.IndexByte(b, '\n') >= 0 || bytes.IndexByte(b, '\r') >= 0 ||
		bytes.IndexByte(b, ' ') >= 0 || bytes.IndexByte(b, '\t') >= 0
}
