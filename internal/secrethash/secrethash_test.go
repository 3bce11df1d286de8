package secrethash

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

// fast keeps the tests quick; the format and the check do not depend on the cost.
var fast = Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestHashCheck(t *testing.T) {
	s, err := Hash([]byte("s3cret"), fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("format %q", s)
	}
	s2, _ := Hash([]byte("s3cret"), fast)
	if s == s2 {
		t.Fatal("two hashes of one secret are equal: no salt")
	}
	h, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		secret string
		want   bool
	}{{"s3cret", true}, {"s3cre", false}, {"s3cret ", false}, {"", false}, {"S3cret", false}} {
		if got := h.Check([]byte(tc.secret)); got != tc.want {
			t.Errorf("check %q = %v", tc.secret, got)
		}
	}
	if _, err := Hash(nil, fast); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty secret: %v", err)
	}
}

// A known vector from the reference implementation's command line (Debian's argon2):
// echo -n password | argon2 somesaltsomesalt -id -m 6 -t 1 -p 1 -l 32 -e
func TestKnownVector(t *testing.T) {
	const phc = "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$55PWTvddWPUD1GMbKxSff4ASfF85k9ibHJt4HlHQtBM"
	h, err := Parse(phc)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Check([]byte("password")) || h.Check([]byte("passwore")) {
		t.Fatal("reference vector does not check")
	}
}

func TestParseRefuses(t *testing.T) {
	legacy := "6ae2c1a4a2cbe9e1f5dbef0a0e35d2ab5ab1e7bb4d32b8fa0fd3d8b4b5cbd1b2"
	if _, err := Parse(legacy); !errors.Is(err, ErrLegacySHA256) {
		t.Errorf("legacy sha256: %v", err)
	}
	good, _ := Hash([]byte("x"), fast)
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$",
		good + "$extra",
	} {
		if _, err := Parse(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("Parse(%q) = %v, want ErrFormat", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	good, _ := Hash([]byte("x"), fast)
	f.Add(good)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$AAAA$BBBB")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Parse(s)
		if err == nil && h.p.MemoryKiB > maxMemoryKiB {
			t.Fatalf("accepted m=%d", h.p.MemoryKiB)
		}
	})
}

func BenchmarkDefault(b *testing.B) {
	s, _ := Hash([]byte("a client secret of some length"), Default)
	h, _ := Parse(s)
	for b.Loop() {
		h.Check([]byte("a client secret of some length"))
	}
}

// BenchmarkLegacySHA256 is the reference: what a check cost with the old unsalted hash.
func BenchmarkLegacySHA256(b *testing.B) {
	for b.Loop() {
		sha256.Sum256([]byte("a client secret of some length"))
	}
}
