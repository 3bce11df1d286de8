package embed

import (
	"bytes"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
)

//go:embed livemodel
var liveFS embed.FS

// LiveFile is the built-in liveness head inside livemodel/.
const LiveFile = "livemodel/live.wliv"

const liveMagic = "WLIV"
const liveVersion = 1

// errLiveFormat means a liveness head file is damaged or of an unknown version.
var errLiveFormat = errors.New("liveness head: bad file")

// MarshalBinary writes "WLIV", version, the feature count, the LiveFeat columns (uint32),
// Mean, Std, W and B (float32) and a CRC-32 (IEEE) of everything before it, little-endian.
func (h *LiveHead) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(liveMagic)
	_ = binary.Write(&b, binary.LittleEndian, []uint32{liveVersion, uint32(len(h.Feats))})
	for _, k := range h.Feats {
		_ = binary.Write(&b, binary.LittleEndian, uint32(k))
	}
	for _, a := range [][]float32{h.Mean, h.Std, h.W, {h.B}} {
		_ = binary.Write(&b, binary.LittleEndian, a)
	}
	_ = binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes(), nil
}

// ParseLiveHead reads MarshalBinary's format, checking version, sizes and checksum.
func ParseLiveHead(data []byte) (*LiveHead, error) {
	if len(data) < 16 || string(data[:4]) != liveMagic {
		return nil, errLiveFormat
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum", errLiveFormat)
	}
	r := bytes.NewReader(body[4:])
	var hdr [2]uint32
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return nil, errLiveFormat
	}
	if hdr[0] != liveVersion {
		return nil, fmt.Errorf("%w: version %d", errLiveFormat, hdr[0])
	}
	n := int(hdr[1])
	if n < 1 || n > LiveFeatCount || r.Len() != 4*(4*n+1) {
		return nil, fmt.Errorf("%w: sizes", errLiveFormat)
	}
	h := &LiveHead{Feats: make([]int, n)}
	seen := map[int]bool{}
	for i := range h.Feats {
		var k uint32
		_ = binary.Read(r, binary.LittleEndian, &k)
		if k >= LiveFeatCount || seen[int(k)] {
			return nil, fmt.Errorf("%w: feature %d", errLiveFormat, k)
		}
		h.Feats[i], seen[int(k)] = int(k), true
	}
	read := func(n int) []float32 {
		a := make([]float32, n)
		_ = binary.Read(r, binary.LittleEndian, a)
		return a
	}
	h.Mean, h.Std, h.W = read(n), read(n), read(n)
	h.B = read(1)[0]
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errLiveFormat
	}
	for i := range h.Std {
		if !(h.Std[i] > 0) || math.IsNaN(float64(h.Mean[i])) || math.IsNaN(float64(h.W[i])) {
			return nil, fmt.Errorf("%w: values", errLiveFormat)
		}
	}
	return h, nil
}

// DefaultLiveHead returns the built-in liveness head.
func DefaultLiveHead() (*LiveHead, error) {
	data, err := fs.ReadFile(liveFS, LiveFile)
	if err != nil {
		return nil, err
	}
	return ParseLiveHead(data)
}
