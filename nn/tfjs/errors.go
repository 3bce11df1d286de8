package tfjs

import (
	"fmt"

	"github.com/wajah-id/wajah/nn"
)

// Every error Load returns wraps one of nn's sentinels, so callers match TF.js and TFLite
// failures alike with errors.Is.
var (
	// ErrFormat reports a model.json or weight shard that is malformed or inconsistent.
	ErrFormat = nn.ErrFormat
	// ErrUnsupported reports a valid TF.js construct that wajah does not implement, such as
	// an unknown op; the message names the op and the node.
	ErrUnsupported = nn.ErrUnsupported
	// ErrLimit reports a size or count beyond what the importer accepts (a hostile or absurd
	// file); it also matches ErrFormat.
	ErrLimit = fmt.Errorf("tfjs: size limit exceeded: %w", nn.ErrFormat)
)
