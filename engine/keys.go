package engine

import (
	"crypto/sha256"
	"encoding/binary"
)

// Key layout (schema version 1). The first byte names the table; table bytes are never
// reused, and any change to a layout bumps schemaVersion, which open checks, so keys are
// versioned through the meta record. No key holds a raw NIK, name or token: tenants,
// galleries and people are keyed by keyring.hash, tokens by SHA-256, galleries' rows by
// a numeric gallery id (gid) that is never reused, so a dropped gallery's leftovers can
// never reappear in a re-created one.
//
//	0x01 "meta"                              meta record (schema, options, key check)
//	0x02 "seq/..."                           Badger sequences (gid, face id)
//	0x10 hash(tenant)                        tenant
//	0x11 sha256(token)                       token -> client, created, expiry (record v2; v1 had no expiry)
//	0x12 hash(tenant) hash(tenant,gallery)   gallery -> gid, model, dim
//	0x13 gid(8) hash(gid,person)             person: sealed id and name, face ids
//	0x14 gid(8) faceID(8)                    face template: sealed embedding, model, quality
//	0x15 nanos(8) random(8)                  check-in ledger record
//	0x16 hash(nik)                           user status colour
//	0x17 nanos(8) random(8)                  audit record
//	0x18 gid(8)                              gallery mutation counter (index snapshots)
//	0x19 gid(8) seq(8)                       index change record: face ids added / removed
//	0x1a gid(8)                              index snapshot in the store: head (cluster mode only)
//	0x1b gid(8) seq(8) nonce(8) part(4)      index snapshot in the store: one sealed part
//
// Tables 0x1a and 0x1b are only written over a shared store (storesnap.go); a binary
// that predates them ignores them, so they did not bump schemaVersion.
const (
	tabMeta     = 0x01
	tabSeq      = 0x02
	tabTenant   = 0x10
	tabToken    = 0x11
	tabGallery  = 0x12
	tabPerson   = 0x13
	tabFace     = 0x14
	tabLedger   = 0x15
	tabStatus   = 0x16
	tabAudit    = 0x17
	tabGSeq     = 0x18
	tabChange   = 0x19
	tabSnap     = 0x1a
	tabSnapPart = 0x1b

	schemaVersion = 1
)

var (
	keyMeta       = []byte{tabMeta, 'm', 'e', 't', 'a'}
	keySeqGallery = []byte{tabSeq, 's', 'e', 'q', '/', 'g'}
	keySeqFace    = []byte{tabSeq, 's', 'e', 'q', '/', 'f'}
)

func (k *keyring) tenantHash(tenant string) []byte { return k.hash("tenant", tenant) }

func (k *keyring) tenantKey(tenant string) []byte {
	return append([]byte{tabTenant}, k.tenantHash(tenant)...)
}

func tokenKey(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return append([]byte{tabToken}, h[:]...)
}

func (k *keyring) galleryPrefix(tenant string) []byte {
	return append([]byte{tabGallery}, k.tenantHash(tenant)...)
}

func (k *keyring) galleryKey(tenant, gallery string) []byte {
	return append(k.galleryPrefix(tenant), k.hash("gallery", tenant, gallery)...)
}

func gidPrefix(tab byte, gid uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{tab}, gid)
}

// personHash binds the person id to its gallery, so the same NIK in two galleries
// gives unrelated keys.
func (k *keyring) personHash(gid uint64, person string) []byte {
	var g [8]byte
	binary.BigEndian.PutUint64(g[:], gid)
	return k.hash("person", string(g[:]), person)
}

func personKey(gid uint64, ph []byte) []byte {
	return append(gidPrefix(tabPerson, gid), ph...)
}

func faceKey(gid, faceID uint64) []byte {
	return binary.BigEndian.AppendUint64(gidPrefix(tabFace, gid), faceID)
}

func (k *keyring) statusKey(nik string) []byte {
	return append([]byte{tabStatus}, k.hash("nik", nik)...)
}

// timeKey orders ledger and audit rows by time; the random tail keeps rows of the same
// nanosecond apart without a shared counter.
func timeKey(tab byte, nanos int64) []byte {
	b := binary.BigEndian.AppendUint64([]byte{tab}, uint64(nanos))
	return append(b, randomBytes(8)...)
}

func gallerySeqKey(gid uint64) []byte { return gidPrefix(tabGSeq, gid) }

func changeKey(gid, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(gidPrefix(tabChange, gid), seq)
}

func snapHeadKey(gid uint64) []byte { return gidPrefix(tabSnap, gid) }

// snapPartPrefix holds the parts of one snapshot (seq, nonce) of gallery gid.
func snapPartPrefix(gid, seq, nonce uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(gidPrefix(tabSnapPart, gid), seq), nonce)
}

func snapPartKey(gid, seq, nonce uint64, part uint32) []byte {
	return binary.BigEndian.AppendUint32(snapPartPrefix(gid, seq, nonce), part)
}

func seqValue(n uint64) []byte {
	w := newRecord(10)
	w.uvarint(n)
	return w.done()
}

func decodeSeq(v []byte) (uint64, error) {
	r, err := decodeRecord(v)
	if err != nil {
		return 0, err
	}
	n := r.uvarint()
	return n, r.end()
}
