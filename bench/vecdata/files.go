package vecdata

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// ErrFormat: a vector file is malformed.
var ErrFormat = errors.New("vecdata: malformed vector file")

// WriteFvecs writes rows of dim floats in the .fvecs format (per row: int32 dim, then
// dim little-endian float32), the format of the TEXMEX/ann-benchmarks sets.
func WriteFvecs(path string, data []float32, dim int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	row := make([]byte, 4+4*dim)
	binary.LittleEndian.PutUint32(row, uint32(dim))
	for i := 0; i+dim <= len(data); i += dim {
		for j, x := range data[i : i+dim] {
			binary.LittleEndian.PutUint32(row[4+4*j:], math.Float32bits(x))
		}
		if _, err := w.Write(row); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadFvecs reads a .fvecs file; every row must have the same dimension.
func ReadFvecs(path string) (data []float32, dim int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [4]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err == io.EOF {
			return data, dim, nil
		} else if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		d := int(binary.LittleEndian.Uint32(hdr[:]))
		if d <= 0 || d > 1<<16 || (dim != 0 && d != dim) {
			return nil, 0, fmt.Errorf("%w: row dimension %d", ErrFormat, d)
		}
		dim = d
		if len(buf) != 4*d {
			buf = make([]byte, 4*d)
		}
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, 0, fmt.Errorf("%w: short row: %v", ErrFormat, err)
		}
		for j := range d {
			data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(buf[4*j:])))
		}
	}
}

// ReadF32 reads a raw little-endian float32 file of rows of dim values.
func ReadF32(path string, dim int) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if dim <= 0 || len(b)%(4*dim) != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a multiple of %d float32", ErrFormat, len(b), dim)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}
