package main

// HTTPS on the LAN (--tls): a device that trusts only the CA the box hands
// out reaches it by name and by address, over REST and wss://; the CA and
// the certificate survive restarts; a new host name gets a new certificate
// from the same CA; the keys stay private; with TLS off the CA routes 404.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
)

// fetchCA downloads the CA over plain HTTP without a token, as a guest's
// iPad does before it trusts the box, and returns it as a pool.
func fetchCA(t *testing.T, box *testBox) (*x509.CertPool, *x509.Certificate) {
	t.Helper()
	resp, err := http.Get(box.API + "/ca.crt")
	if err != nil {
		t.Fatalf("GET /ca.crt: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /ca.crt = %d %s; want 200", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-x509-ca-cert" {
		t.Errorf("GET /ca.crt Content-Type = %q; want application/x-x509-ca-cert", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, `.crt"`) {
		t.Errorf("GET /ca.crt Content-Disposition = %q; want an attachment named .crt", cd)
	}
	blk, rest := pem.Decode(body)
	if blk == nil || blk.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("GET /ca.crt is not one PEM certificate: %q", body)
	}
	if bytes.Contains(body, []byte("PRIVATE")) {
		t.Fatalf("GET /ca.crt carries a private key")
	}
	ca, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatalf("parse the CA: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool, ca
}

// trustingClient trusts only roots, and reaches every name (rms.local
// included) on 127.0.0.1, as the LAN's mDNS would.
func trustingClient(box *testBox, roots *x509.CertPool) *http.Client {
	var d net.Dialer
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func httpsDo(t *testing.T, c *http.Client, method, url, token string, body any, origin ...string) (int, []byte, *http.Response) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(origin) > 0 {
		req.Header.Set("Origin", origin[0])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp
}

func TestTLSClientTrustingTheBoxCA(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true, TLS: true})
	roots, ca := fetchCA(t, box)
	c := trustingClient(box, roots)
	byName := fmt.Sprintf("https://rms.local:%d", box.TLSPort)

	for _, base := range []string{byName, fmt.Sprintf("https://127.0.0.1:%d", box.TLSPort), fmt.Sprintf("https://localhost:%d", box.TLSPort)} {
		status, body, resp := httpsDo(t, c, "GET", base+"/healthz", "", nil)
		if status != http.StatusOK {
			t.Errorf("GET %s/healthz = %d %s; want 200", base, status, body)
			continue
		}
		leaf := resp.TLS.PeerCertificates[0]
		if life := leaf.NotAfter.Sub(leaf.NotBefore); life > 398*24*time.Hour {
			t.Errorf("%s: certificate lives %v; want at most 398 days", base, life)
		}
		if resp.TLS.NegotiatedProtocol == "h2" {
			t.Errorf("%s: negotiated h2; want HTTP/1.1 (WebSockets upgrade over it)", base)
		}
	}
	// A client that does not trust the CA is refused: the trust is real.
	if _, err := trustingClient(box, x509.NewCertPool()).Get(byName + "/healthz"); err == nil {
		t.Errorf("GET over HTTPS without the CA: no error; want an unknown authority")
	}
	// Plain HTTP still serves, unchanged.
	if status, _ := box.Do(t, "GET", "/healthz", "", nil); status != http.StatusOK {
		t.Errorf("GET http /healthz = %d; want 200", status)
	}

	// Sign in and work over HTTPS, with the page's https origin; another
	// site's origin is refused as over plain HTTP.
	creds := map[string]string{"username": "ana", "password": "waiter123"}
	if status, body, _ := httpsDo(t, c, "POST", byName+"/api/auth/login", "", creds, "https://evil.example"); status != http.StatusForbidden {
		t.Errorf("POST /api/auth/login over HTTPS from another origin = %d %s; want 403", status, body)
	}
	var login struct{ Token string }
	status, body, _ := httpsDo(t, c, "POST", byName+"/api/auth/login", "", creds, byName)
	if status != http.StatusOK || json.Unmarshal(body, &login) != nil {
		t.Fatalf("POST /api/auth/login over HTTPS = %d %s", status, body)
	}
	// The Socket.IO endpoint answers over HTTPS too (its open packet).
	if status, body, _ := httpsDo(t, c, "GET", byName+"/socket.io/?EIO=4&transport=polling", "", nil, byName); status != http.StatusOK || !bytes.HasPrefix(body, []byte(`0{"sid":`)) {
		t.Errorf("GET /socket.io/ polling over HTTPS = %d %.80s; want 200 and the open packet", status, body)
	}

	// wss:// with the same trust, the Origin a page on https://rms.local sends.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(byName, "https")+"/ws", &websocket.DialOptions{
		HTTPClient: c, HTTPHeader: http.Header{"Origin": {byName}, "Authorization": {"Bearer " + login.Token}},
	})
	if err != nil {
		t.Fatalf("dial wss /ws: %v", err)
	}
	defer ws.CloseNow()
	readEvent := func(want string) json.RawMessage {
		t.Helper()
		for {
			_, raw, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("wss read waiting for %s: %v", want, err)
			}
			var f struct {
				Event string
				Data  json.RawMessage
			}
			if json.Unmarshal(raw, &f) == nil && f.Event == want {
				return f.Data
			}
		}
	}
	readEvent("ready")
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"event":"subscribe:orders","id":1}`)); err != nil {
		t.Fatal(err)
	}
	readEvent("ack")
	var tables []struct{ ID int64 }
	status, body, _ = httpsDo(t, c, "GET", byName+"/api/tables", login.Token, nil)
	if status != http.StatusOK || json.Unmarshal(body, &tables) != nil || len(tables) == 0 {
		t.Fatalf("GET /api/tables over HTTPS = %d %s", status, body)
	}
	item := firstMenuItem(t, box, login.Token)
	status, body, _ = httpsDo(t, c, "POST", byName+"/api/orders", login.Token,
		map[string]any{"table_id": tables[0].ID, "items": []map[string]any{{"menu_item_id": item, "quantity": 1}}})
	if status != http.StatusCreated {
		t.Fatalf("POST /api/orders over HTTPS = %d %s", status, body)
	}
	var created struct{ ID int64 }
	json.Unmarshal(readEvent("order:created"), &created)
	if created.ID == 0 {
		t.Errorf("order:created over wss carried no order")
	}

	// A pairing code asked for over HTTPS links the guest's iPad to plain
	// HTTP: it has not installed the CA.
	var pair struct{ URL string }
	status, body, _ = httpsDo(t, c, "POST", fmt.Sprintf("%s/api/tables/%d/pair", byName, tables[0].ID), login.Token, nil)
	if status != http.StatusOK || json.Unmarshal(body, &pair) != nil {
		t.Fatalf("POST pair over HTTPS = %d %s", status, body)
	}
	if want := fmt.Sprintf("http://rms.local:%d/t/?code=", box.Port); !strings.HasPrefix(pair.URL, want) {
		t.Errorf("pair URL over HTTPS = %q; want it to start %q", pair.URL, want)
	}

	// The admin's view names the same CA a device shows.
	admin := box.Login(t, "admin", "admin123")
	var st struct {
		Enabled   bool
		URL       string
		HTTPSPort int `json:"https_port"`
		CA        struct{ SHA256 string }
		Cert      struct {
			DNSNames []string `json:"dns_names"`
		} `json:"certificate"`
	}
	box.DoJSON(t, "GET", "/api/system/tls", admin, nil, http.StatusOK, &st)
	if !st.Enabled || st.HTTPSPort != box.TLSPort || st.CA.SHA256 != fingerprintOf(ca) || len(st.Cert.DNSNames) == 0 || st.Cert.DNSNames[0] != "rms.local" {
		t.Errorf("GET /api/system/tls = %+v; want enabled on port %d, CA %s, for rms.local", st, box.TLSPort, fingerprintOf(ca))
	}
}

func fingerprintOf(c *x509.Certificate) string {
	var parts []string
	for _, b := range sha256.Sum256(c.Raw) {
		parts = append(parts, fmt.Sprintf("%02X", b))
	}
	return strings.Join(parts, ":")
}

// plistNode is any element of an XML property list.
type plistNode struct {
	XMLName xml.Name
	Text    string      `xml:",chardata"`
	Nodes   []plistNode `xml:",any"`
}

// dict turns a <dict> into key -> value.
func (n plistNode) dict(t *testing.T) map[string]plistNode {
	t.Helper()
	if n.XMLName.Local != "dict" || len(n.Nodes)%2 != 0 {
		t.Fatalf("not a plist dict: %s with %d children", n.XMLName.Local, len(n.Nodes))
	}
	m := map[string]plistNode{}
	for i := 0; i < len(n.Nodes); i += 2 {
		if n.Nodes[i].XMLName.Local != "key" {
			t.Fatalf("plist dict: %s where a key belongs", n.Nodes[i].XMLName.Local)
		}
		m[n.Nodes[i].Text] = n.Nodes[i+1]
	}
	return m
}

func TestTLSMobileconfigHoldsTheCA(t *testing.T) {
	box := startBox(t, boxOptions{TLS: true, Hostname: "bistro"})
	_, ca := fetchCA(t, box)
	resp, err := http.Get(box.API + "/ca.mobileconfig")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-apple-aspen-config" {
		t.Fatalf("GET /ca.mobileconfig = %d %q; want 200 application/x-apple-aspen-config", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="bistro-local-ca.mobileconfig"` {
		t.Errorf("Content-Disposition = %q; want the box's name and .mobileconfig", cd)
	}
	var root struct {
		XMLName xml.Name
		Version string      `xml:"version,attr"`
		Nodes   []plistNode `xml:",any"`
	}
	if err := xml.Unmarshal(body, &root); err != nil {
		t.Fatalf("the profile is not XML: %v\n%s", err, body)
	}
	if root.XMLName.Local != "plist" || root.Version != "1.0" || len(root.Nodes) != 1 {
		t.Fatalf("the profile is not a plist 1.0 with one dict:\n%s", body)
	}
	top := root.Nodes[0].dict(t)
	if top["PayloadType"].Text != "Configuration" || top["PayloadVersion"].Text != "1" || top["PayloadUUID"].Text == "" || top["PayloadIdentifier"].Text == "" {
		t.Errorf("profile: type %q version %q uuid %q id %q; want a Configuration profile", top["PayloadType"].Text, top["PayloadVersion"].Text, top["PayloadUUID"].Text, top["PayloadIdentifier"].Text)
	}
	content := top["PayloadContent"]
	if content.XMLName.Local != "array" || len(content.Nodes) != 1 {
		t.Fatalf("PayloadContent: %s of %d; want an array of one payload", content.XMLName.Local, len(content.Nodes))
	}
	p := content.Nodes[0].dict(t)
	if p["PayloadType"].Text != "com.apple.security.root" {
		t.Errorf("payload type = %q; want com.apple.security.root", p["PayloadType"].Text)
	}
	if p["PayloadUUID"].Text == top["PayloadUUID"].Text {
		t.Errorf("payload and profile share the UUID %s", p["PayloadUUID"].Text)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(p["PayloadContent"].Text), ""))
	if err != nil || !bytes.Equal(der, ca.Raw) {
		t.Errorf("the payload's data is not the CA's DER (err %v)", err)
	}
	// The same profile every time: installing it again replaces it.
	resp2, err := http.Get(box.API + "/ca.mobileconfig")
	if err != nil {
		t.Fatal(err)
	}
	body2, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if !bytes.Equal(body, body2) {
		t.Errorf("two downloads of the profile differ")
	}
}

// TestTLSRestartsKeepTheCA: a restart keeps the CA and the certificate
// byte for byte; a new --hostname gets a new certificate from the same
// CA; keys are 0600 even in a folder left 0777.
func TestTLSRestartsKeepTheCA(t *testing.T) {
	box := startBox(t, boxOptions{TLS: true})
	dir := filepath.Join(box.Dir, "tls")
	files := func() map[string][]byte {
		t.Helper()
		out := map[string][]byte{}
		for _, f := range []string{"ca.crt", "ca.key", "server.crt", "server.key"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatalf("read %s: %v", f, err)
			}
			out[f] = b
		}
		return out
	}
	handshake := func(name string, roots *x509.CertPool) (*x509.Certificate, error) {
		t.Helper()
		conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", box.TLSPort), &tls.Config{RootCAs: roots, ServerName: name})
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0], nil
	}

	before := files()
	roots, _ := fetchCA(t, box)
	box.Restart(t)
	after := files()
	for f, b := range before {
		if !bytes.Equal(b, after[f]) {
			t.Errorf("%s changed across a restart with nothing changed", f)
		}
	}
	leaf, err := handshake("rms.local", roots)
	if err != nil {
		t.Fatalf("TLS to rms.local after a restart: %v", err)
	}
	if blk, _ := pem.Decode(after["server.crt"]); blk == nil || !bytes.Equal(leaf.Raw, blk.Bytes) {
		t.Errorf("the box serves another certificate than server.crt")
	}

	box.Stop()
	box.Hostname = "bistro"
	box.Restart(t)
	renamed := files()
	if !bytes.Equal(renamed["ca.crt"], before["ca.crt"]) || !bytes.Equal(renamed["ca.key"], before["ca.key"]) {
		t.Errorf("a new --hostname changed the CA; want the same CA")
	}
	if bytes.Equal(renamed["server.crt"], before["server.crt"]) {
		t.Errorf("a new --hostname kept the old certificate")
	}
	if _, err := handshake("bistro.local", roots); err != nil {
		t.Errorf("TLS to bistro.local with the CA fetched before: %v", err)
	}
	var unknown x509.HostnameError
	if _, err := handshake("rms.local", roots); !errors.As(err, &unknown) {
		t.Errorf("TLS to the old name rms.local: err %v; want a host name mismatch", err)
	}

	// A fresh CA made in a data folder left open to everyone.
	box.Stop()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(box.Dir, 0o777); err != nil {
		t.Fatal(err)
	}
	box.Restart(t)
	for _, f := range []string{"ca.crt", "ca.key", "server.crt", "server.key"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v in a 0777 data folder; want 0600", f, fi.Mode().Perm())
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("tls folder mode = %v (err %v); want 0700", fi.Mode().Perm(), err)
	}
}

func TestTLSOffCARoutes404(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	for _, path := range []string{"/ca.crt", "/ca.mobileconfig"} {
		status, body := box.Do(t, "GET", path, "", nil)
		var env struct {
			Error struct{ Code, Message string }
		}
		if status != http.StatusNotFound || json.Unmarshal(body, &env) != nil || env.Error.Code != "not_found" || !strings.Contains(env.Error.Message, "--tls") {
			t.Errorf("GET %s with TLS off = %d %s; want 404 not_found saying how to turn on --tls", path, status, body)
		}
	}
	admin := box.Login(t, "admin", "admin123")
	status, body := box.Do(t, "GET", "/api/system/tls", admin, nil)
	if status != http.StatusOK || strings.TrimSpace(string(body)) != `{"enabled":false}` {
		t.Errorf("GET /api/system/tls with TLS off = %d %s; want 200 {\"enabled\":false}", status, body)
	}
	if _, err := os.Stat(filepath.Join(box.Dir, "tls")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a box without --tls made %s (err %v); want nothing", filepath.Join(box.Dir, "tls"), err)
	}
}

// TestTLSStaffSettingsInChromium: the staff app over https:// (Chromium
// trusts exactly the box's key, by its SPKI hash: it cannot take a CA from
// a flag), live over wss://, with the HTTPS card offering the CA; and a box
// without --tls says how to turn it on.
func TestTLSStaffSettingsInChromium(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true, TLS: true})
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", box.TLSPort), &tls.Config{InsecureSkipVerify: true}) // only to read the key's hash
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo)
	conn.Close()
	ctx := newBrowser(t, 1366, 900, chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])))

	staffRun(t, ctx, chromedp.Navigate(fmt.Sprintf("https://rms.local:%d/", box.TLSPort)))
	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "live connection over wss", `document.getElementById('conn').dataset.state === 'connected'`)
	if got := staffString(t, ctx, `location.protocol + ' ' + window.isSecureContext`); got != "https: true" {
		t.Errorf("page protocol and secure context = %q; want https: true", got)
	}
	staffGo(t, ctx, "#/settings")
	staffWait(t, ctx, "HTTPS card, on", `(() => { const c = document.querySelector('.https'); return !!c && c.textContent.includes('HTTPS is on') && !!c.querySelector('a[href="/ca.mobileconfig"]') && !!c.querySelector('a[href="/ca.crt"]') && c.querySelector('.https-fingerprint')?.textContent.split(':').length === 32; })()`)
	if got := staffString(t, ctx, `document.querySelector('.https a[href^="https:"]').getAttribute('href')`); !strings.HasPrefix(got, "https://") || !strings.Contains(got, fmt.Sprint(box.TLSPort)) {
		t.Errorf("the card's HTTPS link = %q; want the https address on port %d", got, box.TLSPort)
	}
	staffString(t, ctx, `(document.querySelector('.https').scrollIntoView(), '')`)
	shot(t, ctx, "staff-settings-https-on-1366")

	off := startBox(t, boxOptions{Demo: true})
	tab := newTab(t, ctx, 390, 844)
	staffRun(t, tab, chromedp.Navigate(off.URL+"/"))
	staffSignIn(t, tab, "admin", "admin123")
	staffWait(t, tab, "the app shell", `!document.getElementById('shell').hidden`)
	staffGo(t, tab, "#/settings")
	staffWait(t, tab, "HTTPS card, off", `(() => { const c = document.querySelector('.https'); return !!c && c.textContent.includes('HTTPS is off') && c.textContent.includes('RMS_TLS=true') && !c.querySelector('a[href="/ca.crt"]'); })()`)
	staffNoHorizontalScroll(t, tab, "settings with HTTPS off")
	staffString(t, tab, `(document.querySelector('.https').scrollIntoView(), '')`)
	shot(t, tab, "staff-settings-https-off-390")
	// Last, as it skips without axe-core installed; from the top, where
	// the sticky header covers no control.
	staffString(t, ctx, `(window.scrollTo(0, 0), '')`)
	axeCheck(t, ctx, "staff settings with HTTPS on")
}

func TestTLSServeFlags(t *testing.T) {
	for _, tc := range []struct {
		env     string
		args    []string
		tls     bool
		addr    string
		wantErr bool
	}{
		{"", nil, false, ":8443", false},
		{"true", nil, true, ":8443", false},
		{"", []string{"--tls", "--tls-addr", ":443"}, true, ":443", false},
		{"true", []string{"--tls=false"}, false, ":8443", false},
		{"maybe", nil, false, "", true},
	} {
		t.Setenv("RMS_TLS", tc.env)
		cfg, err := parseServeConfig(tc.args, io.Discard)
		if (err != nil) != tc.wantErr || (err == nil && (cfg.TLS != tc.tls || cfg.TLSAddr != tc.addr)) {
			t.Errorf("RMS_TLS=%q %v: TLS %v on %q, err %v; want %v on %q, error %v", tc.env, tc.args, cfg.TLS, cfg.TLSAddr, err, tc.tls, tc.addr, tc.wantErr)
		}
	}
}

// TestTLSHandshakeErrorsQuiet: a device without the CA fails a handshake
// per attempt; that is logged at debug level, other server errors at warn.
func TestTLSHandshakeErrorsQuiet(t *testing.T) {
	var buf bytes.Buffer
	w := serverErrors{slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for line, want := range map[string]string{
		"http: TLS handshake error from 192.168.1.30:50122: remote error: tls: unknown certificate\n": "level=DEBUG",
		"http: Accept error: too many open files; retrying in 5ms\n":                                  "level=WARN",
	} {
		buf.Reset()
		w.Write([]byte(line))
		if !strings.HasPrefix(strings.SplitN(buf.String(), " ", 2)[1], want) {
			t.Errorf("%q logged as %q; want %s", line, buf.String(), want)
		}
	}
}
