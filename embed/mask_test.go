package embed

import (
	"testing"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tflite"
)

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

func TestMaskFeatures(t *testing.T) {
	crop := NewRGB(AlignSize, AlignSize)
	for i := range crop.Pix {
		crop.Pix[i] = 255
	}
	emb := make([]float32, Dim)
	emb[3] = 1
	lm := make([]float32, LowerMapDim)
	lm[LowerMapDim-1] = 7
	in := MaskInput{Crop: crop, Emb: emb, LowerMap: lm}
	f := MaskFeatures(MaskFeatBoth, in)
	if len(f) != Dim+lowerDim {
		t.Fatalf("len = %d, want %d", len(f), Dim+lowerDim)
	}
	if f[3] != 1 || f[Dim] != 1 || f[len(f)-1] != 1 {
		t.Fatalf("features %v %v %v", f[3], f[Dim], f[len(f)-1])
	}
	f = MaskFeatures(MaskFeatBoth|MaskFeatLowerMap, in)
	if len(f) != Dim+lowerDim+LowerMapDim || f[len(f)-1] != 7 || f[Dim+lowerDim-1] != 1 {
		t.Fatalf("with the map: len %d, last %v", len(f), f[len(f)-1])
	}
	if f := MaskFeatures(MaskFeatLowerMap, in); len(f) != LowerMapDim {
		t.Fatalf("map alone: len %d", len(f))
	}
	if f := MaskFeatures(MaskFeatLowerMap|MaskFeatUpperMap, in); len(f) != LowerMapDim {
		t.Fatalf("upper map of an input without a run: len %d, want %d", len(f), LowerMapDim)
	}
	in.maps = make([]float32, lowerMapLen)
	for x := lowerMapCol0; x < lowerMapCol1; x++ { // rows 0-1, channel 0: the first upper value
		in.maps[x*lowerMapChans] = 9
		in.maps[(lowerMapSide+x)*lowerMapChans] = 9
	}
	f = MaskFeatures(MaskFeatLowerMap|MaskFeatUpperMap, in)
	if len(f) != LowerMapDim+UpperMapDim || f[LowerMapDim-1] != 7 || f[LowerMapDim] != 9 {
		t.Fatalf("map and upper map: len %d, %v %v", len(f), f[LowerMapDim-1], f[LowerMapDim])
	}
	// MaskFeatureDim, which ParseMaskModel checks a file against, is MaskFeatures' width for
	// every kind it knows: a feature added to one and not the other fails here.
	for kind := uint32(1); kind <= maskFeatAll; kind++ {
		if kind&^maskFeatAll != 0 {
			continue
		}
		if got, want := len(MaskFeatures(kind, in)), MaskFeatureDim(kind); got != want {
			t.Errorf("kind %d: MaskFeatures gives %d values, MaskFeatureDim says %d", kind, got, want)
		}
	}
}

// The lower-face map pools rows 8-9, 10-11 and 12-13 over columns 2-11, per channel; the
// upper map rows 0-1 to 6-7 the same way.
func TestLowerMapFeatures(t *testing.T) {
	m := make([]float32, lowerMapLen)
	for y := range lowerMapSide {
		for x := range lowerMapSide {
			for c := range lowerMapChans {
				m[(y*lowerMapSide+x)*lowerMapChans+c] = float32(100*y + x + 1000*c)
			}
		}
	}
	f := lowerMapFeatures(m)
	for band := range 3 {
		for _, c := range []int{0, 5, 127} {
			// mean of y over {8+2b, 9+2b} is 8.5+2b; mean of x over 2..11 is 6.5.
			want := float32(100*(8.5+2*float64(band)) + 6.5 + 1000*float64(c))
			if got := f[band*lowerMapChans+c]; got != want {
				t.Fatalf("band %d channel %d: %v, want %v", band, c, got, want)
			}
		}
	}
	u := upperMapFeatures(m)
	if len(u) != UpperMapDim {
		t.Fatalf("upper map: len %d, want %d", len(u), UpperMapDim)
	}
	for band := range upperMapBands {
		for _, c := range []int{0, 127} {
			want := float32(100*(0.5+2*float64(band)) + 6.5 + 1000*float64(c))
			if got := u[band*lowerMapChans+c]; got != want {
				t.Fatalf("upper band %d channel %d: %v, want %v", band, c, got, want)
			}
		}
	}
}

// Exposing the lower-face map as a second output changes nothing in the embedding: the same
// crop through MobileFaceNet loaded plainly and with the extra output gives bit-identical
// raw outputs, and the map EmbedFaceMask pools is that model's second output.
func TestEmbedderMapOutputLeavesEmbedding(t *testing.T) {
	p := testPipeline(t)
	path, err := models.PathIn(p.opts.ModelsDir, "MobileFaceNet.tflite")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := tflite.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	with, err := tflite.LoadWithOutputs(path, lowerMapTensor)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(with.Outputs()); n != 2 {
		t.Fatalf("embedder has %d outputs, want 2", n)
	}
	in := &nn.Tensor{Shape: []int{1, AlignSize, AlignSize, 3}, Data: make([]float32, AlignSize*AlignSize*3)}
	for i := range in.Data {
		in.Data[i] = float32(i%251)/125 - 1
	}
	a, err := plain.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := with.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a[0].Data {
		if a[0].Data[i] != b[0].Data[i] {
			t.Fatalf("embedding[%d]: %v alone, %v with the map output", i, a[0].Data[i], b[0].Data[i])
		}
	}
	if len(b[1].Data) != lowerMapLen {
		t.Fatalf("map has %d values, want %d", len(b[1].Data), lowerMapLen)
	}
}
