package server

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// Request fields are small types whose UnmarshalJSON never fails: they record whether the
// field was present and whether it had the right JSON type, so that one json.Unmarshal
// pass gives each missing or mistyped field its specific code instead of one generic 400.
// Unknown fields are ignored by encoding/json.

// maxIdentifier is the contract's limit on identifiers, in characters.
const maxIdentifier = 120

// jstr is a JSON string. A string that is empty counts as missing.
type jstr struct {
	v   string
	set bool // present, a string, non-empty
	bad bool // present with another JSON type
}

func (s *jstr) UnmarshalJSON(b []byte) error {
	*s = jstr{}
	switch {
	case len(b) == 0 || b[0] == 'n':
	case b[0] == '"':
		if err := json.Unmarshal(b, &s.v); err != nil {
			s.bad = true
			return nil
		}
		s.set = s.v != ""
	default:
		s.bad = true
	}
	return nil
}

// jtrx is trx_id: a string, or a number kept as written (some kiosks send numbers).
type jtrx struct{ v string }

func (t *jtrx) UnmarshalJSON(b []byte) error {
	t.v = ""
	switch {
	case len(b) > 0 && b[0] == '"':
		_ = json.Unmarshal(b, &t.v)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		t.v = string(b)
	}
	return nil
}

// jnum is a JSON number; a string holding a number is accepted too.
type jnum struct {
	v   float64
	set bool
	bad bool
}

func (n *jnum) UnmarshalJSON(b []byte) error {
	*n = jnum{}
	if len(b) == 0 || b[0] == 'n' {
		return nil
	}
	s := b
	if b[0] == '"' {
		var str string
		if json.Unmarshal(b, &str) != nil {
			n.bad = true
			return nil
		}
		s = []byte(str)
	}
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		// ParseFloat reads "nan" and "inf" (JSON has neither): a coordinate or threshold
		// that is not a finite number is malformed, never stored.
		n.bad = true
		return nil
	}
	n.v, n.set = v, true
	return nil
}

// jbool is a JSON boolean; "true"/"false" strings are accepted too.
type jbool struct {
	v   bool
	bad bool
}

func (f *jbool) UnmarshalJSON(b []byte) error {
	*f = jbool{}
	switch string(b) {
	case "true", `"true"`:
		f.v = true
	case "false", `"false"`, "null":
	default:
		f.bad = true
	}
	return nil
}

// jimg is a base64 image, decoded while the request is parsed so the base64 text is never
// copied into a Go string.
type jimg struct {
	data []byte
	set  bool // present and a non-empty string
	bad  bool // present with another JSON type
	b64  bool // not valid base64
}

func (m *jimg) UnmarshalJSON(b []byte) error {
	*m = jimg{}
	switch {
	case len(b) == 0 || b[0] == 'n':
		return nil
	case b[0] != '"' || len(b) < 2:
		m.bad = true
		return nil
	}
	text := b[1 : len(b)-1]
	if bytes.IndexByte(text, '\\') >= 0 {
		// JSON escapes ("\/", "\n") are rare in base64; unquote only then.
		var s string
		if json.Unmarshal(b, &s) != nil {
			m.b64 = true
			m.set = true
			return nil
		}
		text = []byte(s)
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return nil
	}
	m.set = true
	data, err := decodeBase64(text)
	if err != nil {
		m.b64 = true
		return nil
	}
	m.data = data
	return nil
}

// identifier checks a required identifier: missing / null / wrong type gives nullCode,
// longer than 120 characters gives 400.
func identifier(s jstr, nullCode code, name string) (string, error) {
	if !s.set {
		return "", &apiError{code: nullCode}
	}
	if utf8.RuneCountInString(s.v) > maxIdentifier {
		return "", failf(codeMalformed, "%s longer than %d characters", name, maxIdentifier)
	}
	return s.v, nil
}

// image checks a required image field and sniffs its type.
func image(m jimg, f imageField) ([]byte, error) {
	c := imageCodes[f]
	switch {
	case !m.set || m.bad:
		return nil, &apiError{code: c[0]}
	case m.b64:
		return nil, &apiError{code: c[1]}
	case !isJPEG(m.data) && !isPNG(m.data):
		return nil, &apiError{code: c[2]}
	}
	return m.data, nil
}

func isJPEG(b []byte) bool { return len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF }
func isPNG(b []byte) bool  { return len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n" }

// decodeJSON parses a request body into v; only a body that is not a JSON object fails.
// Only JSON's own whitespace may surround it (not bytes.TrimSpace's \v, \f or U+0085,
// which encoding/json refuses too).
func decodeJSON(body []byte, v any) error {
	if i := skipWS(body, 0); i == len(body) || body[i] != '{' {
		return failf(codeMalformed, "body must be a JSON object")
	}
	if err := decodeObject(body, v); err != nil {
		return &apiError{code: codeMalformed, detail: "body is not valid JSON", cause: err}
	}
	return nil
}
