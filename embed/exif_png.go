package embed

import (
	"encoding/binary"
	"hash/crc32"
)

// pngOrientation reads the EXIF orientation from a PNG's eXIf chunk (PNG 3rd edition;
// phones and editors write it when they save a photo as PNG). Like jpegOrientation it
// returns 1 for anything missing or malformed, including a chunk whose CRC fails. Only
// chunks before the first IDAT count, as in browsers: an eXIf after the pixels is ignored.
func pngOrientation(data []byte) int {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < len(sig) || string(data[:len(sig)]) != sig {
		return 1
	}
	i := len(sig)
	for chunk := 0; chunk < 256 && i+12 <= len(data); chunk++ {
		n := int64(binary.BigEndian.Uint32(data[i:]))
		end := int64(i) + 12 + n
		if n > 1<<31-1 || end > int64(len(data)) {
			return 1
		}
		typ := string(data[i+4 : i+8])
		switch typ {
		case "IDAT", "IEND":
			return 1
		case "eXIf":
			body := data[i+8 : i+8+int(n)]
			if crc32.ChecksumIEEE(data[i+4:i+8+int(n)]) != binary.BigEndian.Uint32(data[i+8+int(n):]) {
				return 1
			}
			// The chunk holds the TIFF header directly; some writers keep the JPEG prefix.
			if len(body) >= 6 && string(body[:6]) == "Exif\x00\x00" {
				body = body[6:]
			}
			return tiffOrientation(body)
		}
		i = int(end)
	}
	return 1
}
