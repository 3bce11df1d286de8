// The route table: every endpoint, its methods, whether it needs a token, its handler.
// What happens to a request once routed is lifecycle.go.

package server

import (
	"github.com/valyala/fasthttp"
)

// handler parses c's request, does the work and returns the body; the body may accompany an
// error (e.g. similarity with 411). The returned error decides the status.
type handler func(s *Server, c *call) (response, error)

// route is one endpoint. idx indexes the metrics tables.
type route struct {
	name    string // canonical path, the metrics label
	methods []string
	auth    bool
	h       handler
	raw     func(s *Server, fc *fasthttp.RequestCtx) // non-JSON ops endpoints
	idx     int
}

// apiPrefix is the alternative prefix the general endpoints are also served under.
const apiPrefix = "/face-api"

func (s *Server) buildRoutes() map[string]*route {
	post, del, get := []string{"POST"}, []string{"DELETE", "POST"}, []string{"GET"}
	list := []*route{
		{name: "/pedulilindungi/enroll-face", methods: post, auth: true, h: (*Server).plEnroll},
		{name: "/pedulilindungi/list-faces", methods: post, auth: true, h: (*Server).plList},
		{name: "/pedulilindungi/verify-checkin-checkout", methods: post, auth: true, h: (*Server).plVerify},
		{name: "/pedulilindungi/identify-checkin-checkout", methods: post, auth: true, h: (*Server).plIdentify},
		{name: "/pedulilindungi/delete-face", methods: del, auth: true, h: (*Server).plDelete},
		{name: "/facegallery/create-facegallery", methods: post, auth: true, h: (*Server).createGallery},
		{name: "/facegallery/delete-facegallery", methods: del, auth: true, h: (*Server).deleteGallery},
		{name: "/facegallery/my-facegalleries", methods: []string{"GET", "POST"}, auth: true, h: (*Server).myGalleries},
		{name: "/facegallery/enroll-face", methods: post, auth: true, h: (*Server).enroll},
		{name: "/facegallery/list-faces", methods: post, auth: true, h: (*Server).list},
		{name: "/facegallery/verify-face", methods: post, auth: true, h: (*Server).verify},
		{name: "/facegallery/identify-face", methods: post, auth: true, h: (*Server).identify},
		{name: "/facegallery/delete-face", methods: del, auth: true, h: (*Server).deleteFace},
		{name: "/compare-images", methods: post, auth: true, h: (*Server).compare},
		{name: "/oauth/client/token", methods: post, h: (*Server).oauthToken},
		{name: "/oauth/token/revoke", methods: post, h: (*Server).oauthRevoke},
		{name: "/healthz", methods: get, raw: (*Server).healthz},
		{name: "/readyz", methods: get, raw: (*Server).readyz},
		{name: "/metrics", methods: get, raw: (*Server).serveMetrics},
		{name: "/openapi.json", methods: get, raw: (*Server).openapi},
		{name: "/docs", methods: get, raw: (*Server).docs},
	}
	m := make(map[string]*route, 2*len(list))
	for i, r := range list {
		r.idx = i
		m[r.name] = r
		if r.h != nil {
			m[apiPrefix+r.name] = r
		}
	}
	s.metrics.setRoutes(list)
	return m
}

func methodAllowed(r *route, m []byte) bool {
	for _, x := range r.methods {
		if string(m) == x {
			return true
		}
	}
	return false
}
