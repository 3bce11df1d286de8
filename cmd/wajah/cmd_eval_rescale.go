package main

import (
	"bytes"
	"image/jpeg"

	"github.com/wajah-id/wajah/embed"
)

// evalRescaleJPEG resizes an image by f (bilinear) and encodes it as JPEG quality 90, so an
// evaluation can send LFW's 250x250 faces through the pipeline as large photos: decoded at
// a reduced DCT scale, detected there, aligned from a finer decode when the face needs it.
func evalRescaleJPEG(data []byte, f float64) ([]byte, error) {
	img, err := embed.Decode(data, embed.Limits{})
	if err != nil {
		return nil, err
	}
	big := embed.Resize(img, max(1, int(float64(img.W)*f+0.5)), max(1, int(float64(img.H)*f+0.5)))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, big.Image(), &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
