//go:build race

package embed

// raceBuild: model inference under the race detector is about 20x slower, so the
// whole-pipeline tests run one small concurrent case only (see heavy).
const raceBuild = true
