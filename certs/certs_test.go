package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeBox is a box whose addresses and clock the test sets.
type fakeBox struct {
	addrs []net.IP
	now   time.Time
}

func (f *fakeBox) options(dir, hostname string) Options {
	return Options{
		Dir: dir, Name: "Trattoria Roma", Hostname: hostname,
		Addresses: func() ([]net.IP, error) { return f.addrs, nil },
		Now:       func() time.Time { return f.now },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func newFake() *fakeBox {
	return &fakeBox{
		addrs: []net.IP{net.ParseIP("192.168.1.20"), net.ParseIP("fd00::20"), net.ParseIP("203.0.113.9"), net.ParseIP("2001:db8::20")},
		now:   time.Now(),
	}
}

func mustOpen(t *testing.T, o Options) *Manager {
	t.Helper()
	m, err := Open(o)
	if err != nil {
		t.Fatalf("Open() err = %v", err)
	}
	return m
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{CAFile, caKeyFile, serverCertFile, serverKeyFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		out[f] = b
	}
	return out
}

// verify checks the leaf against the CA alone for name at time now.
func verify(ca, leaf *x509.Certificate, name string, now time.Time) error {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: now})
	return err
}

func TestOpenMakesCAAndServerCertificate(t *testing.T) {
	f := newFake()
	dir := filepath.Join(t.TempDir(), "tls")
	m := mustOpen(t, f.options(dir, "rms"))
	ca, leaf := m.CA(), m.Leaf()

	if !ca.IsCA || ca.PublicKeyAlgorithm != x509.ECDSA || ca.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
		t.Errorf("CA: IsCA %v, algorithm %v; want an ECDSA P-256 CA", ca.IsCA, ca.PublicKeyAlgorithm)
	}
	if !strings.Contains(ca.Subject.CommonName, "Trattoria Roma") || !strings.Contains(ca.Subject.CommonName, "rms box") {
		t.Errorf("CA common name = %q; want the restaurant's name and rms box", ca.Subject.CommonName)
	}
	if life := ca.NotAfter.Sub(ca.NotBefore); life < 9*365*24*time.Hour {
		t.Errorf("CA lives %v; want about ten years", life)
	}
	if life := leaf.NotAfter.Sub(leaf.NotBefore); life > 398*24*time.Hour {
		t.Errorf("server certificate lives %v; want at most 398 days (Apple)", life)
	}
	if want := []string{"rms.local", "localhost"}; !slices.Equal(leaf.DNSNames, want) {
		t.Errorf("DNS names = %v; want %v", leaf.DNSNames, want)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	// Public addresses are left out: the CA may not vouch for them.
	if want := []string{"127.0.0.1", "192.168.1.20", "::1", "fd00::20"}; !slices.Equal(ips, want) {
		t.Errorf("IP addresses = %v; want %v", ips, want)
	}
	for _, name := range []string{"rms.local", "localhost", "127.0.0.1", "192.168.1.20", "::1"} {
		if err := verify(ca, leaf, name, f.now); err != nil {
			t.Errorf("verify %s against the CA: %v", name, err)
		}
	}
	if err := verify(ca, leaf, "other.local", f.now); err == nil {
		t.Errorf("verify other.local: no error; want a name mismatch")
	}
}

// TestCAConstrainedToLAN: a certificate the CA signs for a public name or
// address does not verify, so a stolen CA key cannot impersonate a bank.
func TestCAConstrainedToLAN(t *testing.T) {
	f := newFake()
	dir := t.TempDir()
	m := mustOpen(t, f.options(dir, "rms"))
	for _, tc := range []struct {
		dns  string
		ip   net.IP
		name string
	}{
		{dns: "bank.example.com", name: "bank.example.com"},
		{ip: net.ParseIP("203.0.113.9"), name: "203.0.113.9"},
	} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: tc.name},
			NotBefore: f.now.Add(-time.Hour), NotAfter: f.now.Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if tc.dns != "" {
			tmpl.DNSNames = []string{tc.dns}
		} else {
			tmpl.IPAddresses = []net.IP{tc.ip}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, m.ca, &key.PublicKey, m.caKey)
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := x509.ParseCertificate(der)
		if err := verify(m.CA(), leaf, tc.name, f.now); err == nil {
			t.Errorf("a certificate for %s signed by the box's CA verified; want a name constraint error", tc.name)
		}
	}
}

func TestReopenKeepsEverythingByteEqual(t *testing.T) {
	f := newFake()
	dir := t.TempDir()
	mustOpen(t, f.options(dir, "rms"))
	before := readAll(t, dir)
	f.now = f.now.Add(24 * time.Hour)
	m := mustOpen(t, f.options(dir, "rms"))
	after := readAll(t, dir)
	for name, b := range before {
		if !bytes.Equal(b, after[name]) {
			t.Errorf("%s changed on a restart with nothing changed", name)
		}
	}
	if reissued, err := m.Refresh(); err != nil || reissued {
		t.Errorf("Refresh() = %v, %v; want false, nil", reissued, err)
	}
}

func TestReissueOnChange(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(f *fakeBox, o *Options)
		wantName string
	}{
		{"hostname", func(f *fakeBox, o *Options) { o.Hostname = "bistro" }, "bistro.local"},
		{"address", func(f *fakeBox, o *Options) { f.addrs = []net.IP{net.ParseIP("10.0.0.7")} }, "10.0.0.7"},
		{"near expiry", func(f *fakeBox, o *Options) { f.now = f.now.Add(ServerValidity - RenewBefore + time.Hour) }, "rms.local"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			dir := t.TempDir()
			first := mustOpen(t, f.options(dir, "rms"))
			before := readAll(t, dir)
			o := f.options(dir, "rms")
			tc.change(f, &o)
			m := mustOpen(t, o)
			after := readAll(t, dir)
			if !bytes.Equal(before[CAFile], after[CAFile]) || !bytes.Equal(before[caKeyFile], after[caKeyFile]) {
				t.Errorf("the CA changed; want the same CA")
			}
			if bytes.Equal(before[serverCertFile], after[serverCertFile]) {
				t.Errorf("server.crt unchanged; want a new certificate")
			}
			if m.Leaf().SerialNumber.Cmp(first.Leaf().SerialNumber) == 0 {
				t.Errorf("the served certificate is the old one")
			}
			if err := verify(m.CA(), m.Leaf(), tc.wantName, f.now); err != nil {
				t.Errorf("verify %s: %v", tc.wantName, err)
			}
		})
	}
}

// TestRefreshFollowsAddresses: a running box re-issues when its addresses
// change, and serves the new certificate at once.
func TestRefreshFollowsAddresses(t *testing.T) {
	f := newFake()
	m := mustOpen(t, f.options(t.TempDir(), "rms"))
	if reissued, err := m.Refresh(); err != nil || reissued {
		t.Fatalf("Refresh() = %v, %v; want false, nil", reissued, err)
	}
	f.addrs = append(f.addrs, net.ParseIP("172.16.5.5"))
	if reissued, err := m.Refresh(); err != nil || !reissued {
		t.Fatalf("Refresh() after a new address = %v, %v; want true, nil", reissued, err)
	}
	c, _ := m.GetCertificate(nil)
	if err := verify(m.CA(), c.Leaf, "172.16.5.5", f.now); err != nil {
		t.Errorf("served certificate for 172.16.5.5: %v", err)
	}
}

func TestKeysPrivateInAnOpenFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	f := newFake()
	mustOpen(t, f.options(dir, "rms"))
	// A file someone loosened is tightened again on the next start.
	if err := os.Chmod(filepath.Join(dir, caKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	mustOpen(t, f.options(dir, "rms"))
	for _, name := range []string{CAFile, caKeyFile, serverCertFile, serverKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v; want 0600", name, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode = %v; want 0700", fi.Mode().Perm())
	}
}

// TestBrokenCAIsNotReplaced: devices trust the CA, so a missing key or a
// damaged file stops the box with a clear error instead of a silent new CA.
func TestBrokenCAIsNotReplaced(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(dir string) error
	}{
		{"key missing", func(dir string) error { return os.Remove(filepath.Join(dir, caKeyFile)) }},
		{"certificate damaged", func(dir string) error { return os.WriteFile(filepath.Join(dir, CAFile), []byte("not pem"), 0o600) }},
		{"key of another CA", func(dir string) error {
			other := t.TempDir()
			mustOpen(t, newFake().options(other, "rms"))
			b, err := os.ReadFile(filepath.Join(other, caKeyFile))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, caKeyFile), b, 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			dir := t.TempDir()
			mustOpen(t, f.options(dir, "rms"))
			if err := tc.break_(dir); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(filepath.Join(dir, CAFile))
			if _, err := Open(f.options(dir, "rms")); err == nil || !strings.Contains(err.Error(), "not replaced") {
				t.Errorf("Open() err = %v; want an error saying the CA is not replaced", err)
			}
			if after, _ := os.ReadFile(filepath.Join(dir, CAFile)); !bytes.Equal(before, after) {
				t.Errorf("ca.crt was rewritten")
			}
		})
	}
}

// TestMismatchedServerPairReissued: a crash between writing the server key
// and its certificate leaves a pair that does not match; the next start
// issues a new one.
func TestMismatchedServerPairReissued(t *testing.T) {
	f := newFake()
	dir := t.TempDir()
	mustOpen(t, f.options(dir, "rms"))
	other := t.TempDir()
	mustOpen(t, newFake().options(other, "rms"))
	b, _ := os.ReadFile(filepath.Join(other, serverKeyFile))
	if err := os.WriteFile(filepath.Join(dir, serverKeyFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	m := mustOpen(t, f.options(dir, "rms"))
	if err := verify(m.CA(), m.Leaf(), "rms.local", f.now); err != nil {
		t.Errorf("verify after a damaged pair: %v", err)
	}
}

// BenchmarkIssue is the cost of a new server certificate (a key and a
// signature), paid at most when the name or an address changes.
func BenchmarkIssue(b *testing.B) {
	f := newFake()
	m, err := Open(f.options(b.TempDir(), "rms"))
	if err != nil {
		b.Fatal(err)
	}
	dns, ips, _ := m.wanted()
	for b.Loop() {
		if _, err := m.issue(dns, ips); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandshake is one full TLS handshake with the box's certificate,
// what each new connection of a device costs the box (both ends run here).
func BenchmarkHandshake(b *testing.B) {
	f := newFake()
	m, err := Open(f.options(b.TempDir(), "rms"))
	if err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(m.CA())
	for b.Loop() {
		c1, c2 := net.Pipe()
		srv := tls.Server(c1, &tls.Config{GetCertificate: m.GetCertificate})
		done := make(chan error, 1)
		go func() { done <- srv.Handshake() }()
		cli := tls.Client(c2, &tls.Config{RootCAs: pool, ServerName: "rms.local"})
		if err := cli.Handshake(); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		c1.Close()
		c2.Close()
	}
}
