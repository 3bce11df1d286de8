//go:build race

package server

// raceEnabled: the race detector slows every request about tenfold, so latency bounds
// are not checked under it.
const raceEnabled = true
