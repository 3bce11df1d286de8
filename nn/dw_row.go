package nn

// Row kernels for 3x3 stride-1 depthwise layers (blazeface's 24/48/96 channels,
// MobileFaceNet's 64-256, stride 1 or 2): the interior of an output row is n steps of V·16
// floats (V <= 3)
// whose 9·V weight vectors stay in registers for the whole row (dw_amd64.s). Layers whose
// channels are a multiple of 16 run one pass per group of up to 3 channel vectors with a
// step of one pixel; others use the span tiling (op_tfjs_depthwise.go), whose period is
// the step. dwRow3x3Generic is the reference.

// dwGroup is one channel group's packed parameters: wt [9][vl], b [vl], alpha [vl].
type dwGroup struct {
	c0        int
	wt, b, al []float32
}

// dwActCode is the row kernels' activation code, or -1 where they cannot apply act.
func dwActCode(act Activation) int {
	switch act {
	case ActNone:
		return 0
	case ActRelu:
		return 1
	case ActRelu6:
		return 2
	case ActPRelu:
		return 3
	}
	return -1
}

// dwRowOK reports whether the row kernels serve geometry g (stride 2 through channel
// groups only: the span tiling needs stride 1).
func dwRowOK(g *convGeom) bool {
	return g.kh == 3 && g.kw == 3 && g.dh == 1 && g.dw == 1 && (g.sw == 1 || g.sw == 2 && g.c%16 == 0)
}

// tileAlphaTo repeats per-channel (or one shared) PReLU slopes over n floats with period c.
func tileAlphaTo(alpha []float32, c, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		switch len(alpha) {
		case 0:
		case 1:
			out[i] = alpha[0]
		default:
			out[i] = alpha[i%c]
		}
	}
	return out
}

// dwGroups packs weights [9][c], bias [c] and alpha for c a multiple of 16: groups of three
// vectors, the last one or two.
func dwGroups(w, bias, alpha []float32, c int) []dwGroup {
	al := tileAlphaTo(alpha, c, c)
	var gs []dwGroup
	for c0 := 0; c0 < c; {
		vl := min(48, c-c0)
		if r := c - c0; r == 64 { // 32+32 beats 48+16: no one-vector pass
			vl = 32
		}
		gr := dwGroup{c0: c0, wt: make([]float32, 9*vl), b: make([]float32, vl), al: al[c0 : c0+vl]}
		for t := 0; t < 9; t++ {
			copy(gr.wt[t*vl:(t+1)*vl], w[t*c+c0:t*c+c0+vl])
		}
		if bias != nil {
			copy(gr.b, bias[c0:c0+vl])
		}
		gs = append(gs, gr)
		c0 += vl
	}
	return gs
}

// dwRow3x3Generic: for i < n and j < vl = len(b),
// dst[i·ystep+j] = act(b[j] + Σ_{ky,kx} x[i·xstep + ky·rs + kx·cs + j]·wt[(3ky+kx)·vl + j]).
func dwRow3x3Generic(n, xstep, ystep int, x []float32, rs, cs int, wt, b, alpha, dst []float32, act int) {
	vl := len(b)
	for i := 0; i < n; i++ {
		for j := 0; j < vl; j++ {
			s := b[j]
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					s += x[i*xstep+ky*rs+kx*cs+j] * wt[(3*ky+kx)*vl+j]
				}
			}
			switch act {
			case 1:
				s = max(s, 0)
			case 2:
				s = min(max(s, 0), 6)
			case 3:
				if s < 0 {
					s *= alpha[j]
				}
			}
			dst[i*ystep+j] = s
		}
	}
}
