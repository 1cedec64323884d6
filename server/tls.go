package server

// HTTPS on the LAN (--tls): the box's own CA for devices to install, as a
// PEM certificate and as an iOS configuration profile, and what an admin
// needs to know about it. The CA certificate is public: a guest iPad must
// fetch it before it trusts the box, so the downloads need no token. The
// keys never leave the data folder.

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// TLSInfo describes the box's HTTPS listener; Options.TLS is nil when TLS
// is off.
type TLSInfo struct {
	// CA is the box's certificate authority, CAPEM the same as PEM.
	CA    *x509.Certificate
	CAPEM []byte
	// Leaf returns the server certificate served now.
	Leaf func() *x509.Certificate
	// HTTPPort is the plain HTTP listener's port (pairing links name it);
	// HTTPSPort the TLS listener's.
	HTTPPort, HTTPSPort int
	// Hostname is the box's mDNS name without ".local".
	Hostname string
	// URL returns the staff app's HTTPS address as a device on the LAN
	// opens it ("https://rms.local:8443/").
	URL func() string
}

// errTLSOff answers the CA routes of a box without --tls.
func errTLSOff() error {
	return notFound("TLS is off on this box, so it has no certificate to install: start rms with --tls (RMS_TLS=true in the environment file) and restart it")
}

// slug is the box's host name in lower-case letters, digits and dashes.
func (t *TLSInfo) slug() string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return -1
	}, t.Hostname)
	if name == "" {
		name = "rms"
	}
	return name
}

// downloadName is the file name a device saves the CA as.
func (t *TLSInfo) downloadName(ext string) string {
	return t.slug() + "-local-ca." + ext
}

func download(c echo.Context, contentType, filename string, body []byte) error {
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, contentType, body)
}

// handleCACert serves GET /ca.crt (anyone): the CA certificate as PEM.
func (s *Server) handleCACert(c echo.Context) error {
	t := s.opts.TLS
	if t == nil {
		return errTLSOff()
	}
	return download(c, "application/x-x509-ca-cert", t.downloadName("crt"), t.CAPEM)
}

// handleCAProfile serves GET /ca.mobileconfig (anyone): the CA as an
// unsigned iOS configuration profile with one com.apple.security.root
// payload.
func (s *Server) handleCAProfile(c echo.Context) error {
	t := s.opts.TLS
	if t == nil {
		return errTLSOff()
	}
	return download(c, "application/x-apple-aspen-config", t.downloadName("mobileconfig"), caProfile(t))
}

// profileUUID derives a stable UUID from the CA and a salt, so installing
// the profile again replaces it rather than adding a second one.
func profileUUID(ca *x509.Certificate, salt string) string {
	sum := sha256.Sum256(append([]byte(salt), ca.Raw...))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40 // version 4 layout, as Apple's tools write
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// caProfile is the .mobileconfig plist for the CA.
func caProfile(t *TLSInfo) []byte {
	ca := t.CA
	org := "the restaurant"
	if len(ca.Subject.Organization) > 0 {
		org = ca.Subject.Organization[0]
	}
	fp := sha256.Sum256(ca.Raw)
	id := fmt.Sprintf("local.rms.%s.ca.%x", t.slug(), fp[:8])
	str := func(k, v string) string {
		return "\t<key>" + k + "</key>\n\t<string>" + xmlText(v) + "</string>\n"
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<plist version=\"1.0\">\n<dict>\n\t<key>PayloadContent</key>\n\t<array>\n\t<dict>\n")
	b.WriteString(str("PayloadCertificateFileName", t.downloadName("cer")))
	b.WriteString("\t<key>PayloadContent</key>\n\t<data>" + base64.StdEncoding.EncodeToString(ca.Raw) + "</data>\n")
	b.WriteString(str("PayloadDescription", "Adds the certificate authority of the rms box of "+org+"."))
	b.WriteString(str("PayloadDisplayName", ca.Subject.CommonName))
	b.WriteString(str("PayloadIdentifier", id+".root"))
	b.WriteString(str("PayloadType", "com.apple.security.root"))
	b.WriteString(str("PayloadUUID", profileUUID(ca, "root")))
	b.WriteString("\t<key>PayloadVersion</key>\n\t<integer>1</integer>\n\t</dict>\n\t</array>\n")
	b.WriteString(str("PayloadDescription", "Lets this device open the rms box of "+org+" over HTTPS ("+t.Hostname+".local) without a warning. "+
		"The certificate vouches only for .local names and addresses on the restaurant's network. "+
		"After installing, turn on full trust in Settings, General, About, Certificate Trust Settings."))
	b.WriteString(str("PayloadDisplayName", org+" rms box certificate"))
	b.WriteString(str("PayloadIdentifier", id))
	b.WriteString(str("PayloadOrganization", org))
	b.WriteString("\t<key>PayloadRemovalDisallowed</key>\n\t<false/>\n")
	b.WriteString(str("PayloadType", "Configuration"))
	b.WriteString(str("PayloadUUID", profileUUID(ca, "profile")))
	b.WriteString("\t<key>PayloadVersion</key>\n\t<integer>1</integer>\n</dict>\n</plist>\n")
	return []byte(b.String())
}

type tlsCertInfo struct {
	Subject  string   `json:"subject,omitempty"`
	SHA256   string   `json:"sha256"`
	NotAfter string   `json:"not_after"`
	DNSNames []string `json:"dns_names,omitempty"`
	IPs      []string `json:"ip_addresses,omitempty"`
}

type tlsStatus struct {
	Enabled   bool         `json:"enabled"`
	URL       string       `json:"url,omitempty"`
	HTTPSPort int          `json:"https_port,omitempty"`
	CA        *tlsCertInfo `json:"ca,omitempty"`
	Cert      *tlsCertInfo `json:"certificate,omitempty"`
}

// fingerprint is a certificate's SHA-256 as colon-separated hex pairs, the
// way Apple's and the browsers' certificate views show it.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	parts := make([]string, len(sum))
	for i, v := range sum {
		parts[i] = fmt.Sprintf("%02X", v)
	}
	return strings.Join(parts, ":")
}

// handleTLSStatus serves GET /api/system/tls (admin): whether HTTPS is on,
// where, and the CA and server certificate an owner compares with what a
// device shows.
func (s *Server) handleTLSStatus(c echo.Context) error {
	t := s.opts.TLS
	if t == nil {
		return c.JSON(http.StatusOK, tlsStatus{})
	}
	st := tlsStatus{Enabled: true, HTTPSPort: t.HTTPSPort,
		CA: &tlsCertInfo{Subject: t.CA.Subject.CommonName, SHA256: fingerprint(t.CA), NotAfter: t.CA.NotAfter.UTC().Format("2006-01-02T15:04:05Z")}}
	if t.URL != nil {
		st.URL = t.URL()
	}
	if leaf := t.Leaf(); leaf != nil {
		info := &tlsCertInfo{SHA256: fingerprint(leaf), NotAfter: leaf.NotAfter.UTC().Format("2006-01-02T15:04:05Z"), DNSNames: leaf.DNSNames}
		for _, ip := range leaf.IPAddresses {
			info.IPs = append(info.IPs, ip.String())
		}
		st.Cert = info
	}
	return c.JSON(http.StatusOK, st)
}

// plainHost is the host (and plain HTTP port) a pairing link names when
// the staff asked over HTTPS: a guest's iPad has not installed the CA, so
// tables pair over plain HTTP.
func (s *Server) plainHost(host string) string {
	t := s.opts.TLS
	if t == nil || t.HTTPPort == 0 {
		return host
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	return net.JoinHostPort(strings.Trim(name, "[]"), strconv.Itoa(t.HTTPPort))
}
