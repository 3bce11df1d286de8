package tfjs

import "fmt"

// Typed access to node attributes. A missing attribute yields the default; one of the
// wrong kind is ErrFormat naming the node.

func (n *node) attrString(key, def string) (string, error) {
	v, ok := n.attr[key]
	if !ok {
		return def, nil
	}
	if v.S == nil {
		return "", n.badAttr(key, "string")
	}
	return string(v.S), nil
}

func (n *node) attrBool(key string, def bool) (bool, error) {
	v, ok := n.attr[key]
	if !ok {
		return def, nil
	}
	if v.B == nil {
		return false, n.badAttr(key, "bool")
	}
	return *v.B, nil
}

func (n *node) attrFloat(key string, def float64) (float64, error) {
	v, ok := n.attr[key]
	if !ok {
		return def, nil
	}
	if v.F == nil {
		return 0, n.badAttr(key, "float")
	}
	return float64(*v.F), nil
}

func (n *node) attrInt(key string, def int) (int, error) {
	v, ok := n.attr[key]
	if !ok {
		return def, nil
	}
	if v.I == nil {
		return 0, n.badAttr(key, "int")
	}
	if x := int64(*v.I); x < -maxDim || x > maxDim {
		return 0, fmt.Errorf("node %q: attribute %s value %d: %w", n.name, key, x, ErrLimit)
	}
	return int(*v.I), nil
}

func (n *node) attrInts(key string) ([]int, error) {
	v, ok := n.attr[key]
	if !ok || v.List == nil {
		return nil, nil
	}
	if len(v.List.I) > maxRank*2 {
		return nil, fmt.Errorf("node %q: attribute %s has %d values: %w", n.name, key, len(v.List.I), ErrLimit)
	}
	out := make([]int, len(v.List.I))
	for i, x := range v.List.I {
		if x < -maxDim || x > maxDim {
			return nil, fmt.Errorf("node %q: attribute %s value %d: %w", n.name, key, x, ErrLimit)
		}
		out[i] = int(x)
	}
	return out, nil
}

func (n *node) attrStrings(key string) ([]string, error) {
	v, ok := n.attr[key]
	if !ok || v.List == nil {
		return nil, nil
	}
	out := make([]string, len(v.List.S))
	for i, s := range v.List.S {
		out[i] = string(s)
	}
	return out, nil
}

func (n *node) badAttr(key, want string) error {
	return fmt.Errorf("node %q (%s): attribute %s is not a %s: %w", n.name, n.op, key, want, ErrFormat)
}

// attrInt returns an integer attribute, 0 when it is missing or not an integer (the
// rewrites use it to match patterns, where either means "not this pattern" or TF's default).
func attrInt(n *node, key string) int64 {
	v, ok := n.attr[key]
	if !ok || v.I == nil {
		return 0
	}
	return int64(*v.I)
}
