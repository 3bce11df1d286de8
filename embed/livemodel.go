package embed

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
)

//go:embed livemodel
var liveFS embed.FS

// LiveFile is the built-in liveness head inside livemodel/.
const LiveFile = "livemodel/live.wliv"

const liveMagic = "WLIV"

// liveVersion 2: columns index LiveColumns (model outputs, then LiveTexture's cues);
// version 1 heads read model outputs only (columns < LiveFeatCount) and still parse.
const liveVersion = 2

// errLiveFormat means a liveness head file is damaged or of an unknown version.
var errLiveFormat = errors.New("liveness head: bad file")

// MarshalBinary writes "WLIV", version, the feature count, the LiveFeat columns (uint32),
// Mean, Std, W and B (float32) and a CRC-32 (IEEE) of everything before it, little-endian.
func (h *LiveHead) MarshalBinary() ([]byte, error) {
	b := newWeightFile(liveMagic)
	v := h.version
	if v == 0 {
		v = liveVersion
	}
	putLE(b, v, uint32(len(h.Feats)))
	for _, k := range h.Feats {
		putLE(b, uint32(k))
	}
	putLE(b, h.Mean, h.Std, h.W, h.B)
	return sealWeightFile(b), nil
}

// ParseLiveHead reads MarshalBinary's format, checking version, sizes and checksum.
func ParseLiveHead(data []byte) (*LiveHead, error) {
	r, err := openWeightFile(data, liveMagic, 16, errLiveFormat)
	if err != nil {
		return nil, err
	}
	var hdr [2]uint32
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return nil, errLiveFormat
	}
	if hdr[0] != 1 && hdr[0] != liveVersion {
		return nil, fmt.Errorf("%w: version %d", errLiveFormat, hdr[0])
	}
	n := int(hdr[1])
	if n < 1 || n > LiveColumns || r.Len() != 4*(4*n+1) {
		return nil, fmt.Errorf("%w: sizes", errLiveFormat)
	}
	h := &LiveHead{Feats: make([]int, n), version: hdr[0]}
	seen := map[int]bool{}
	for i := range h.Feats {
		var k uint32
		_ = binary.Read(r, binary.LittleEndian, &k)
		if int(k) >= LiveColumns || (hdr[0] == 1 && int(k) >= LiveFeatCount) || seen[int(k)] {
			return nil, fmt.Errorf("%w: feature %d", errLiveFormat, k)
		}
		h.Feats[i], seen[int(k)] = int(k), true
	}
	h.Mean, h.Std, h.W = readLE(r, n), readLE(r, n), readLE(r, n)
	h.B = readLE(r, 1)[0]
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
