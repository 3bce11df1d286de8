package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzRequestParsing: no body crashes the decoder, and what it accepts is consistent with
// encoding/json's own reading of the same body.
func FuzzRequestParsing(f *testing.F) {
	for _, s := range []string{
		`{"nik":"1","user_name":"a","facegallery_id":"g","image":"/9j/","trx_id":"t"}`,
		`{"nik":1,"user_name":null,"image":7,"force_pl":"true","latitude":"-6.2","qrCode":"checkin:V"}`,
		`{"image":"data:image/png;base64,iVBORw0KGgo=","trx_id":12}`,
		`{"image":"aGVs\/bG8=\n"}`, `{"image":"\u0041"}`, `[]`, `{`, `{"nik":"\ud800"}`, `{"limit":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var q plVisitReq
		err := decodeJSON(body, &q)
		var generic map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		jerr := dec.Decode(&generic)
		if jerr == nil && !json.Valid(body) {
			jerr = errTrailing
		}
		if (err == nil) != (jerr == nil && generic != nil) {
			t.Fatalf("decodeJSON err %v, encoding/json err %v (%v)", err, jerr, generic)
		}
		if err != nil {
			if classify(err) != codeMalformed {
				t.Fatalf("decode failure mapped to %d", classify(err))
			}
			return
		}
		var k check
		nik := k.id(q.NIK, codeUserIDNull, "nik")
		if k.err == nil {
			if s, ok := generic["nik"].(string); !ok || s != nik || nik == "" {
				t.Fatalf("nik %q accepted, json says %#v", nik, generic["nik"])
			}
		}
		if img, err := image(q.Image, fieldImage); err == nil && !isJPEG(img) && !isPNG(img) {
			t.Fatalf("image accepted without a JPEG/PNG signature")
		}
		if c := classify(k.err); k.err != nil && c != codeUserIDNull && c != codeMalformed {
			t.Fatalf("nik error mapped to %d", c)
		}
	})
}

var errTrailing = errors.New("trailing data")

// FuzzBase64: every encoding variant kiosks use round-trips, and any text that the standard
// decoder accepts decodes to the same bytes.
func FuzzBase64(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe0hello"), uint8(0))
	f.Add([]byte{}, uint8(5))
	f.Add([]byte("\x89PNG\r\n\x1a\n"), uint8(7))
	f.Fuzz(func(t *testing.T, raw []byte, variant uint8) {
		encs := []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding}
		text := encs[variant%4].EncodeToString(raw)
		if variant&4 != 0 {
			text = "data:image/jpeg;base64," + text
		}
		if variant&8 != 0 && len(text) > 10 {
			text = text[:10] + "\r\n" + text[10:]
		}
		got, err := decodeBase64([]byte(text))
		if len(raw) == 0 {
			if err == nil && len(got) != 0 {
				t.Fatalf("empty input decoded to %x", got)
			}
			return
		}
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("variant %d %q: got %x, %v; want %x", variant, text, got, err, raw)
		}
		if std, err := base64.StdEncoding.DecodeString(string(raw)); err == nil && len(std) > 0 {
			if mine, err := decodeBase64(raw); err != nil || !bytes.Equal(mine, std) {
				t.Fatalf("std decodes %q, mine %x %v", raw, mine, err)
			}
		}
	})
}

// FuzzFastDecode: decodeObject accepts exactly the bodies encoding/json accepts (as a JSON
// object) and fills every field type identically.
func FuzzFastDecode(f *testing.F) {
	for _, s := range []string{
		`{"nik":"1","user_name":"a","facegallery_id":"g","image":"/9j/4AAQ","trx_id":"t"}`,
		`{"NIK":"x","nik":"y","image":"data:image/jpeg;base64,/9j/","qr_code":"checkin:v","latitude":1.5}`,
		`{"image":"aGVs\/bG8=","x":[{"a":[1,2,{"b":null}]}],"y":"\"q\\"}`, "{\"image\":\"/9j/\t\"}",
		`{"image":"/9j/\u0000"}`, `{"image":12,"force_pl":true,"limit":-1e3}`, `{}`, ` {"a":1} `, `{"a":1}x`,
		`{"a" : tru}`, `{"a":01}`, `{"image":"data:\u0001;base64,/9j/"}`, "{\"image\":\"data:\x01;base64,/9j/\"}", "{\"\x18\":0}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, slow plVisitReq
		ferr := decodeObject(body, &fast)
		trimmed := bytes.TrimSpace(body)
		serr := json.Unmarshal(body, &slow)
		if serr == nil && (len(trimmed) == 0 || trimmed[0] != '{') {
			return // valid JSON but not an object: decodeJSON refuses it before decodeObject
		}
		if (ferr == nil) != (serr == nil) {
			t.Fatalf("fast err %v, encoding/json err %v", ferr, serr)
		}
		if ferr == nil && !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast %+v\nslow %+v", fast, slow)
		}
	})
}
