package nn

func init() {
	registerOp(OpMaxPool2D, OpDef{Infer: inferPool, Compile: compilePool})
	registerOp(OpAvgPool2D, OpDef{Infer: inferPool, Compile: compilePool})
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
	return Kernel{Scratch: g.w * g.c, Run: func(in, out [][]float32, s []float32) {
		pool(&g, in[0], out[0], s, isMax)
		applyAct(out[0], g.c, act, alpha, nil)
	}}, nil
}

// pool computes max or average pooling; the average excludes padding (TFLite, TF.js).
// Each output row first folds its window's input rows into one row (long, SIMD-friendly
// vectors), then folds each output pixel's window columns from that row. row holds w·c
// floats.
func pool(g *convGeom, x, y, row []float32, isMax bool) {
	c := g.c
	span := g.w * c
	row = row[:span]
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			y0, y1 := max(oy*g.sh-g.padTop, 0), min(oy*g.sh-g.padTop+g.kh, g.h)
			out := y[(b*g.oh+oy)*g.ow*c : (b*g.oh+oy+1)*g.ow*c]
			if y0 >= y1 { // the window lies in the padding
				clear(out)
				continue
			}
			copy(row, x[(b*g.h+y0)*span:(b*g.h+y0+1)*span])
			for iy := y0 + 1; iy < y1; iy++ {
				src := x[(b*g.h+iy)*span : (b*g.h+iy+1)*span]
				if isMax {
					maxInto(row, src)
				} else {
					addVec(row, row, src)
				}
			}
			oxA, oxB := 0, 0 // columns whose 2-wide, stride-2 window is inside the row
			if hi := g.w + g.padLeft - 2; isMax && g.kw == 2 && g.sw == 2 && hi >= 0 {
				oxA = min((g.padLeft+1)/2, g.ow)
				oxB = max(min(hi/2+1, g.ow), oxA)
				if oxB > oxA {
					maxPairs(out[oxA*c:oxB*c], row[(2*oxA-g.padLeft)*c:], c) // border windows read other columns
				}
			}
			for ox := 0; ox < g.ow; ox++ {
				if ox == oxA && oxB > oxA {
					ox = oxB - 1
					continue
				}
				x0, x1 := max(ox*g.sw-g.padLeft, 0), min(ox*g.sw-g.padLeft+g.kw, g.w)
				dst := out[ox*c : ox*c+c]
				if x0 >= x1 {
					clear(dst)
					continue
				}
				copy(dst, row[x0*c:x0*c+c])
				for ix := x0 + 1; ix < x1; ix++ {
					src := row[ix*c : ix*c+c]
					switch {
					case c < 16 && isMax: // few channels (pnet): a call costs more than the loop
						d := dst[:len(src)]
						for i, v := range src {
							if v > d[i] { // not max(): no NaN/-0 handling on the hot path
								d[i] = v
							}
						}
					case c < 16:
						d := dst[:len(src)]
						for i, v := range src {
							d[i] += v
						}
					case isMax:
						maxInto(dst, src)
					default:
						addVec(dst, dst, src)
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

// maxPairs writes dst[p·c+i] = max(src[2p·c+i], src[(2p+1)·c+i]) for every pixel p of
// dst (the column fold of a 2-wide, stride-2 max pool: pnet's 10 channels, blazeface's
// 24), overwriting src: one vector pass src[j] = max(src[j], src[j+c]), then a strided
// copy without branches (a compare per element mispredicts on activations).
func maxPairs(dst, src []float32, c int) {
	np := len(dst) / c
	src = src[:2*np*c]
	maxInto(src[:len(src)-c], src[c:])
	for p := 0; p < np; p++ {
		d, s := dst[p*c:p*c+c], src[2*p*c:2*p*c+c]
		for i := range d {
			d[i] = s[i]
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
