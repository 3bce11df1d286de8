//go:build race

package server

// raceBuild: the race detector slows every request about tenfold (the real pipeline 10-20x),
// so latency bounds are not checked and the decode-budget load test skips under it.
const raceBuild = true
