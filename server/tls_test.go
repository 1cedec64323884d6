package server

import (
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"rms/certs"
)

// withTestTLS gives a test server the box's CA and certificate, made by
// the real certs package in a temporary folder.
func withTestTLS(t testing.TB) func(*Options) {
	t.Helper()
	m, err := certs.Open(certs.Options{Dir: filepath.Join(t.TempDir(), "tls"), Name: "Trattoria", Hostname: "rms",
		Addresses: func() ([]net.IP, error) { return nil, nil }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("certs.Open() err = %v", err)
	}
	return func(o *Options) {
		o.TLS = &TLSInfo{CA: m.CA(), CAPEM: m.CAPEM(), Leaf: m.Leaf, HTTPPort: 8080, HTTPSPort: 8443, Hostname: "rms",
			URL: func() string { return "https://rms.local:8443/" }}
	}
}

// TestTLSProfileEscapesNames: a restaurant's name with XML's special
// characters still makes a well-formed profile.
func TestTLSProfileEscapesNames(t *testing.T) {
	m, err := certs.Open(certs.Options{Dir: t.TempDir(), Name: `Fish & Chips <"Joe's">`, Hostname: "Fish-Box",
		Addresses: func() ([]net.IP, error) { return nil, nil }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	info := &TLSInfo{CA: m.CA(), CAPEM: m.CAPEM(), Leaf: m.Leaf, Hostname: "Fish-Box"}
	p := string(caProfile(info))
	if !strings.Contains(p, "Fish &amp; Chips &lt;&#34;Joe&#39;s&#34;&gt;") || strings.Contains(p, "<\"Joe") {
		t.Errorf("the profile does not escape the name:\n%s", p)
	}
	if got := info.downloadName("crt"); got != "fish-box-local-ca.crt" {
		t.Errorf("downloadName(crt) = %q; want fish-box-local-ca.crt", got)
	}
}

// TestTLSPairURLOverHTTPS: asked over HTTPS, a pairing link names the
// plain HTTP port of the same host.
func TestTLSPairURLOverHTTPS(t *testing.T) {
	s := &Server{opts: Options{TLS: &TLSInfo{HTTPPort: 8080, HTTPSPort: 8443}}}
	for _, tc := range []struct{ in, want string }{
		{"rms.local:8443", "rms.local:8080"},
		{"192.168.1.20:8443", "192.168.1.20:8080"},
		{"[fd00::20]:8443", "[fd00::20]:8080"},
		{"rms.local", "rms.local:8080"},
	} {
		if got := s.plainHost(tc.in); got != tc.want {
			t.Errorf("plainHost(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
