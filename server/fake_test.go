package server

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"strings"
	"sync"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
)

// fakeEngine is an in-memory engine.Service. A fake image is a JPEG magic followed by a
// directive: "face:ID" (that person's face), "mask:ID" (masked), "maskx:ID" (masked, worn
// incorrectly: masker_detail incorrect), or a failure: noface, small,
// multi, corrupt, large, type. A gallery named "boom" gives an internal error.
type fakeEngine struct {
	mu        sync.Mutex
	tokens    map[string]string                              // token -> tenant
	galleries map[string]map[string]map[string]engine.Person // tenant -> gallery -> id -> person
	faces     map[string]string                              // tenant/gallery/id -> face identity
	statuses  map[string]string
	checkins  []engine.CheckinRecord
	ready     error
	calls     []string
	delay     chan struct{} // when set, Verify waits for it to close
	entered   chan struct{} // when set, Verify signals that it started
}

var _ engine.Service = (*fakeEngine)(nil)

func newFake() *fakeEngine {
	return &fakeEngine{
		tokens:    map[string]string{"tok-a": "tenant-a", "tok-b": "tenant-b"},
		galleries: map[string]map[string]map[string]engine.Person{},
		faces:     map[string]string{},
		statuses:  map[string]string{},
	}
}

var errBoom = errors.New("disk on fire at /var/secret/path")

func (f *fakeEngine) gallery(tenant, g string) (map[string]engine.Person, error) {
	switch g {
	case "boom":
		return nil, errBoom
	case "panic":
		panic("fake engine bug")
	}
	p, ok := f.galleries[tenant][g]
	if !ok {
		return nil, engine.ErrGalleryNotFound
	}
	return p, nil
}

type fakeFace struct {
	id     string
	masked bool
	detail string // embed.Face.MaskDetail
}

func extract(img []byte, purpose embed.Purpose, force bool) (fakeFace, error) {
	d := string(img[3:])
	if i := strings.IndexByte(d, 0); i >= 0 {
		d = d[:i] // padding after the directive
	}
	switch {
	case strings.HasPrefix(d, "face:"):
		return fakeFace{id: d[5:], detail: embed.MaskDetailNone}, nil
	case strings.HasPrefix(d, "mask:"):
		return fakeFace{id: d[5:], masked: true, detail: embed.MaskDetailCorrect}, nil
	case strings.HasPrefix(d, "maskx:"):
		return fakeFace{id: d[6:], masked: true, detail: embed.MaskDetailIncorrect}, nil
	case d == "noface":
		return fakeFace{}, embed.ErrNoFace
	case d == "small" && !(force && purpose == embed.PurposeEnroll):
		return fakeFace{}, embed.ErrFaceTooSmall
	case d == "small":
		return fakeFace{id: "small"}, nil
	case d == "multi":
		return fakeFace{}, embed.ErrMultipleFaces
	case d == "corrupt":
		return fakeFace{}, embed.ErrImageCorrupt
	case d == "large":
		return fakeFace{}, embed.ErrImageTooLarge
	case d == "type":
		return fakeFace{}, embed.ErrImageType
	case d == "spoof":
		return fakeFace{}, engine.ErrPresentationAttack
	}
	return fakeFace{}, embed.ErrNoFace
}

func similarity(a, b fakeFace) float64 {
	if a.id == b.id {
		return 0.93
	}
	return 0.21
}

func (f *fakeEngine) record(op string) {
	f.calls = append(f.calls, op)
}

func (f *fakeEngine) CreateGallery(ctx context.Context, tenant, g string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("create")
	if _, err := f.gallery(tenant, g); err == nil {
		return engine.ErrGalleryExists
	} else if !errors.Is(err, engine.ErrGalleryNotFound) {
		return err
	}
	if f.galleries[tenant] == nil {
		f.galleries[tenant] = map[string]map[string]engine.Person{}
	}
	f.galleries[tenant][g] = map[string]engine.Person{}
	return nil
}

func (f *fakeEngine) DeleteGallery(ctx context.Context, tenant, g string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.gallery(tenant, g); err != nil {
		return err
	}
	delete(f.galleries[tenant], g)
	return nil
}

func (f *fakeEngine) Galleries(ctx context.Context, tenant string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for g := range f.galleries[tenant] {
		out = append(out, g)
	}
	sort.Strings(out)
	return out, nil
}

func (f *fakeEngine) Enroll(ctx context.Context, r engine.EnrollRequest) (engine.EnrollResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("enroll")
	people, err := f.gallery(r.Tenant, r.Gallery)
	if errors.Is(err, engine.ErrGalleryNotFound) && r.CreateGallery {
		if f.galleries[r.Tenant] == nil {
			f.galleries[r.Tenant] = map[string]map[string]engine.Person{}
		}
		people = map[string]engine.Person{}
		f.galleries[r.Tenant][r.Gallery] = people
		err = nil
	}
	if err != nil {
		return engine.EnrollResult{}, err
	}
	if bytes.HasSuffix(r.Image, []byte("maskenrol")) { // a masked enrolment photo (engine's gate)
		return engine.EnrollResult{}, engine.ErrMaskedEnrolment
	}
	if bytes.HasSuffix(r.Image, []byte("duplicate")) { // the face of another person
		return engine.EnrollResult{}, &engine.DuplicateError{Gallery: r.Gallery, PersonID: "first-" + r.Gallery, Similarity: 0.99}
	}
	face, err := extract(r.Image, embed.PurposeEnroll, r.Force)
	if err != nil {
		return engine.EnrollResult{}, err
	}
	if r.BeforeCommit != nil {
		// As the engine does: the hook runs after the gate, before anything is stored,
		// and without the store's lock (it may call the check-in provider).
		f.mu.Unlock()
		err := r.BeforeCommit(ctx, embed.Face{})
		f.mu.Lock()
		if err != nil {
			return engine.EnrollResult{}, err
		}
	}
	p := people[r.PersonID]
	p.ID, p.Name = r.PersonID, r.Name
	p.Templates++
	people[r.PersonID] = p
	f.faces[r.Tenant+"/"+r.Gallery+"/"+r.PersonID] = face.id
	return engine.EnrollResult{Person: p}, nil
}

func (f *fakeEngine) People(ctx context.Context, tenant, g string, pg engine.Page) ([]engine.Person, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	people, err := f.gallery(tenant, g)
	if err != nil {
		return nil, "", err
	}
	var out []engine.Person
	for _, p := range people {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	start := 0
	if pg.Cursor != "" {
		start = sort.Search(len(out), func(i int) bool { return out[i].ID > pg.Cursor })
	}
	limit := pg.Limit
	if limit == 0 {
		limit = 1000
	}
	out = out[start:]
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

func (f *fakeEngine) Verify(ctx context.Context, r engine.VerifyRequest) (engine.VerifyResult, error) {
	if f.entered != nil {
		f.entered <- struct{}{}
		<-f.delay
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("verify")
	people, err := f.gallery(r.Tenant, r.Gallery)
	if err != nil {
		return engine.VerifyResult{}, err
	}
	p, ok := people[r.PersonID]
	if !ok {
		return engine.VerifyResult{}, engine.ErrPersonNotFound
	}
	face, err := extract(r.Image, embed.PurposeVerify, false)
	if err != nil {
		return engine.VerifyResult{}, err
	}
	thr := r.Threshold
	if thr == 0 {
		thr = 0.75
	}
	sim := similarity(face, fakeFace{id: f.faces[r.Tenant+"/"+r.Gallery+"/"+r.PersonID]})
	return engine.VerifyResult{Person: p, Similarity: sim, Verified: sim >= thr, Masker: face.masked,
		Face: embed.Face{Masked: face.masked, MaskDetail: face.detail}}, nil
}

func (f *fakeEngine) Identify(ctx context.Context, r engine.IdentifyRequest) (engine.IdentifyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("identify")
	people, err := f.gallery(r.Tenant, r.Gallery)
	if err != nil {
		return engine.IdentifyResult{}, err
	}
	face, err := extract(r.Image, embed.PurposeVerify, false)
	if err != nil {
		return engine.IdentifyResult{}, err
	}
	thr := r.Threshold
	if thr == 0 {
		thr = 0.75
	}
	res := engine.IdentifyResult{Masker: face.masked}
	for id, p := range people {
		if sim := similarity(face, fakeFace{id: f.faces[r.Tenant+"/"+r.Gallery+"/"+id]}); sim >= thr {
			res.Matches = append(res.Matches, engine.Match{Person: p, Similarity: sim})
		}
	}
	if len(res.Matches) == 0 {
		return res, engine.ErrNotVerified
	}
	return res, nil
}

func (f *fakeEngine) DeletePerson(ctx context.Context, tenant, g, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	people, err := f.gallery(tenant, g)
	if err != nil {
		return err
	}
	if _, ok := people[id]; !ok {
		return engine.ErrPersonNotFound
	}
	delete(people, id)
	return nil
}

func (f *fakeEngine) Compare(ctx context.Context, source, target []byte) (engine.CompareResult, error) {
	a, err := extract(source, embed.PurposeVerify, false)
	if err != nil {
		return engine.CompareResult{}, &engine.ImageError{Image: engine.SourceImage, Err: err}
	}
	b, err := extract(target, embed.PurposeVerify, false)
	if err != nil {
		return engine.CompareResult{}, &engine.ImageError{Image: engine.TargetImage, Err: err}
	}
	s := similarity(a, b)
	return engine.CompareResult{Similarity: s, Verified: s >= 0.75, Masker: a.masked || b.masked,
		MaskerDetail: map[bool]string{true: a.detail, false: b.detail}[a.masked]}, nil
}

func (f *fakeEngine) CreateToken(ctx context.Context, client string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok := "tok-" + client + "-new"
	f.tokens[tok] = client
	return tok, nil
}

func (f *fakeEngine) RevokeToken(ctx context.Context, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tokens[token]; !ok {
		return engine.ErrUnauthorized
	}
	delete(f.tokens, token)
	return nil
}

func (f *fakeEngine) Authenticate(ctx context.Context, token string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[token]
	if !ok {
		return "", engine.ErrUnauthorized
	}
	return t, nil
}

func (f *fakeEngine) RecordCheckin(ctx context.Context, r engine.CheckinRecord) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checkins = append(f.checkins, r)
	return nil
}

func (f *fakeEngine) SetUserStatus(ctx context.Context, nik, status string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses[nik] = status
	return nil
}

func (f *fakeEngine) UserStatus(ctx context.Context, nik string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.statuses[nik]; ok {
		return s, nil
	}
	return "green", nil
}

func (f *fakeEngine) Stats() engine.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := engine.Stats{GallerySizes: map[string]int{}}
	for t, gs := range f.galleries {
		for g, p := range gs {
			st.Galleries++
			st.GallerySizes[t+"/"+g] = len(p)
		}
	}
	return st
}

func (f *fakeEngine) Ready() error { return f.ready }

// snapshot is the fake's stored state, to prove a failed request changed nothing.
func (f *fakeEngine) snapshot() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for t, gs := range f.galleries {
		for g, ps := range gs {
			for id, p := range ps {
				b.WriteString(t + "/" + g + "/" + id + "=" + p.Name + ";")
			}
		}
	}
	for _, c := range f.checkins {
		b.WriteString("checkin:" + c.NIK + c.Venue + ";")
	}
	parts := strings.Split(b.String(), ";")
	sort.Strings(parts)
	return strings.Join(parts, ";")
}
