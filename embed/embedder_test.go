package embed_test

import (
	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
)

// The pipeline is the engine's embedder.
var _ engine.Embedder = (*embed.Pipeline)(nil)
