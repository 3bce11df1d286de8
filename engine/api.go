// Package engine is wajah's face engine as a Go library: tenants, galleries, people and
// their face templates in a Badger store, a per-gallery vector index, and the enrol /
// verify / identify / delete operations with thresholds and quality gates.
package engine

import (
	"context"
	"time"

	"github.com/wajah-id/wajah/embed"
)

// Embedder turns image bytes into one gated face. *embed.Pipeline implements it; tests
// may substitute a deterministic fake.
type Embedder interface {
	Extract(ctx context.Context, image []byte, opts embed.ExtractOptions) (embed.Face, error)
	ModelID() string // e.g. "mobilefacenet-expo-1.0.24"; fixed per gallery
	Dim() int
	// Similarity maps a cosine to the API's [0,1] scale (threshold 0.75 = FAR 1e-3).
	Similarity(cosine float32) float64
}

// Person is one enrolled identity (user_id or NIK) in a gallery.
type Person struct {
	ID        string
	Name      string
	Created   time.Time
	Updated   time.Time
	Templates int
}

// EnrollRequest enrols a face for a person. Enrolling an existing id adds a template and
// updates the name only when the face matches one of the person's templates at the
// verify threshold (else ErrNotVerified, nothing stored); Replace instead replaces all of
// the person's templates, audited with Actor. A face that matches another person is
// refused with a *DuplicateError (Options.DuplicatePolicy; Force does not override it).
type EnrollRequest struct {
	Tenant, Gallery, PersonID, Name string
	Image                           []byte // raw JPEG or PNG bytes
	Force                           bool   // accept a face below the size gate
	Replace                         bool   // replace all of an existing person's templates
	Actor                           string // who asks (client, token id): audited with Replace
	CreateGallery                   bool   // create the gallery when missing (check-in endpoints)
	TrxID                           string
	// BeforeCommit, when set, runs after the face has passed the quality gate and before
	// anything is stored; its error aborts the enrolment with nothing written. The check-in
	// endpoints register the NIK with the check-in service here, so a refused image never
	// reaches the service and a refused registration never reaches the store.
	BeforeCommit func(ctx context.Context, face embed.Face) error
}

// EnrollResult reports the stored template.
type EnrollResult struct {
	Person Person
	Face   embed.Face
}

// VerifyRequest compares a face with one person's templates (1:1).
type VerifyRequest struct {
	Tenant, Gallery, PersonID string
	Image                     []byte
	Threshold                 float64 // 0 means the engine's default
	TrxID                     string
}

// VerifyResult: Verified is Similarity >= threshold.
type VerifyResult struct {
	Person     Person
	Similarity float64
	Verified   bool
	Masker     bool
	Face       embed.Face
}

// IdentifyRequest searches a gallery (1:N).
type IdentifyRequest struct {
	Tenant, Gallery string
	Image           []byte
	K               int     // matches to return; 0 means 1
	Threshold       float64 // 0 means the engine's default
	TrxID           string
}

// Match is one identify hit at or above the threshold.
type Match struct {
	Person     Person
	Similarity float64
}

// IdentifyResult lists matches best first; empty Matches comes with ErrNotVerified.
type IdentifyResult struct {
	Matches []Match
	Masker  bool
	Face    embed.Face
}

// CompareResult is compare-images: nothing is stored.
type CompareResult struct {
	Similarity float64
	Verified   bool
	Masker     bool
	// MaskerDetail: the worse of the two faces' embed.Face.MaskDetail (incorrect, then
	// correct, then none); "" without the detail head.
	MaskerDetail string
}

// Page asks for part of a listing; Cursor is opaque, from the previous page.
type Page struct {
	Limit  int // 0 means 1000
	Cursor string
}

// CheckinRecord is one check-in or check-out in the local ledger.
type CheckinRecord struct {
	Tenant, Gallery string
	NIK             string // stored encrypted
	Venue           string
	Direction       string // "checkin" or "checkout"
	Latitude        float64
	Longitude       float64
	At              time.Time
	UserStatus      string // green, yellow, red, black
	TrxID           string
}

// Stats are gauges for /metrics.
type Stats struct {
	Galleries    int
	GallerySizes map[string]int // "tenant/gallery" -> faces
}

// Service is what the server needs from the engine. *Engine implements it.
type Service interface {
	CreateGallery(ctx context.Context, tenant, gallery string) error
	DeleteGallery(ctx context.Context, tenant, gallery string) error
	Galleries(ctx context.Context, tenant string) ([]string, error)
	Enroll(ctx context.Context, r EnrollRequest) (EnrollResult, error)
	People(ctx context.Context, tenant, gallery string, p Page) (people []Person, next string, err error)
	Verify(ctx context.Context, r VerifyRequest) (VerifyResult, error)
	Identify(ctx context.Context, r IdentifyRequest) (IdentifyResult, error)
	DeletePerson(ctx context.Context, tenant, gallery, personID string) error
	Compare(ctx context.Context, source, target []byte) (CompareResult, error)

	CreateToken(ctx context.Context, client string) (token string, err error)
	IssueToken(ctx context.Context, client string, ttl time.Duration) (token string, info TokenInfo, err error)
	RevokeToken(ctx context.Context, token string) error
	RevokeTokenID(ctx context.Context, id string) error
	RevokeClientTokens(ctx context.Context, client string) (revoked int, err error)
	Tokens(ctx context.Context, client string) ([]TokenInfo, error)
	Authenticate(ctx context.Context, token string) (tenant string, err error)

	RecordCheckin(ctx context.Context, r CheckinRecord) error
	SetUserStatus(ctx context.Context, nik, status string) error
	UserStatus(ctx context.Context, nik string) (string, error)

	Stats() Stats
	Ready() error
}
