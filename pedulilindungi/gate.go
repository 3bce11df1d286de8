package pedulilindungi

import (
	"context"
	"fmt"
	"strings"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
)

// Gate runs the check-in endpoints' flows: it owns the order of engine and provider calls.
type Gate struct {
	Engine   engine.Service
	Provider Provider
}

// ParseQR splits "checkin:<venue>" / "checkout:<venue>" (case-insensitive direction).
func ParseQR(qr string) (direction, venue string, err error) {
	d, v, ok := strings.Cut(strings.TrimSpace(qr), ":")
	d = strings.ToLower(d)
	if !ok || v == "" || (d != DirectionIn && d != DirectionOut) {
		return "", "", fmt.Errorf("%w: qrCode must be checkin:<venue> or checkout:<venue>", ErrInvalid)
	}
	return d, v, nil
}

// EnrollResult is the enrolment plus the service's reply (nil when none was received).
type EnrollResult struct {
	engine.EnrollResult
	Reply *Reply
	// PLError is the registration failure that ForcePL overrode, if any.
	PLError error
}

// Enroll checks the face, registers NIK + name with the provider, then stores the face. A
// provider failure stops the enrolment unless forcePL is set.
func (g *Gate) Enroll(ctx context.Context, r engine.EnrollRequest, forcePL bool) (EnrollResult, error) {
	var out EnrollResult
	// Register only once the image has passed the quality gate, and store only once the
	// service has accepted (or force_pl overrides it).
	r.BeforeCommit = func(ctx context.Context, _ embed.Face) error {
		reply, err := g.Provider.Register(ctx, Registration{Tenant: r.Tenant, Gallery: r.Gallery, NIK: r.PersonID, Name: r.Name, TrxID: r.TrxID})
		switch {
		case err == nil:
			out.Reply = &reply
			return nil
		case forcePL && Failed(err):
			out.Reply, out.PLError = ReplyOf(err), err
			return nil
		default:
			out.Reply = ReplyOf(err)
			return err
		}
	}
	r.CreateGallery = true
	res, err := g.Engine.Enroll(ctx, r)
	out.EnrollResult = res
	return out, err
}

// Visit is where and how a person passes: from the QR code and the kiosk's position.
type Visit struct {
	Direction, Venue    string
	Latitude, Longitude float64
}

// VerifyResult is the 1:1 comparison plus the check-in reply.
type VerifyResult struct {
	engine.VerifyResult
	Reply      *Reply
	UserStatus string
}

// Verify compares the face with the NIK's templates and, only when verified, checks the
// person in or out. Not verified returns engine.ErrNotVerified with the comparison filled in.
func (g *Gate) Verify(ctx context.Context, r engine.VerifyRequest, v Visit) (VerifyResult, error) {
	var out VerifyResult
	res, err := g.Engine.Verify(ctx, r)
	out.VerifyResult = res
	if err != nil {
		return out, err
	}
	if !res.Verified {
		return out, engine.ErrNotVerified
	}
	reply, err := g.checkin(ctx, r.Tenant, r.Gallery, r.PersonID, r.TrxID, v)
	out.Reply, out.UserStatus = reply, userStatus(reply)
	return out, err
}

// IdentifyResult is the 1:N search plus the check-in reply for the best match.
type IdentifyResult struct {
	engine.IdentifyResult
	Reply      *Reply
	UserStatus string
}

// Identify searches the gallery and checks the best match in or out.
func (g *Gate) Identify(ctx context.Context, r engine.IdentifyRequest, v Visit) (IdentifyResult, error) {
	var out IdentifyResult
	res, err := g.Engine.Identify(ctx, r)
	out.IdentifyResult = res
	if err != nil {
		return out, err
	}
	if len(res.Matches) == 0 {
		return out, engine.ErrNotVerified
	}
	reply, err := g.checkin(ctx, r.Tenant, r.Gallery, res.Matches[0].Person.ID, r.TrxID, v)
	out.Reply, out.UserStatus = reply, userStatus(reply)
	return out, err
}

func (g *Gate) checkin(ctx context.Context, tenant, gallery, nik, trx string, v Visit) (*Reply, error) {
	reply, err := g.Provider.Checkin(ctx, Checkin{Tenant: tenant, Gallery: gallery, NIK: nik, Venue: v.Venue,
		Direction: v.Direction, Latitude: v.Latitude, Longitude: v.Longitude, TrxID: trx})
	if err != nil {
		return ReplyOf(err), err
	}
	return &reply, nil
}

func userStatus(r *Reply) string {
	if r == nil {
		return ""
	}
	return r.UserStatus
}
