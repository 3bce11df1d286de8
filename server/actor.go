package server

import (
	"crypto/sha256"
	"encoding/hex"
)

// actor names who made a request for the audit trail of privileged changes (replace):
// the client (tenant) and a token id, the first 12 hex digits of the token's SHA-256,
// which identifies the token among the client's without revealing it.
func (c *call) actor() string {
	tok := c.fc.Request.Header.Peek("Accesstoken")
	if len(tok) == 0 {
		return "client=" + c.tenant
	}
	h := sha256.Sum256(tok)
	return "client=" + c.tenant + " token=" + hex.EncodeToString(h[:6])
}
