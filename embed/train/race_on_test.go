//go:build race

package train

// raceEnabled: inference under the race detector is about 20x slower, so the tests that
// run the models over a data set skip there.
const raceEnabled = true
