package engine

import (
	"fmt"
	"time"

	"github.com/wajah-id/wajah/embed"
)

// Records as stored in values. Fields named sealed* are keyring.seal output; times are
// Unix nanoseconds. Each record type has an encoder and a decoder; a decoder consumes
// the whole payload or fails with ErrCorrupt.

// metaRecord pins what must never silently change (see checkCompatibility).
type metaRecord struct {
	Schema         uint64
	Metric         string
	M              int
	EfConstruction int
	Encrypted      bool
	KeyCheck       []byte // derived from the master key; empty when unencrypted
	HashKey        []byte // unencrypted stores only: random key for identifier hashes
	Created        int64
}

func (m metaRecord) encode() []byte {
	w := newRecord(96)
	w.uvarint(m.Schema)
	w.str(m.Metric)
	w.uvarint(uint64(m.M))
	w.uvarint(uint64(m.EfConstruction))
	w.uvarint(b2u(m.Encrypted))
	w.bytes(m.KeyCheck)
	w.bytes(m.HashKey)
	w.varint(m.Created)
	return w.done()
}

func decodeMeta(v []byte) (m metaRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return m, err
	}
	m.Schema = r.uvarint()
	m.Metric = r.str()
	m.M = int(r.uvarint())
	m.EfConstruction = int(r.uvarint())
	m.Encrypted = r.uvarint() != 0
	m.KeyCheck = r.bytes()
	m.HashKey = r.bytes()
	m.Created = r.varint()
	return m, r.end()
}

type tenantRecord struct {
	Name    string
	Created int64
}

func (t tenantRecord) encode() []byte {
	w := newRecord(len(t.Name) + 16)
	w.str(t.Name)
	w.varint(t.Created)
	return w.done()
}

func decodeTenant(v []byte) (t tenantRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return t, err
	}
	t.Name = r.str()
	t.Created = r.varint()
	return t, r.end()
}

// tokenRecord: the key is the token's hash; the token itself is never stored. Format
// version 1 (written before tokens could expire) is a tenantRecord: client, created. Version
// 2 appends its version number and the expiry, so a v1 value reads as "never expires" and a
// v2 value can never be mistaken for v1 (v1 ends after created).
type tokenRecord struct {
	Client  string
	Created int64
	Expires int64 // Unix nanoseconds; 0: never
}

const tokenRecordV2 = 2

func (t tokenRecord) encode() []byte {
	w := newRecord(len(t.Client) + 32)
	w.str(t.Client)
	w.varint(t.Created)
	w.uvarint(tokenRecordV2)
	w.varint(t.Expires)
	return w.done()
}

func decodeToken(v []byte) (t tokenRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return t, err
	}
	t.Client = r.str()
	t.Created = r.varint()
	if r.err == nil && len(r.b) == 0 {
		return t, nil // version 1
	}
	if ver := r.uvarint(); r.err == nil && ver != tokenRecordV2 {
		return t, fmt.Errorf("%w: token record version %d", ErrCorrupt, ver)
	}
	t.Expires = r.varint()
	return t, r.end()
}

type galleryRecord struct {
	Tenant, Name string
	GID          uint64
	ModelID      string
	Dim          int
	Created      int64
}

func (g galleryRecord) encode() []byte {
	w := newRecord(len(g.Tenant) + len(g.Name) + len(g.ModelID) + 32)
	w.str(g.Tenant)
	w.str(g.Name)
	w.uvarint(g.GID)
	w.str(g.ModelID)
	w.uvarint(uint64(g.Dim))
	w.varint(g.Created)
	return w.done()
}

func decodeGallery(v []byte) (g galleryRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return g, err
	}
	g.Tenant = r.str()
	g.Name = r.str()
	g.GID = r.uvarint()
	g.ModelID = r.str()
	g.Dim = int(r.uvarint())
	g.Created = r.varint()
	return g, r.end()
}

// personRecord lists the person's face ids oldest first.
type personRecord struct {
	SealedID, SealedName []byte
	Created, Updated     int64
	Faces                []uint64
}

func (p personRecord) encode() []byte {
	w := newRecord(len(p.SealedID) + len(p.SealedName) + 32 + 10*len(p.Faces))
	w.bytes(p.SealedID)
	w.bytes(p.SealedName)
	w.varint(p.Created)
	w.varint(p.Updated)
	w.uvarint(uint64(len(p.Faces)))
	for _, f := range p.Faces {
		w.uvarint(f)
	}
	return w.done()
}

func decodePerson(v []byte) (p personRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return p, err
	}
	p.SealedID = r.bytes()
	p.SealedName = r.bytes()
	p.Created = r.varint()
	p.Updated = r.varint()
	n := r.uvarint()
	if n > maxTemplatesCeiling {
		return p, fmt.Errorf("%w: %d faces in a person record", ErrCorrupt, n)
	}
	p.Faces = make([]uint64, 0, n)
	for range n {
		p.Faces = append(p.Faces, r.uvarint())
	}
	return p, r.end()
}

// faceRecord is one template. PersonHash points back at the person row so that an
// index hit (a face id) finds its person without a second index.
type faceRecord struct {
	PersonHash      []byte
	ModelID         string
	Quality         embed.Quality
	Score           float32
	Masked          bool
	Created         int64
	SealedEmbedding []byte
	// SealedMasked: optional trailing field, absent in records written before masked
	// matching (engine/masked.go); decodeFace accepts both.
	SealedMasked []byte
}

func (f faceRecord) encode() []byte {
	w := newRecord(len(f.PersonHash) + len(f.ModelID) + len(f.SealedEmbedding) + 48)
	w.bytes(f.PersonHash)
	w.str(f.ModelID)
	q := f.Quality
	for _, x := range [...]float32{q.FaceSize, q.Blur, q.Yaw, q.Pitch, q.Exposure, f.Score} {
		w.f32(x)
	}
	w.uvarint(b2u(f.Masked))
	w.varint(f.Created)
	w.bytes(f.SealedEmbedding)
	if len(f.SealedMasked) > 0 {
		w.bytes(f.SealedMasked)
	}
	return w.done()
}

func decodeFace(v []byte) (f faceRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return f, err
	}
	f.PersonHash = r.bytes()
	f.ModelID = r.str()
	f.Quality = embed.Quality{FaceSize: r.f32(), Blur: r.f32(), Yaw: r.f32(), Pitch: r.f32(), Exposure: r.f32()}
	f.Score = r.f32()
	f.Masked = r.uvarint() != 0
	f.Created = r.varint()
	f.SealedEmbedding = r.bytes()
	if r.err == nil && len(r.b) > 0 {
		f.SealedMasked = r.bytes()
	}
	return f, r.end()
}

// changeRecord is one gallery mutation as the index sees it, written in the mutation's
// transaction under its seq: replayed on top of an older snapshot at Open.
type changeRecord struct {
	Adds, Dels []uint64
}

func (c changeRecord) encode() []byte {
	w := newRecord(4 + 10*(len(c.Adds)+len(c.Dels)))
	for _, ids := range [2][]uint64{c.Adds, c.Dels} {
		w.uvarint(uint64(len(ids)))
		for _, id := range ids {
			w.uvarint(id)
		}
	}
	return w.done()
}

func decodeChange(v []byte) (c changeRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return c, err
	}
	for _, ids := range [2]*[]uint64{&c.Adds, &c.Dels} {
		n := r.uvarint()
		if n > maxTemplatesCeiling+1 {
			return c, fmt.Errorf("%w: change of %d faces", ErrCorrupt, n)
		}
		for range n {
			*ids = append(*ids, r.uvarint())
		}
	}
	return c, r.end()
}

type statusRecord struct {
	Status  string
	Updated int64
}

func (s statusRecord) encode() []byte {
	w := newRecord(24)
	w.str(s.Status)
	w.varint(s.Updated)
	return w.done()
}

func decodeStatus(v []byte) (s statusRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return s, err
	}
	s.Status = r.str()
	s.Updated = r.varint()
	return s, r.end()
}

// ledgerRecord is a CheckinRecord with the NIK sealed.
type ledgerRecord struct {
	Tenant, Gallery string
	SealedNIK       []byte
	Venue           string
	Direction       string
	Latitude        float64
	Longitude       float64
	At              int64
	UserStatus      string
	TrxID           string
}

func (l ledgerRecord) encode() []byte {
	w := newRecord(len(l.Tenant) + len(l.Gallery) + len(l.SealedNIK) + len(l.Venue) + len(l.TrxID) + 64)
	w.str(l.Tenant)
	w.str(l.Gallery)
	w.bytes(l.SealedNIK)
	w.str(l.Venue)
	w.str(l.Direction)
	w.f64(l.Latitude)
	w.f64(l.Longitude)
	w.varint(l.At)
	w.str(l.UserStatus)
	w.str(l.TrxID)
	return w.done()
}

func decodeLedger(v []byte) (l ledgerRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return l, err
	}
	l.Tenant = r.str()
	l.Gallery = r.str()
	l.SealedNIK = r.bytes()
	l.Venue = r.str()
	l.Direction = r.str()
	l.Latitude = r.f64()
	l.Longitude = r.f64()
	l.At = r.varint()
	l.UserStatus = r.str()
	l.TrxID = r.str()
	return l, r.end()
}

// auditRecord: who did what, how it ended and how long it took. Subject is the keyed
// hash of the person id (never the id); no image, no embedding.
type auditRecord struct {
	TrxID           string
	Op              string
	Outcome         string // "ok" or the error text
	Tenant, Gallery string
	Subject         []byte
	At              int64
	Total           time.Duration
	Extract         time.Duration
	Store           time.Duration
	// Actor is who asked for a privileged change (replace: the client and token id). It
	// is the last field and optional on decode, so rows written before it still read.
	Actor string
}

func (a auditRecord) encode() []byte {
	w := newRecord(len(a.TrxID) + len(a.Op) + len(a.Outcome) + len(a.Tenant) + len(a.Gallery) + len(a.Actor) + 64)
	w.str(a.TrxID)
	w.str(a.Op)
	w.str(a.Outcome)
	w.str(a.Tenant)
	w.str(a.Gallery)
	w.bytes(a.Subject)
	w.varint(a.At)
	w.varint(int64(a.Total))
	w.varint(int64(a.Extract))
	w.varint(int64(a.Store))
	if a.Actor != "" {
		w.str(a.Actor)
	}
	return w.done()
}

func decodeAudit(v []byte) (a auditRecord, err error) {
	r, err := decodeRecord(v)
	if err != nil {
		return a, err
	}
	a.TrxID = r.str()
	a.Op = r.str()
	a.Outcome = r.str()
	a.Tenant = r.str()
	a.Gallery = r.str()
	a.Subject = r.bytes()
	a.At = r.varint()
	a.Total = time.Duration(r.varint())
	a.Extract = time.Duration(r.varint())
	a.Store = time.Duration(r.varint())
	if r.err == nil && len(r.b) > 0 {
		a.Actor = r.str()
	}
	return a, r.end()
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
