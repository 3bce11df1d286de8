package embed

// The mask classifier's strongest features are MobileFaceNet's own: the 14x14x128 map after
// its last 14x14 block, where each cell sees the crop's texture around an 8x8 patch. Under
// the nose (rows 8-13, crop y 64-112) and between the cheeks (columns 2-11, x 16-96), the
// map is averaged per channel over row pairs: 3 x 128 values. Read from the embedding's own
// run (a second graph output, tflite.LoadWithOutputs), so it costs one copy, not a network.
// The rows above (0-7: forehead, eyes, nose) pool the same way into MaskInput.UpperMap,
// measured as a classifier feature (MaskFeatUpperMap) and not shipped.
// Measured against the pixel block means and the embedding in embed/maskmodel/README.md.
const (
	lowerMapTensor = "MobileFaceNet/MobileFaceNet/Conv2d_4_InvResBlock_5/Add"
	lowerMapSide   = 14
	lowerMapChans  = 128
	lowerMapRow0   = 8
	lowerMapBands  = 3
	upperMapBands  = 4 // rows 0-7
	lowerMapCol0   = 2
	lowerMapCol1   = 12
	// LowerMapDim is the length of MaskInput.LowerMap.
	LowerMapDim = lowerMapBands * lowerMapChans
	// UpperMapDim is the length of MaskInput.UpperMap().
	UpperMapDim = upperMapBands * lowerMapChans
	// lowerMapLen is one face's whole map.
	lowerMapLen = lowerMapSide * lowerMapSide * lowerMapChans
)

// lowerMapFeatures pools one face's map (lowerMapLen values, NHWC) into LowerMapDim.
func lowerMapFeatures(m []float32) []float32 { return mapBands(m, lowerMapRow0, lowerMapBands) }

// upperMapFeatures pools the rows above the lower-face bands into UpperMapDim.
func upperMapFeatures(m []float32) []float32 { return mapBands(m, 0, upperMapBands) }

// mapBands averages the map per channel over bands row pairs from row0, columns
// lowerMapCol0 to lowerMapCol1.
func mapBands(m []float32, row0, bands int) []float32 {
	f := make([]float32, bands*lowerMapChans)
	const cells = 2 * (lowerMapCol1 - lowerMapCol0)
	for band := range bands {
		acc := f[band*lowerMapChans : (band+1)*lowerMapChans]
		for y := row0 + 2*band; y < row0+2*band+2; y++ {
			for x := lowerMapCol0; x < lowerMapCol1; x++ {
				cell := m[(y*lowerMapSide+x)*lowerMapChans:][:lowerMapChans]
				for c, v := range cell {
					acc[c] += v
				}
			}
		}
		for c := range acc {
			acc[c] /= cells
		}
	}
	return f
}

// maskInput is what the mask heads read of one crop's MobileFaceNet run: raw is its Dim
// outputs, maps its lowerMapLen map values.
func maskInput(crop *RGB, raw, maps []float32) MaskInput {
	return MaskInput{Crop: crop, Emb: l2normalize(raw), LowerMap: lowerMapFeatures(maps), maps: maps}
}
