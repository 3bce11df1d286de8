//go:build race

package server

// raceBuild: the real pipeline under the race detector is 10-20x slower; the decode-budget
// load test skips then.
const raceBuild = true
