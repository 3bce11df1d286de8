package nn

// DepthToSpace (TensorFlow's, NHWC, DCR order) moves channel blocks into space: input
// [N,H,W,C] with C = b*b*C' becomes [N,H*b,W*b,C'], output (n, h*b+i, w*b+j, c) =
// input (n, h, w, (i*b+j)*C'+c). MediaPipe's full-range face detector upsamples its heads
// with it. Data movement only: one gather over a 6-d view, no arithmetic to vectorize.

func init() {
	registerOp(OpDepthToSpace, OpDef{Infer: inferDepthToSpace, Compile: compileDepthToSpace})
}

func depthToSpaceBlock(n *Node, in [][]int) (int, error) {
	b := n.Attrs.BlockSize
	if b < 2 || b > 1<<10 { // the bound keeps b*b far from overflow
		return 0, shapeErr(n, "block size %d, want 2 to 1024", b)
	}
	if len(in[0]) != 4 {
		return 0, shapeErr(n, "input rank %d, want 4 (NHWC)", len(in[0]))
	}
	if c := in[0][3]; c%(b*b) != 0 {
		return 0, shapeErr(n, "%d channels do not divide into blocks of %d x %d", c, b, b)
	}
	return b, nil
}

func inferDepthToSpace(n *Node, in [][]int, _ [][]float32) ([][]int, error) {
	b, err := depthToSpaceBlock(n, in)
	if err != nil {
		return nil, err
	}
	s := in[0]
	return [][]int{{s[0], s[1] * b, s[2] * b, s[3] / (b * b)}}, nil
}

func compileDepthToSpace(n *Node, in [][]int, _ [][]float32, _ [][]int) (Kernel, error) {
	b, err := depthToSpaceBlock(n, in)
	if err != nil {
		return Kernel{}, err
	}
	N, H, W, C := in[0][0], in[0][1], in[0][2], in[0][3]
	c := C / (b * b)
	// The output in row-major order is [N][H][i][W][j][c]; each index's stride in the input.
	shape := []int{N, H, b, W, b, c}
	strides := []int{H * W * C, W * C, b * c, C, c, 1}
	return Kernel{Run: func(in, out [][]float32, _ []float32) {
		gather(shape, strides, 0, in[0], out[0])
	}}, nil
}
