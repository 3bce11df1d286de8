package nn

func init() {
	Register(OpMaxPool2D, OpDef{Infer: inferPool, Compile: compilePool})
	Register(OpAvgPool2D, OpDef{Infer: inferPool, Compile: compilePool})
}

func inferPool(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	g, err := geometry(n, in[0], n.Attrs.Window[0], n.Attrs.Window[1])
	if err != nil {
		return nil, err
	}
	return [][]int{{g.n, g.oh, g.ow, g.c}}, nil
}

func compilePool(n *Node, in [][]int, _ [][]float32, _ [][]int) (Kernel, error) {
	g, err := geometry(n, in[0], n.Attrs.Window[0], n.Attrs.Window[1])
	if err != nil {
		return Kernel{}, err
	}
	isMax := n.Op == OpMaxPool2D
	act, alpha := n.Attrs.Act, n.Attrs.Alpha
	return Kernel{Run: func(in, out [][]float32, _ []float32) {
		pool(&g, in[0], out[0], isMax)
		applyAct(out[0], g.c, act, alpha, nil)
	}}, nil
}

// pool computes max or average pooling; the average excludes padding (TFLite, TF.js).
// A window's first pixel initialises the output and the others fold into it.
func pool(g *convGeom, x, y []float32, isMax bool) {
	c := g.c
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			y0, y1 := max(oy*g.sh-g.padTop, 0), min(oy*g.sh-g.padTop+g.kh, g.h)
			for ox := 0; ox < g.ow; ox++ {
				x0, x1 := max(ox*g.sw-g.padLeft, 0), min(ox*g.sw-g.padLeft+g.kw, g.w)
				dst := y[((b*g.oh+oy)*g.ow+ox)*c:][:c]
				if y0 >= y1 || x0 >= x1 { // window entirely in the padding
					clear(dst)
					continue
				}
				first := true
				for iy := y0; iy < y1; iy++ {
					row := x[((b*g.h+iy)*g.w)*c:]
					for ix := x0; ix < x1; ix++ {
						src := row[ix*c : ix*c+c]
						switch {
						case first:
							copy(dst, src)
							first = false
						case c < 16 && isMax: // few channels (pnet): a call costs more than the loop
							for i, v := range src {
								dst[i] = max(dst[i], v)
							}
						case c < 16:
							for i, v := range src {
								dst[i] += v
							}
						case isMax:
							maxInto(dst, src)
						default:
							addVec(dst, dst, src)
						}
					}
				}
				if !isMax {
					inv := 1 / float32((y1-y0)*(x1-x0))
					for i := range dst {
						dst[i] *= inv
					}
				}
			}
		}
	}
}

func maxIntoGeneric(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = max(dst[i], v)
	}
}

// maxInto computes dst = max(dst, src), dispatching to SIMD when available.
var maxInto = maxIntoGeneric
