package server

import (
	"errors"

	"github.com/wajah-id/wajah/engine"
)

// The general FaceGallery endpoints (also served under /face-api/).

type galleryReq struct {
	Gallery jstr `json:"facegallery_id"`
	TrxID   jtrx `json:"trx_id"`
}

func (s *Server) galleryID(c *call) (string, error) {
	var q galleryReq
	if err := c.decode(&q); err != nil {
		return "", err
	}
	return identifier(q.Gallery, codeGalleryNull, "facegallery_id")
}

func (s *Server) createGallery(c *call) (response, error) {
	gal, err := s.galleryID(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.CreateGallery(c.ctx, c.tenant, gal)
}

func (s *Server) deleteGallery(c *call) (response, error) {
	gal, err := s.galleryID(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteGallery(c.ctx, c.tenant, gal)
}

// myGalleries is GET (no body) or POST with {trx_id}.
func (s *Server) myGalleries(c *call) (response, error) {
	if len(c.fc.PostBody()) > 0 {
		var q galleryReq
		if err := c.decode(&q); err != nil {
			return nil, err
		}
	}
	gs, err := s.svc.Galleries(c.ctx, c.tenant)
	if gs == nil {
		gs = []string{}
	}
	return &galleriesResp{Galleries: gs}, err
}

type enrollReq struct {
	UserID        jstr  `json:"user_id"`
	UserName      jstr  `json:"user_name"`
	Gallery       jstr  `json:"facegallery_id"`
	Image         jimg  `json:"image"`
	TrxID         jtrx  `json:"trx_id"`
	ForceRegister jbool `json:"force_register"`
	Replace       jbool `json:"replace"`
	Position      jpos  `json:"change_position"`
}

func (s *Server) enroll(c *call) (response, error) {
	var q enrollReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	id := k.id(q.UserID, codeUserIDNull, "user_id")
	name := k.id(q.UserName, codeUserNameNull, "user_name")
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	img := k.img(q.Image, fieldImage)
	force := k.flag(q.ForceRegister, "force_register")
	replace := k.flag(q.Replace, "replace")
	c.nik = id
	if k.err != nil {
		return nil, k.err
	}
	_, err := s.svc.Enroll(c.ctx, engine.EnrollRequest{Tenant: c.tenant, Gallery: gal, PersonID: id, Name: name,
		Image: img, Force: force, Replace: replace, Actor: c.actor(), TrxID: c.trx})
	return nil, err
}

func (s *Server) list(c *call) (response, error) {
	people, next, err := s.people(c)
	if err != nil {
		return nil, err
	}
	out := &listResp{Faces: make([]face, len(people)), NextCursor: next}
	for i, p := range people {
		out.Faces[i] = face{UserID: p.ID, UserName: p.Name}
	}
	return out, nil
}

type faceReq struct {
	UserID  jstr `json:"user_id"`
	Gallery jstr `json:"facegallery_id"`
	Image   jimg `json:"image"`
	TrxID   jtrx `json:"trx_id"`
	MinConf jnum `json:"minimum_confidence_level"`
	Pos     jpos `json:"change_position"`
}

// verify answers 200 with verified true or false: the body carries the verdict. A missing
// person is 415.
func (s *Server) verify(c *call) (response, error) {
	var q faceReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	id := k.id(q.UserID, codeUserIDNull, "user_id")
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	img := k.img(q.Image, fieldImage)
	threshold := k.num(q.MinConf, "minimum_confidence_level", 0, 1, s.opts.Threshold)
	c.nik = id
	if k.err != nil {
		return nil, k.err
	}
	res, err := s.svc.Verify(c.ctx, engine.VerifyRequest{Tenant: c.tenant, Gallery: gal, PersonID: id, Image: img,
		Threshold: threshold, TrxID: c.trx})
	if isNotVerified(err) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return &verifyResp{UserName: res.Person.Name, Similarity: res.Similarity, Masker: res.Masker, Verified: res.Verified, MaskerDetail: res.Face.MaskDetail}, nil
}

func (s *Server) identify(c *call) (response, error) {
	var q faceReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	img := k.img(q.Image, fieldImage)
	threshold := k.num(q.MinConf, "minimum_confidence_level", 0, 1, s.opts.Threshold)
	if k.err != nil {
		return nil, k.err
	}
	res, err := s.svc.Identify(c.ctx, engine.IdentifyRequest{Tenant: c.tenant, Gallery: gal, Image: img,
		K: s.opts.IdentifyK, Threshold: threshold, TrxID: c.trx})
	if err == nil && len(res.Matches) == 0 {
		err = engine.ErrNotVerified
	}
	out := &identifyResp{Return: matches(res), Description: describe(err, len(res.Matches))}
	return out, err
}

func (s *Server) deleteFace(c *call) (response, error) {
	var q deleteReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	id := k.id(q.UserID, codeUserIDNull, "user_id")
	gal := k.id(q.Gallery, codeGalleryNull, "facegallery_id")
	c.nik = id
	if k.err != nil {
		return nil, k.err
	}
	return nil, s.svc.DeletePerson(c.ctx, c.tenant, gal, id)
}

type compareReq struct {
	Source jimg `json:"source_image"`
	Target jimg `json:"target_image"`
	TrxID  jtrx `json:"trx_id"`
}

func (s *Server) compare(c *call) (response, error) {
	var q compareReq
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	var k check
	src := k.img(q.Source, fieldSource)
	tgt := k.img(q.Target, fieldTarget)
	if k.err != nil {
		return nil, k.err
	}
	res, err := s.svc.Compare(c.ctx, src, tgt)
	if err != nil {
		return nil, err
	}
	return &compareResp{Similarity: res.Similarity, Verified: res.Verified, Masker: res.Masker, MaskerDetail: res.MaskerDetail}, nil
}

func isNotVerified(err error) bool { return errors.Is(err, engine.ErrNotVerified) }
