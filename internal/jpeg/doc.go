// Package jpeg decodes baseline and progressive JPEG straight to a reduced size.
//
// It is written by hand because no well-kept Go library decodes with DCT-domain scaling:
// image/jpeg always produces every pixel, so a 48 MP phone photo costs 72 MB of YCbCr and
// ~100 ms before the face pipeline shrinks it to 1280 px. Here each 8x8 block's inverse DCT
// produces 8x8, 4x4, 2x2 or 1x1 pixels (Scale 1, 2, 4, 8) from its lowest-frequency
// coefficients, as libjpeg's scaled IDCT does, so the large image never exists. Progressive
// files keep only the coefficients the chosen scale uses (plus one nonzero bit per
// coefficient, which refinement scans need), so their memory is bounded by the output size.
//
// Supported: 8-bit baseline and extended Huffman (SOF0, SOF1), progressive (SOF2), any
// sampling factors 1..4 (fancy upsampling for the 2x cases), restart intervals, grey, YCbCr
// and RGB (Adobe transform 0 or component ids 'R','G','B'). Refused with ErrUnsupported:
// arithmetic coding (SOF9-SOF15), lossless and hierarchical modes, 12-bit samples, and four
// components (Adobe CMYK/YCCK; the caller may fall back to image/jpeg for those).
package jpeg
