package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
)

// A request body is one flat JSON object whose big value is a base64 image. encoding/json
// scans such a body twice byte by byte (validate, then decode); decodeObject instead walks
// the top-level object, skips string values with IndexByte (memchr speed) and hands each
// known field its raw value. Unknown values are validated with json.Valid, so the set of
// accepted bodies is exactly encoding/json's (FuzzFastDecode checks that both agree).
// Kept over encoding/json because it is measured to matter: on a verify body with a 100 KB
// image (137 KB), decodeJSON takes 0.33-0.61 ms and json.Unmarshal into the same types
// 1.04-1.48 ms, same run (`go test ./server -run '^$' -bench DecodeVerifyRequest -count 4`,
// 2026-12-03, shared machine at load 6): about 1 ms of every image request.

var errSyntax = errors.New("invalid JSON")

// maxDepth bounds nesting in ignored values, as encoding/json does (10000).
const maxDepth = 10000

type fieldSet struct {
	names []string
	index map[string]int
}

var fieldSets sync.Map // reflect.Type -> *fieldSet

func fieldsOf(t reflect.Type) *fieldSet {
	if fs, ok := fieldSets.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{index: map[string]int{}}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fs.names = append(fs.names, name)
		fs.index[name] = i
	}
	fieldSets.Store(t, fs)
	return fs
}

// decodeObject fills *v (a pointer to a request struct whose fields are json.Unmarshalers
// that never fail) from a JSON object.
func decodeObject(data []byte, v any) error {
	rv := reflect.ValueOf(v).Elem()
	fs := fieldsOf(rv.Type())
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errSyntax
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		return trailing(data, i+1)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return errSyntax
		}
		kEnd, esc, err := scanString(data, i)
		if err != nil {
			return err
		}
		key := data[i+1 : kEnd-1]
		var unq string
		if !esc && !validStringFast(key) {
			return errSyntax
		}
		if esc {
			if json.Unmarshal(data[i:kEnd], &unq) != nil {
				return errSyntax
			}
			key = []byte(unq)
		}
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return errSyntax
		}
		i = skipWS(data, i+1)
		vEnd, err := skipValue(data, i, 0)
		if err != nil {
			return err
		}
		raw := data[i:vEnd]
		if f := fs.lookup(key); f >= 0 {
			if err := setField(rv.Field(f), raw); err != nil {
				return err
			}
		} else if !json.Valid(raw) {
			return errSyntax
		}
		i = skipWS(data, vEnd)
		if i >= len(data) {
			return errSyntax
		}
		switch data[i] {
		case ',':
			i = skipWS(data, i+1)
		case '}':
			return trailing(data, i+1)
		default:
			return errSyntax
		}
	}
}

// lookup matches a key exactly, else case-insensitively, like encoding/json.
func (fs *fieldSet) lookup(key []byte) int {
	if f, ok := fs.index[string(key)]; ok {
		return f
	}
	for i, n := range fs.names {
		if strings.EqualFold(n, string(key)) {
			return i
		}
	}
	return -1
}

// setField decodes raw into a field. Small values go through encoding/json inside their
// UnmarshalJSON after json.Valid. An image string is base64-decoded straight from the body;
// it can only be invalid JSON through a control character, and base64 decoding rejects all
// of those but \t \r \n (and the data: prefix is not base64), so only then, or when
// decoding failed, is it validated in full.
func setField(f reflect.Value, raw []byte) error {
	u := f.Addr().Interface().(json.Unmarshaler)
	if m, ok := u.(*jimg); ok && raw[0] == '"' {
		_ = m.UnmarshalJSON(raw)
		if (m.b64 || mayHaveControl(raw)) && !json.Valid(raw) {
			*m = jimg{}
			return errSyntax
		}
		return nil
	}
	if !json.Valid(raw) {
		return errSyntax
	}
	_ = u.UnmarshalJSON(raw)
	return nil
}

// mayHaveControl: raw holds \t, \r or \n, or a data: prefix with any control character.
func mayHaveControl(raw []byte) bool {
	if bytes.IndexByte(raw, '\t') >= 0 || bytes.IndexByte(raw, '\r') >= 0 || bytes.IndexByte(raw, '\n') >= 0 {
		return true
	}
	if !bytes.HasPrefix(bytes.TrimLeft(raw[1:], " "), []byte("data:")) {
		return false
	}
	end := bytes.IndexByte(raw, ',')
	if end < 0 {
		end = len(raw)
	}
	for _, c := range raw[:end] {
		if c < 0x20 {
			return true
		}
	}
	return false
}

func trailing(data []byte, i int) error {
	if skipWS(data, i) != len(data) {
		return errSyntax
	}
	return nil
}

func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString returns the index after the closing quote of the string starting at i, and
// whether it holds escapes. Content is validated later, where it is used.
func scanString(data []byte, i int) (end int, escaped bool, err error) {
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, false, errSyntax
		}
		q := j + k
		n := 0 // backslashes right before the quote
		for p := q - 1; p > i && data[p] == '\\'; p-- {
			n++
		}
		if !escaped && bytes.IndexByte(data[j:q], '\\') >= 0 {
			escaped = true
		}
		if n%2 == 0 {
			return q + 1, escaped, nil
		}
		j = q + 1
	}
}

// skipValue returns the end of the value starting at i. It only finds the extent; values
// are validated by whoever uses them (json.Valid or an UnmarshalJSON).
func skipValue(data []byte, i, depth int) (int, error) {
	if i >= len(data) {
		return 0, errSyntax
	}
	switch c := data[i]; {
	case c == '"':
		end, _, err := scanString(data, i)
		return end, err
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return 0, errSyntax
		}
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		j := skipWS(data, i+1)
		if j < len(data) && data[j] == closer {
			return j + 1, nil
		}
		for {
			var err error
			if c == '{' {
				if j >= len(data) || data[j] != '"' {
					return 0, errSyntax
				}
				if j, _, err = scanString(data, j); err != nil {
					return 0, err
				}
				j = skipWS(data, j)
				if j >= len(data) || data[j] != ':' {
					return 0, errSyntax
				}
				j = skipWS(data, j+1)
			}
			if j, err = skipValue(data, j, depth+1); err != nil {
				return 0, err
			}
			j = skipWS(data, j)
			if j >= len(data) {
				return 0, errSyntax
			}
			if data[j] == closer {
				return j + 1, nil
			}
			if data[j] != ',' {
				return 0, errSyntax
			}
			j = skipWS(data, j+1)
		}
	default: // number, true, false, null: up to the next delimiter
		j := i
		for j < len(data) {
			switch data[j] {
			case ',', '}', ']', ' ', '\t', '\r', '\n', ':', '"', '{', '[':
				if j == i {
					return 0, errSyntax
				}
				return j, nil
			}
			j++
		}
		return j, nil
	}
}

// validStringFast reports that a short string literal without escapes has no control
// characters (false may also mean it has escapes; the caller then decodes it properly).
func validStringFast(raw []byte) bool {
	for _, c := range raw {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return true
}
