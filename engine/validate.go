package engine

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// validIDs checks required identifiers: non-empty, valid UTF-8, no control characters,
// at most 120 characters (the API's limit for nik, user_id, facegallery_id, user_name and
// trx_id).
func validIDs(ids ...string) error {
	for _, id := range ids {
		if id == "" {
			return fmt.Errorf("%w: empty identifier", ErrInvalid)
		}
		if err := validOptional(id); err != nil {
			return err
		}
	}
	return nil
}

// validOptional checks an identifier that may be empty (names, trx ids).
func validOptional(ids ...string) error {
	for _, id := range ids {
		if !utf8.ValidString(id) {
			return fmt.Errorf("%w: identifier is not UTF-8", ErrInvalid)
		}
		if n := utf8.RuneCountInString(id); n > maxIdentifierRunes {
			return fmt.Errorf("%w: identifier of %d characters (max %d)", ErrInvalid, n, maxIdentifierRunes)
		}
		for _, r := range id {
			// A newline or NUL in an id would forge log lines and make two ids that
			// print alike; no legitimate NIK, user id or name holds one.
			if unicode.IsControl(r) {
				return fmt.Errorf("%w: identifier holds control character %U", ErrInvalid, r)
			}
		}
	}
	return nil
}

// normIDs NFKC-normalises each identifier in place, then checks it as validIDs does.
// Identifiers are keyed and hashed after this, so "１２３４" (fullwidth digits, as some
// input methods type them) and "1234" are one person, one gallery, one status.
func normIDs(ids ...*string) error {
	for _, p := range ids {
		if utf8.ValidString(*p) {
			*p = norm.NFKC.String(*p)
		}
		if err := validIDs(*p); err != nil {
			return err
		}
	}
	return nil
}

// threshold resolves a request's threshold: 0 means the engine's default, and one below
// the operator's floor (Options.MinThreshold) is raised to the floor: a caller may ask
// for a stricter verdict, never a looser one.
func (e *Engine) threshold(t float64) (float64, error) {
	switch {
	case t == 0:
		return e.opts.Threshold, nil
	case t < 0 || t > 1 || t != t:
		return 0, fmt.Errorf("%w: threshold %v not in (0,1]", ErrInvalid, t)
	}
	return max(t, e.opts.MinThreshold), nil
}
