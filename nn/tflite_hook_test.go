package nn

// The TFLite importer is nn/tflite, which imports nn, so this package's own tests cannot
// import it. They load the real models through these two, which tflite_ext_test.go (package
// nn_test, compiled into the same test binary) sets to tflite.Load and tflite.PatchInputShape
// before any test runs.
var (
	LoadTFLite            func(path string) (*Model, error)
	PatchTFLiteInputShape func(b []byte, shape []int) error
)
