package jpeg_test

import (
	"bytes"
	"fmt"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/internal/jpeg"
)

// benchPhoto is a real 1080p photo (skips when the shared data is absent).
func benchPhoto(b *testing.B) []byte {
	data, err := os.ReadFile("../../../shared/data/faces-small/face_recognition/examples/obama-1080p.jpg")
	if err != nil {
		b.Skip("shared data absent:", err)
	}
	return data
}

func BenchmarkDecode1080p(b *testing.B) {
	data := benchPhoto(b)
	for _, s := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("scale1_%d", s), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if _, err := jpeg.Decode(data, jpeg.Options{Scale: s}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("image-jpeg", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if _, err := stdjpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeFiles decodes the files named in $JPEG_BENCH_FILES (space-separated) at
// every scale, for profiling on bench/jpeg_compare.sh's generated set (skips when unset).
func BenchmarkDecodeFiles(b *testing.B) {
	names := strings.Fields(os.Getenv("JPEG_BENCH_FILES"))
	if len(names) == 0 {
		b.Skip("JPEG_BENCH_FILES unset")
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("%s/scale1_%d", filepath.Base(name), s), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for i := 0; i < b.N; i++ {
					if _, err := jpeg.Decode(data, jpeg.Options{Scale: s}); err != nil {
						b.Fatal(err)
					}
				}
			})
			// into: one reused Image (DecodeInto), as a caller decoding photo after photo.
			b.Run(fmt.Sprintf("%s/scale1_%d_into", filepath.Base(name), s), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				img := &jpeg.Image{}
				for i := 0; i < b.N; i++ {
					if err := jpeg.DecodeInto(img, data, jpeg.Options{Scale: s}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
