package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// assets serves the embedded web apps with content-hash ETags. Everything
// is no-cache (revalidate every time, a cheap 304): with no bundler there
// are no hashed file names, and an update must reach every iPad at once.
type assets struct {
	fsys  fs.FS
	files map[string]asset
}

type asset struct {
	body []byte
	etag string
}

func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{fsys: fsys, files: map[string]asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		a.files[p] = asset{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	return a, err
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json"
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// serve writes the asset name (a path inside web/) or a 404.
func (a *assets) serve(c echo.Context, name string) error {
	f, ok := a.files[name]
	if !ok {
		return notFound("no such page")
	}
	return serveBytes(c, name, f.body, f.etag)
}

func serveBytes(c echo.Context, name string, body []byte, etag string) error {
	h := c.Response().Header()
	h.Set("Content-Type", contentType(name))
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	if strings.HasSuffix(name, ".html") {
		setPageHeaders(c)
	}
	http.ServeContent(c.Response(), c.Request(), name, time.Time{}, bytes.NewReader(body))
	return nil
}

// setPageHeaders sets the security headers of a page: only the box's own
// scripts, WebSockets only to the box itself, never inside a frame.
func setPageHeaders(c echo.Context) {
	host := c.Request().Host
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; "+
		"connect-src 'self' ws://"+host+" wss://"+host+"; manifest-src 'self'; "+
		"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
	h.Set("X-Frame-Options", "DENY")
}

// page returns a handler serving one HTML file of the assets.
func (s *Server) page(name string) echo.HandlerFunc {
	return func(c echo.Context) error { return s.assets.serve(c, name) }
}

// static serves the files below one folder of the assets; folders and
// dotfiles are not served.
func (s *Server) static(dir string) echo.HandlerFunc {
	return func(c echo.Context) error {
		rel := c.Param("*")
		clean := path.Clean("/" + rel)[1:]
		if clean == "" || strings.HasPrefix(path.Base(clean), ".") {
			return notFound("no such file")
		}
		return s.assets.serve(c, path.Join(dir, clean))
	}
}

type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// handleManifest serves the table app's manifest with the restaurant's
// name, so the icon on each iPad's home screen says whose it is.
func (s *Server) handleManifest(c echo.Context) error {
	st, err := s.store.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	m := map[string]any{
		"name":             st.RestaurantName,
		"short_name":       shortName(st.RestaurantName),
		"description":      "Menu and orders at your table",
		"start_url":        "/t/",
		"scope":            "/t/",
		"display":          "standalone",
		"orientation":      "any",
		"background_color": "#f7f1e8",
		"theme_color":      "#7a2e1d",
		"icons": []manifestIcon{
			{Src: "/t/icon-192.png", Sizes: "192x192", Type: "image/png", Purpose: "any"},
			{Src: "/t/icon-512.png", Sizes: "512x512", Type: "image/png", Purpose: "any"},
		},
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	return serveBytes(c, "manifest.webmanifest", body, `"`+hex.EncodeToString(sum[:12])+`"`)
}

func shortName(name string) string {
	r := []rune(name)
	if len(r) <= 12 {
		return name
	}
	return strings.TrimSpace(string(r[:12]))
}
