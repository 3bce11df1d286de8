package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/pedulilindungi"
)

// stage is a timed part of a request: the per-stage latency histograms and the log line's
// *_ms fields.
type stage int

const (
	stageAuth stage = iota
	stageDecode
	stageEnroll
	stageVerify
	stageIdentify
	stageCompare
	stageStore // list, delete, galleries
	stageCheckin
	stageWrite
	numStages
)

var stageNames = [numStages]string{"auth", "decode", "enroll", "verify", "identify", "compare", "store", "checkin", "write"}

// stages accumulates one request's stage durations. A request runs on one goroutine.
type stages struct{ d [numStages]time.Duration }

func (s *stages) add(st stage, d time.Duration) {
	if s != nil {
		s.d[st] += d
	}
}

func (s *stages) attrs(a []slog.Attr) []slog.Attr {
	for i, d := range s.d {
		if d > 0 {
			a = append(a, slog.Float64(stageNames[i]+"_ms", msec(d)))
		}
	}
	return a
}

type stagesKey struct{}

func withStages(ctx context.Context, s *stages) context.Context {
	return context.WithValue(ctx, stagesKey{}, s)
}

func stagesOf(ctx context.Context) *stages {
	s, _ := ctx.Value(stagesKey{}).(*stages)
	return s
}

// timedService times the engine calls of a request into its stages and the histograms, and
// holds a CPU slot (slots.go) around the calls that do face work.
type timedService struct {
	engine.Service
	m *metrics
}

// time adds to the request's stages; finish feeds them to the histograms.
func (t *timedService) time(ctx context.Context, st stage, t0 time.Time) {
	stagesOf(ctx).add(st, time.Since(t0))
}

func (t *timedService) Enroll(ctx context.Context, r engine.EnrollRequest) (engine.EnrollResult, error) {
	if err := holdSlot(ctx); err != nil {
		return engine.EnrollResult{}, err
	}
	defer releaseSlot(ctx)
	defer t.time(ctx, stageEnroll, time.Now())
	return t.Service.Enroll(ctx, r)
}

func (t *timedService) Verify(ctx context.Context, r engine.VerifyRequest) (engine.VerifyResult, error) {
	if err := holdSlot(ctx); err != nil {
		return engine.VerifyResult{}, err
	}
	defer releaseSlot(ctx)
	defer t.time(ctx, stageVerify, time.Now())
	return t.Service.Verify(ctx, r)
}

func (t *timedService) Identify(ctx context.Context, r engine.IdentifyRequest) (engine.IdentifyResult, error) {
	if err := holdSlot(ctx); err != nil {
		return engine.IdentifyResult{}, err
	}
	defer releaseSlot(ctx)
	defer t.time(ctx, stageIdentify, time.Now())
	return t.Service.Identify(ctx, r)
}

func (t *timedService) Compare(ctx context.Context, a, b []byte) (engine.CompareResult, error) {
	if err := holdSlot(ctx); err != nil {
		return engine.CompareResult{}, err
	}
	defer releaseSlot(ctx)
	defer t.time(ctx, stageCompare, time.Now())
	return t.Service.Compare(ctx, a, b)
}

func (t *timedService) People(ctx context.Context, tenant, gallery string, p engine.Page) ([]engine.Person, string, error) {
	defer t.time(ctx, stageStore, time.Now())
	return t.Service.People(ctx, tenant, gallery, p)
}

func (t *timedService) DeletePerson(ctx context.Context, tenant, gallery, id string) error {
	defer t.time(ctx, stageStore, time.Now())
	return t.Service.DeletePerson(ctx, tenant, gallery, id)
}

// timedProvider times check-in service calls.
type timedProvider struct {
	pedulilindungi.Provider
	m *metrics
}

func (t *timedProvider) Register(ctx context.Context, r pedulilindungi.Registration) (pedulilindungi.Reply, error) {
	releaseSlot(ctx) // waiting on the network needs no CPU slot
	t0 := time.Now()
	rep, err := t.Provider.Register(ctx, r)
	d := time.Since(t0)
	stagesOf(ctx).add(stageCheckin, d)
	t.m.checkin(int(checkinFailure(err)))
	return rep, err
}

func (t *timedProvider) Checkin(ctx context.Context, c pedulilindungi.Checkin) (pedulilindungi.Reply, error) {
	releaseSlot(ctx) // waiting on the network needs no CPU slot
	t0 := time.Now()
	rep, err := t.Provider.Checkin(ctx, c)
	d := time.Since(t0)
	stagesOf(ctx).add(stageCheckin, d)
	t.m.checkin(int(checkinFailure(err)))
	return rep, err
}
