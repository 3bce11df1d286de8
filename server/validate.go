package server

// check validates request fields in order and keeps the first failure, so a handler reads as
// a list of fields followed by one error test.
type check struct{ err error }

func (k *check) id(s jstr, nullCode code, name string) string {
	if k.err != nil {
		return ""
	}
	v, err := identifier(s, nullCode, name)
	k.err = err
	return v
}

// optID is an optional identifier (cursor): absent is "", a wrong type or too long is 400.
func (k *check) optID(s jstr, name string) string {
	if k.err != nil || (!s.set && !s.bad) {
		return ""
	}
	v, err := identifier(s, codeMalformed, name)
	if err != nil && s.bad {
		err = failf(codeMalformed, "%s must be a string", name)
	}
	k.err = err
	return v
}

func (k *check) img(m jimg, f imageField) []byte {
	if k.err != nil {
		return nil
	}
	v, err := image(m, f)
	k.err = err
	return v
}

func (k *check) flag(b jbool, name string) bool {
	if k.err == nil && b.bad {
		k.err = failf(codeMalformed, "%s must be a boolean", name)
	}
	return b.v
}

// num is an optional number in [lo, hi]; absent gives def.
func (k *check) num(n jnum, name string, lo, hi, def float64) float64 {
	if k.err != nil {
		return def
	}
	switch {
	case n.bad:
		k.err = failf(codeMalformed, "%s must be a number", name)
	case !n.set:
		return def
	case n.v < lo || n.v > hi:
		k.err = failf(codeMalformed, "%s must be within [%g, %g]", name, lo, hi)
	}
	return n.v
}
