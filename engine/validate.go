package engine

import (
	"fmt"
	"unicode/utf8"
)

// validIDs checks required identifiers: non-empty, valid UTF-8, at most 120 characters
// (the API's limit for nik, user_id, facegallery_id, user_name and trx_id).
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
	}
	return nil
}

// threshold resolves a request's threshold: 0 means the engine's default.
func (e *Engine) threshold(t float64) (float64, error) {
	switch {
	case t == 0:
		return e.opts.Threshold, nil
	case t < 0 || t > 1 || t != t:
		return 0, fmt.Errorf("%w: threshold %v not in (0,1]", ErrInvalid, t)
	}
	return t, nil
}
