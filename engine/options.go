package engine

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/wajah-id/wajah/index"
)

// Defaults of Options. A zero field takes its default in EnsureDefaults.
const (
	DefaultDir           = "./data"
	DefaultKeyEnv        = "WAJAH_KEY"
	DefaultThreshold     = 0.75 // FAR 1e-3 on the API's similarity scale
	DefaultMaxTemplates  = 5
	DefaultExactBelow    = 5000 // galleries smaller than this are searched exactly; see ExactBelow
	DefaultMemTableSize  = 64 << 20
	DefaultVLogFileSize  = 256 << 20
	DefaultUserStatus    = "green"
	DefaultSnapshotEvery = 10000
	DefaultIdentifyFAR   = 1e-3 // chance of any false match per identify search
	DefaultDuplicateFAR  = 1e-5 // per-comparison FAR of the duplicate-face threshold
	maxIdentifierRunes   = 120
	valueThreshold       = 4 << 10
	storeSubdir          = "store" // Badger's files
	indexSubdir          = "index" // HNSW snapshots
	maxTemplatesCeiling  = 64
	maxIdentifyK         = 100
	defaultPageLimit     = 1000
	maxPageLimit         = 10000
	metricInnerProduct   = "ip" // the only metric: cosine on L2-normalized vectors
	auditQueueCapacity   = 4096
	maxConflictRetries   = 16
	purgeBatchSize       = 1000
	rebuildLogEveryFaces = 100000
	retentionEvery       = time.Hour
)

// Options configure a store. Fields marked "persisted" are written on first open and
// checked on every later open (see checkCompatibility): a zero value adopts what the store
// holds, a different non-zero value fails with ErrIncompatible, because the on-disk data
// or the index built from it would otherwise silently change meaning.
type Options struct {
	// Dir holds the store: Badger's files in Dir/store, index snapshots in Dir/index.
	// Default "./data".
	Dir string
	// Store names a PostgreSQL database (postgres://... or postgresql://...) that holds
	// the records instead of Badger in Dir/store (cluster mode, in progress: see
	// README). Index snapshots then go to the store, not to Dir/index (storesnap.go),
	// and a follower of the store's change feed keeps the indexes current (follow.go).
	// Empty: Badger.
	Store string
	// KeyFile names a file holding the 32-byte master key (raw, 64 hex digits or
	// base64). It wins over KeyEnv.
	KeyFile string
	// KeyEnv names an environment variable holding the master key in hex or base64.
	// Default "WAJAH_KEY". With neither a key file nor the variable set the store works
	// unencrypted and logs a loud warning; a store created with a key refuses to open
	// without it (ErrWrongKey), and the other way round.
	KeyEnv string
	// Threshold is the default verification threshold on the [0,1] similarity scale;
	// default 0.75.
	Threshold float64
	// MinThreshold is the operator's floor: a request may raise the threshold, never lower
	// it below MinThreshold (a lower one is raised to it). Default: Threshold. It must not
	// exceed Threshold.
	MinThreshold float64
	// IdentifyFAR is the chance of any false match in one identify search, whatever the
	// gallery size: the identify threshold rises with N (see calibration.go). Default 1e-3.
	IdentifyFAR float64
	// DuplicatePolicy decides what enrolling a face that matches another person does:
	// DuplicateRefuse (default: ErrDuplicateFace), DuplicateFlag (stored, audited as a
	// duplicate) or DuplicateOff (no check).
	DuplicatePolicy string
	// MaskedEnrolment decides what enrolling a face the mask classifier calls masked does:
	// MaskedEnrolRefuse (default: ErrMaskedEnrolment, nothing stored) or MaskedEnrolAllow.
	// A masked probe against a masked enrolment has no trustworthy score (maskedenrol.go).
	MaskedEnrolment string
	// DuplicateScope is where the duplicate check searches: DuplicateScopeGallery (default)
	// or DuplicateScopeTenant (every gallery of the tenant).
	DuplicateScope string
	// DuplicateThreshold on the similarity scale; default: the cosine at FAR 1e-5 on the
	// measured impostor distribution of the gallery's model (calibration.go), or Threshold
	// for a model without a calibration table.
	DuplicateThreshold float64
	// MaxTemplates per person; enrolling beyond it drops the oldest template. Default 5.
	MaxTemplates int
	// IndexM and IndexEfConstruction shape each gallery's HNSW graph (persisted);
	// defaults from package index. IndexEfSearch is a run-time knob.
	IndexM              int
	IndexEfConstruction int
	IndexEfSearch       int
	// ExactBelow: galleries with fewer faces are searched by exact brute force, larger
	// ones through HNSW. Default 5000: `wajah bench index` puts the crossover at 5-6k
	// vectors (Flat QPS vs HNSW QPS at recall@10 0.99), and the engine's Identify
	// benchmark measured exact 231 us vs HNSW 238 us at 10k, so exact costs nothing below
	// that and never misses. Negative means always HNSW.
	ExactBelow int
	// NoSyncWrites turns off fsync before a write is acknowledged. Only for tests and
	// benchmarks that measure the engine rather than the disk: with it set an
	// acknowledged write may be lost in a power failure.
	NoSyncWrites bool
	// MemTableSize and VLogFileSize tune Badger; defaults 64 MiB and 256 MiB. Tests use
	// small values so that many stores fit in memory.
	MemTableSize int64
	VLogFileSize int64
	// SnapshotEvery: an HNSW gallery is snapshotted in the background after this many
	// mutations since its last snapshot, which bounds the change records Open replays
	// after a crash. Over a shared store it also bounds the change records kept: those
	// before the previous store snapshot are trimmed. Default 10000; negative: only
	// Close writes snapshots.
	SnapshotEvery int
	// NoIndexSnapshots turns off the HNSW snapshots (files in Dir/index, or snapshots in
	// the shared store): every Open then rebuilds every index from the face rows.
	NoIndexSnapshots bool
	// RetentionDays: ledger (check-in) and audit rows older than this many days are
	// deleted at Open and hourly; 0 keeps them forever. Check-ins are personal data.
	RetentionDays int
	// DefaultUserStatus is what UserStatus returns for a NIK without a status; default
	// "green" so that the local check-in provider admits people nobody has flagged.
	DefaultUserStatus string
	// Logger receives warnings and Badger's own messages; default slog.Default().
	Logger *slog.Logger
	// Liveness is the presentation-attack gate of enrol, verify and identify: on by
	// default (engine/liveness.go).
	Liveness LivenessOptions

	// loadWorkers caps how many galleries Open loads at once (0: GOMAXPROCS); tests set
	// 1 for the one-after-another reference.
	loadWorkers int
}

// EnsureDefaults returns o with zero fields set to their defaults.
func (o Options) EnsureDefaults() Options {
	if o.Dir == "" {
		o.Dir = DefaultDir
	}
	if o.KeyEnv == "" {
		o.KeyEnv = DefaultKeyEnv
	}
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.MinThreshold == 0 {
		o.MinThreshold = o.Threshold
	}
	if o.IdentifyFAR == 0 {
		o.IdentifyFAR = DefaultIdentifyFAR
	}
	if o.DuplicatePolicy == "" {
		o.DuplicatePolicy = DuplicateRefuse
	}
	if o.DuplicateScope == "" {
		o.DuplicateScope = DuplicateScopeGallery
	}
	if o.MaskedEnrolment == "" {
		o.MaskedEnrolment = MaskedEnrolRefuse
	}
	if o.MaxTemplates == 0 {
		o.MaxTemplates = DefaultMaxTemplates
	}
	if o.IndexEfSearch == 0 {
		o.IndexEfSearch = index.DefaultEfSearch
	}
	if o.ExactBelow == 0 {
		o.ExactBelow = DefaultExactBelow
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = DefaultMemTableSize
	}
	if o.VLogFileSize == 0 {
		o.VLogFileSize = DefaultVLogFileSize
	}
	if o.SnapshotEvery == 0 {
		o.SnapshotEvery = DefaultSnapshotEvery
	}
	if o.DefaultUserStatus == "" {
		o.DefaultUserStatus = DefaultUserStatus
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Liveness = o.Liveness.withDefaults()
	return o
}

// Validate reports the first out-of-range field. IndexM and IndexEfConstruction may be
// zero here: Open fills them from the store or from package index's defaults.
func (o Options) Validate() error {
	if err := validStore(o.Store); err != nil {
		return err
	}
	switch {
	case o.Threshold <= 0 || o.Threshold > 1:
		return fmt.Errorf("%w: Threshold %v not in (0,1]", ErrInvalid, o.Threshold)
	case o.MinThreshold <= 0 || o.MinThreshold > o.Threshold || o.MinThreshold != o.MinThreshold:
		return fmt.Errorf("%w: MinThreshold %v not in (0, Threshold %v]", ErrInvalid, o.MinThreshold, o.Threshold)
	case !(o.IdentifyFAR > 0 && o.IdentifyFAR < 1):
		return fmt.Errorf("%w: IdentifyFAR %v not in (0,1)", ErrInvalid, o.IdentifyFAR)
	case o.DuplicatePolicy != DuplicateRefuse && o.DuplicatePolicy != DuplicateFlag && o.DuplicatePolicy != DuplicateOff:
		return fmt.Errorf("%w: DuplicatePolicy %q (refuse, flag or off)", ErrInvalid, o.DuplicatePolicy)
	case o.MaskedEnrolment != MaskedEnrolRefuse && o.MaskedEnrolment != MaskedEnrolAllow:
		return fmt.Errorf("%w: MaskedEnrolment %q (refuse or allow)", ErrInvalid, o.MaskedEnrolment)
	case o.DuplicateScope != DuplicateScopeGallery && o.DuplicateScope != DuplicateScopeTenant:
		return fmt.Errorf("%w: DuplicateScope %q (gallery or tenant)", ErrInvalid, o.DuplicateScope)
	case o.DuplicateThreshold < 0 || o.DuplicateThreshold > 1 || o.DuplicateThreshold != o.DuplicateThreshold:
		return fmt.Errorf("%w: DuplicateThreshold %v not in [0,1]", ErrInvalid, o.DuplicateThreshold)
	case o.RetentionDays < 0:
		return fmt.Errorf("%w: RetentionDays %d < 0", ErrInvalid, o.RetentionDays)
	case o.MaxTemplates < 1 || o.MaxTemplates > maxTemplatesCeiling:
		return fmt.Errorf("%w: MaxTemplates %d not in 1..%d", ErrInvalid, o.MaxTemplates, maxTemplatesCeiling)
	case o.IndexM != 0 && (o.IndexM < 2 || o.IndexM > 256):
		return fmt.Errorf("%w: IndexM %d not in 2..256", ErrInvalid, o.IndexM)
	case o.IndexEfConstruction != 0 && o.IndexEfConstruction < max(o.IndexM, 2):
		return fmt.Errorf("%w: IndexEfConstruction %d < IndexM", ErrInvalid, o.IndexEfConstruction)
	case o.IndexEfSearch < 1:
		return fmt.Errorf("%w: IndexEfSearch %d < 1", ErrInvalid, o.IndexEfSearch)
	case o.MemTableSize < 1<<20:
		return fmt.Errorf("%w: MemTableSize %d < 1 MiB", ErrInvalid, o.MemTableSize)
	case o.VLogFileSize < 1<<20 || o.VLogFileSize >= 2<<30:
		return fmt.Errorf("%w: VLogFileSize %d not in [1 MiB, 2 GiB)", ErrInvalid, o.VLogFileSize)
	}
	if err := o.Liveness.validate(); err != nil {
		return err
	}
	if !validStatus(o.DefaultUserStatus) {
		return fmt.Errorf("%w: DefaultUserStatus %q", ErrInvalid, o.DefaultUserStatus)
	}
	return nil
}

// Duplicate-face policies and scopes (Options.DuplicatePolicy, Options.DuplicateScope).
const (
	DuplicateRefuse       = "refuse"
	DuplicateFlag         = "flag"
	DuplicateOff          = "off"
	DuplicateScopeGallery = "gallery"
	DuplicateScopeTenant  = "tenant"
)

// validStatus: the four colours of the check-in contract.
func validStatus(s string) bool {
	switch s {
	case "green", "yellow", "red", "black":
		return true
	}
	return false
}
