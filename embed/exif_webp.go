package embed

import "encoding/binary"

// webpOrientation reads the EXIF orientation from an extended WebP's EXIF chunk (Android
// and browsers write one when a photo is saved as WebP). Like jpegOrientation it returns 1
// for anything missing or malformed; the walk is bounded by the chunk sizes and a count.
func webpOrientation(data []byte) int {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return 1
	}
	i := 12
	for chunk := 0; chunk < 64 && i+8 <= len(data); chunk++ {
		n := int64(binary.LittleEndian.Uint32(data[i+4:]))
		end := int64(i) + 8 + n
		if end > int64(len(data)) {
			return 1
		}
		if string(data[i:i+4]) == "EXIF" {
			body := data[i+8 : end]
			if len(body) >= 6 && string(body[:6]) == "Exif\x00\x00" {
				body = body[6:]
			}
			return tiffOrientation(body)
		}
		i = int(end + n&1) // chunks are padded to an even size
	}
	return 1
}
