package server

import (
	"errors"
	"strconv"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/pedulilindungi"
)

// The PeduliLindungi endpoints. Each handler validates its fields in the order of API.md,
// then hands the work to the gate or the engine.

type plEnrollReq struct {
	NIK           jstr  `json:"nik"`
	UserName      jstr  `json:"user_name"`
	Gallery       jstr  `json:"facegallery_id"`
	Image         jimg  `json:"image"`
	TrxID         jtrx  `json:"trx_id"`
	ForceRegister jbool `json:"force_register"`
	ForcePL       jbool `json:"force_pl"`
	Replace       jbool `json:"replace"`
	Position      jpos  `json:"change_position"`
}

func (s *Server) plEnroll(c *call) (response, error) {
	var q plEnrollReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	nik := k.id(q.NIK, codeUserIDNull, "nik")
	name := k.id(q.UserName, codeUserNameNull, "user_name")
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	img := k.img(q.Image, fieldImage)
	force := k.flag(q.ForceRegister, "force_register")
	forcePL := k.flag(q.ForcePL, "force_pl")
	replace := k.flag(q.Replace, "replace")
	c.nik = nik
	if k.err != nil {
		return nil, k.err
	}
	res, err := s.gate.Enroll(c.ctx, engine.EnrollRequest{Tenant: c.tenant, Gallery: gal, PersonID: nik, Name: name,
		Image: img, Force: force, Replace: replace, Actor: c.actor(), TrxID: c.trx}, forcePL)
	out := &plEnrollResp{}
	if res.Reply != nil {
		out.PLData = res.Reply.Raw
	}
	return out, err
}

type listReq struct {
	Gallery jstr `json:"facegallery_id"`
	TrxID   jtrx `json:"trx_id"`
	Limit   jnum `json:"limit"`
	Cursor  jstr `json:"cursor"`
}

// people reads one page of a gallery: limit 1..10000 (default 1000), cursor from the
// previous page's next_cursor.
func (s *Server) people(c *call) ([]engine.Person, string, error) {
	var q listReq
	if err := c.decode(&q); err != nil {
		return nil, "", err
	}
	var k check
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	limit := k.num(q.Limit, "limit", 1, 10000, 0)
	cursor := k.optID(q.Cursor, "cursor")
	if k.err == nil && limit != float64(int(limit)) {
		k.err = failf(codeMalformed, "limit must be an integer")
	}
	if k.err != nil {
		return nil, "", k.err
	}
	return s.svc.People(c.ctx, c.tenant, gal, engine.Page{Limit: int(limit), Cursor: cursor})
}

func (s *Server) plList(c *call) (response, error) {
	people, next, err := s.people(c)
	if err != nil {
		return nil, err
	}
	out := &plListResp{Faces: make([]plFace, len(people)), NextCursor: next}
	for i, p := range people {
		out.Faces[i] = plFace{NIK: p.ID, UserName: p.Name}
	}
	return out, nil
}

type plVisitReq struct {
	NIK       jstr `json:"nik"`
	Gallery   jstr `json:"facegallery_id"`
	Image     jimg `json:"image"`
	TrxID     jtrx `json:"trx_id"`
	QRCode    jstr `json:"qrCode"`
	QRCode2   jstr `json:"qr_code"`
	Latitude  jnum `json:"latitude"`
	Longitude jnum `json:"longitude"`
	MinConf   jnum `json:"minimum_confidence_level"`
	Position  jpos `json:"change_position"`
}

// visit validates the QR code and the position.
func (s *Server) visit(k *check, q *plVisitReq) (pedulilindungi.Visit, float64) {
	var v pedulilindungi.Visit
	qr := q.QRCode
	if !qr.set && !qr.bad {
		qr = q.QRCode2
	}
	if k.err == nil {
		if !qr.set {
			k.err = failf(codeMalformed, "qrCode is required")
		} else if dir, venue, err := pedulilindungi.ParseQR(qr.v); err != nil {
			k.err = failf(codeMalformed, "qrCode must be checkin:<venue id> or checkout:<venue id>")
		} else if len(venue) > maxIdentifier {
			k.err = failf(codeMalformed, "qrCode venue longer than %d characters", maxIdentifier)
		} else {
			v.Direction, v.Venue = dir, venue
		}
	}
	v.Latitude = k.num(q.Latitude, "latitude", -90, 90, 0)
	v.Longitude = k.num(q.Longitude, "longitude", -180, 180, 0)
	threshold := k.num(q.MinConf, "minimum_confidence_level", 0, 1, s.opts.Threshold)
	return v, threshold
}

func (s *Server) plVerify(c *call) (response, error) {
	var q plVisitReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	nik := k.id(q.NIK, codeUserIDNull, "nik")
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	img := k.img(q.Image, fieldImage)
	v, threshold := s.visit(&k, &q)
	c.nik = nik
	if k.err != nil {
		return nil, k.err
	}
	res, err := s.gate.Verify(c.ctx, engine.VerifyRequest{Tenant: c.tenant, Gallery: gal, PersonID: nik, Image: img,
		Threshold: threshold, TrxID: c.trx}, v)
	out := &plVerifyResp{UserStatus: res.UserStatus}
	if res.Reply != nil {
		out.PLData = res.Reply.Raw
	}
	if comparedFace(err) {
		out.Similarity, out.Masker, out.Verified = &res.Similarity, &res.Masker, &res.Verified
		out.MaskerDetail = res.Face.MaskDetail
	}
	return out, err
}

// comparedFace: the face was compared, so the body reports the comparison (200, 411, 6xx).
func comparedFace(err error) bool {
	return err == nil || errors.Is(err, engine.ErrNotVerified) || pedulilindungi.Failed(err)
}

func (s *Server) plIdentify(c *call) (response, error) {
	var q plVisitReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	img := k.img(q.Image, fieldImage)
	v, threshold := s.visit(&k, &q)
	if k.err != nil {
		return nil, k.err
	}
	res, err := s.gate.Identify(c.ctx, engine.IdentifyRequest{Tenant: c.tenant, Gallery: gal, Image: img,
		K: s.opts.IdentifyK, Threshold: threshold, TrxID: c.trx}, v)
	out := &plIdentifyResp{Return: matches(res.IdentifyResult), UserStatus: res.UserStatus}
	if len(res.Matches) > 0 {
		c.nik = res.Matches[0].Person.ID
	}
	if res.Reply != nil {
		out.PLData = res.Reply.Raw
	}
	out.Description = describe(err, len(out.Return))
	return out, err
}

// matches formats identify hits the way existing clients parse them: strings.
func matches(r engine.IdentifyResult) []match {
	out := make([]match, len(r.Matches))
	for i, m := range r.Matches {
		out[i] = match{Confidence: strconv.FormatFloat(m.Similarity, 'f', 6, 64), Mask: strconv.FormatBool(r.Masker),
			UserID: m.Person.ID, UserName: m.Person.Name}
	}
	return out
}

func describe(err error, n int) string {
	switch {
	case err == nil:
		return "face identified: " + strconv.Itoa(n) + " match(es)"
	case errors.Is(err, engine.ErrNotVerified):
		return "no enrolled face matches"
	}
	return ""
}

type deleteReq struct {
	NIK     jstr `json:"nik"`
	UserID  jstr `json:"user_id"`
	Gallery jstr `json:"facegallery_id"`
	TrxID   jtrx `json:"trx_id"`
}

func (s *Server) plDelete(c *call) (response, error) {
	var q deleteReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	nik := k.id(q.NIK, codeUserIDNull, "nik")
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	c.nik = nik
	if k.err != nil {
		return nil, k.err
	}
	return nil, s.svc.DeletePerson(c.ctx, c.tenant, gal, nik)
}
