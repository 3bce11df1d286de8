package index

import (
	"errors"
	"testing"
)

func TestFlat(t *testing.T) {
	f := NewFlat(3)
	for _, tc := range []struct {
		id  uint64
		vec []float32
		err error
	}{
		{1, []float32{1, 0, 0}, nil},
		{2, []float32{0, 2, 0}, nil},
		{3, []float32{1, 1, 0}, nil},
		{4, []float32{0, 0, 0}, ErrZeroVector},
		{5, []float32{1, 0}, ErrDim},
	} {
		if err := f.Add(tc.id, tc.vec); !errors.Is(err, tc.err) {
			t.Fatalf("Add(%d): %v, want %v", tc.id, err, tc.err)
		}
	}
	if f.Len() != 3 {
		t.Fatalf("Len %d", f.Len())
	}
	got := f.Search([]float32{1, 0.1, 0}, 2, nil)
	if len(got) != 2 || got[0].ID != 1 || got[1].ID != 3 {
		t.Fatalf("search: %+v", got)
	}
	if got[0].Score < 0.99 || got[0].Score > 1 {
		t.Fatalf("score %v not a cosine", got[0].Score)
	}
	got = f.Search([]float32{1, 0.1, 0}, 2, func(id uint64) bool { return id == 1 })
	if len(got) != 2 || got[0].ID != 3 || got[1].ID != 2 {
		t.Fatalf("exclude: %+v", got)
	}
	if !f.Delete(1) || f.Delete(1) {
		t.Fatal("delete twice")
	}
	// Replace 3 by a vector pointing along z.
	if err := f.Add(3, []float32{0, 0, 5}); err != nil {
		t.Fatal(err)
	}
	got = f.Search([]float32{0, 0, 1}, 5, nil)
	if len(got) != 2 || got[0].ID != 3 || got[1].ID != 2 {
		t.Fatalf("after delete+replace: %+v", got)
	}
}
