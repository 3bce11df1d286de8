package nn_test

import (
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tflite"
)

func init() {
	nn.LoadTFLite = tflite.Load
	nn.PatchTFLiteInputShape = tflite.PatchInputShape
}
