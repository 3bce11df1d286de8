package engine

import (
	"fmt"
	"testing"
)

// BenchmarkEnrollDuplicateCheck: one new person per op into a gallery of n faces with the
// duplicate check on (refuse) and off; the difference is what the check costs an
// enrolment (it runs twice: after extraction and at commit). No fsync, fake embedder
// (cached), so the figure is the check's own search and store reads. n=10000 is HNSW
// (above ExactBelow), 1000 exact.
func BenchmarkEnrollDuplicateCheck(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		dir := b.TempDir()
		fillGallery(b, dir, n)
		for _, policy := range []string{DuplicateOff, DuplicateRefuse} {
			b.Run(fmt.Sprintf("n=%d/policy=%s", n, policy), func(b *testing.B) {
				o := testOptions(b, dir)
				o.NoSyncWrites = true
				o.DuplicatePolicy = policy
				o.NoIndexSnapshots = true
				emb := &cachedEmb{fakeEmb: newFake()}
				e := openTest(b, o, emb)
				defer e.Close()
				imgs := make([][]byte, b.N)
				for i := range imgs {
					imgs[i] = fmt.Appendf(nil, "new-%s-%d/0", policy, i)
				}
				b.ResetTimer()
				c := startCPU()
				for i := range b.N {
					if _, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: fmt.Sprintf("new-%s-%d", policy, i), Image: imgs[i]}); err != nil {
						b.Fatal(err)
					}
				}
				c.report(b)
			})
		}
	}
}
