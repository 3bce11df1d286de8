package server

import (
	"bytes"
	"encoding/json"
	"html/template"
	"sort"
	"sync"
)

// docsHTML renders the embedded OpenAPI document as one static page (no scripts, no CDN),
// once, so /docs can never drift from /openapi.json.
var docsHTML = sync.OnceValue(func() []byte {
	var doc struct {
		Info  struct{ Title, Version, Description string }
		Paths map[string]map[string]struct {
			Summary, Description string
			RequestBody          *struct {
				Content map[string]struct{ Schema schema }
			}
			Responses map[string]struct {
				Description string
				Content     map[string]struct{ Schema schema }
			}
		}
	}
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		return []byte("<!doctype html><title>wajah API</title><p>openapi.json does not parse: " + template.HTMLEscapeString(err.Error()))
	}
	type field struct {
		Name, Type, Desc string
		Required         bool
	}
	type op struct {
		Method, Path, Summary, Desc string
		Req, Resp                   []field
	}
	fields := func(s schema) []field {
		var out []field
		for name, p := range s.Properties {
			t := p.Type
			if p.Items != nil {
				t = "array of " + p.Items.Type
			}
			out = append(out, field{Name: name, Type: t, Desc: p.Description, Required: contains(s.Required, name)})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out
	}
	var ops []op
	for path, methods := range doc.Paths {
		for method, o := range methods {
			x := op{Method: method, Path: path, Summary: o.Summary, Desc: o.Description}
			if o.RequestBody != nil {
				x.Req = fields(o.RequestBody.Content["application/json"].Schema)
			}
			x.Resp = fields(o.Responses["200"].Content["application/json"].Schema)
			ops = append(ops, x)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Path < ops[j].Path })
	var b bytes.Buffer
	if err := docsTemplate.Execute(&b, map[string]any{"Info": doc.Info, "Ops": ops}); err != nil {
		return []byte("<!doctype html><title>wajah API</title><p>cannot render docs")
	}
	return b.Bytes()
})

type schema struct {
	Properties map[string]struct {
		Type, Description string
		Items             *struct{ Type string }
	}
	Required []string
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Info.Title}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{margin-top:2.5rem;font-size:1.1rem;border-bottom:1px solid #ddd}
code,.m{font-family:ui-monospace,monospace}.m{text-transform:uppercase;background:#eef;padding:0 .4rem;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6}.req{font-weight:bold}
</style></head><body>
<h1>{{.Info.Title}} <small>{{.Info.Version}}</small></h1>
<p>{{.Info.Description}}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).</p>
{{range .Ops}}<h2><span class="m">{{.Method}}</span> <code>{{.Path}}</code></h2>
<p>{{.Summary}}{{if .Desc}}. {{.Desc}}{{end}}</p>
{{if .Req}}<table><tr><th>request field</th><th>type</th><th>description</th></tr>
{{range .Req}}<tr><td class="{{if .Required}}req{{end}}"><code>{{.Name}}</code>{{if .Required}} *{{end}}</td><td>{{.Type}}</td><td>{{.Desc}}</td></tr>
{{end}}</table>{{end}}
{{if .Resp}}<table><tr><th>response field</th><th>type</th><th>description</th></tr>
{{range .Resp}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{.Desc}}</td></tr>
{{end}}</table>{{end}}
{{end}}<p>* required</p></body></html>
`))
