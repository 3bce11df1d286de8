package jpeg

import (
	"errors"
	"fmt"
)

var (
	// ErrFormat means the data is not a well-formed JPEG (damaged, truncated or lying).
	ErrFormat = errors.New("jpeg: invalid format")
	// ErrUnsupported means a valid JPEG uses a feature this decoder does not implement.
	ErrUnsupported = errors.New("jpeg: unsupported")
	// ErrArithmetic means the file is arithmetic-coded (SOF9-SOF15); it wraps ErrUnsupported.
	ErrArithmetic = fmt.Errorf("%w: arithmetic coding", ErrUnsupported)
	// ErrCMYK means the file has four components (Adobe CMYK or YCCK); it wraps
	// ErrUnsupported.
	ErrCMYK = fmt.Errorf("%w: four components (CMYK/YCCK)", ErrUnsupported)
	// ErrTooLarge means the declared size exceeds Options.MaxPixels or MaxSide.
	ErrTooLarge = errors.New("jpeg: image too large")
)

func formatErr(msg string) error { return fmt.Errorf("%w: %s", ErrFormat, msg) }
