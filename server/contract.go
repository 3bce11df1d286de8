package server

// The contract's error table (errors.go) for the admin socket (internal/admin), which
// sends an operator command's failure as its contract code and restores the sentinel on
// the other side, so that both ends share this one table instead of keeping their own.

// CodeMalformed is the contract code of a request that cannot be parsed (400).
const CodeMalformed = int(codeMalformed)

// Code is err's contract code (200 for nil), from the one table in errors.go.
func Code(err error) int { return int(classify(err)) }

// Sentinel is the sentinel error of contract code c that msg names, else c's canonical
// one, or nil when c has no sentinel (500).
func Sentinel(c int, msg string) error { return sentinelOf(code(c), msg) }
