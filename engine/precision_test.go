package engine

import (
	"errors"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// TestPrecisionModelMismatch: a gallery enrolled with fp32 embeddings refuses bf16 ones and
// the other way round (embed.ModelID records the precision), with ErrModelMismatch.
func TestPrecisionModelMismatch(t *testing.T) {
	fp32 := embed.ModelID(embed.Options{})
	bf16 := embed.ModelID(embed.Options{Precision: embed.PrecisionBF16})
	for _, c := range [][2]string{{fp32, bf16}, {bf16, fp32}} {
		dir := t.TempDir()
		e := openTest(t, testOptions(t, dir), &fakeEmb{model: c[0], dim: 128})
		enroll(t, e, "acme", "g", "x", "x/1")
		e.Close()
		e = openTest(t, testOptions(t, dir), &fakeEmb{model: c[1], dim: 128})
		_, err1 := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: "y", Image: img("y/1")})
		_, err2 := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "x", Image: img("x/1")})
		_, err3 := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("x/1")})
		for _, err := range []error{err1, err2, err3} {
			if !errors.Is(err, ErrModelMismatch) {
				t.Fatalf("enrolled %s, opened %s: %v", c[0], c[1], err)
			}
		}
		e.Close()
	}
}
