package tfjs

import "fmt"

// Cut names a subgraph: the output of node Input becomes the model's only input, of
// InputShape (-1 for a dynamic dimension), and the listed node outputs ("name" or
// "name:k") its outputs. Only the nodes between them are converted.
type Cut struct {
	Input      string
	InputShape []int
	Outputs    []string
}

// apply turns the cut's input node into a placeholder and returns it.
func (c *Cut) apply(byName map[string]*node) (*node, error) {
	n, ok := byName[c.Input]
	if !ok {
		return nil, fmt.Errorf("cut input %q is no node: %w", c.Input, ErrFormat)
	}
	if len(c.Outputs) == 0 {
		return nil, fmt.Errorf("cut at %q names no output: %w", c.Input, ErrFormat)
	}
	if len(c.InputShape) == 0 || len(c.InputShape) > maxRank {
		return nil, fmt.Errorf("cut input %q: shape %v: %w", c.Input, c.InputShape, ErrLimit)
	}
	shape := &shapeProto{}
	for _, d := range c.InputShape {
		if d < -1 || d > maxDim {
			return nil, fmt.Errorf("cut input %q: dimension %d: %w", c.Input, d, ErrLimit)
		}
		shape.Dim = append(shape.Dim, dimProto{Size: jsonInt(d)})
	}
	n.op, n.in, n.value = "Placeholder", nil, nil
	n.attr = map[string]attrValue{"shape": {Shape: shape}}
	return n, nil
}
