// Package certs makes and keeps the box's own TLS certificates for the LAN:
// a local certificate authority, made once and kept ten years, and a server
// certificate it signs for <hostname>.local, localhost and the box's
// addresses, re-issued when the name or the addresses change or when it
// nears expiry. A device that installs the CA once trusts every server
// certificate after it. Only the standard library is used.
package certs

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The files in Options.Dir. Keys are PKCS #8 PEM, certificates PEM; all
// mode 0600.
const (
	CAFile         = "ca.crt"
	caKeyFile      = "ca.key"
	serverCertFile = "server.crt"
	serverKeyFile  = "server.key"
)

const (
	caValidity = 10 * 365 * 24 * time.Hour
	// ServerValidity keeps within Apple's rule for TLS server certificates
	// (at most 398 days).
	ServerValidity = 397 * 24 * time.Hour
	// RenewBefore is how long before expiry the server certificate is
	// re-issued.
	RenewBefore = 30 * 24 * time.Hour
	// backdate covers a device whose clock is a little behind the box's.
	backdate = time.Hour
)

// lanRanges are the only addresses the CA may vouch for (its name
// constraints) and so the only ones the server certificate names: private,
// shared (CGNAT), link-local IPv4, loopback and unique-local IPv6. A leaked
// CA key can then not impersonate any public site or address.
var lanRanges = func() []*net.IPNet {
	var out []*net.IPNet
	for _, c := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
		"169.254.0.0/16", "127.0.0.0/8", "::1/128", "fc00::/7"} {
		_, n, _ := net.ParseCIDR(c)
		out = append(out, n)
	}
	return out
}()

// permittedDNS are the only names the CA may vouch for.
var permittedDNS = []string{"local", "localhost"}

// Options configure a Manager. Dir and Hostname are required.
type Options struct {
	// Dir holds the CA and the server certificate with their keys; it is
	// created (0700) when missing.
	Dir string
	// Name is the restaurant's name, written into the CA's subject so a
	// device's certificate list says whose box it trusts.
	Name string
	// Hostname is the box's mDNS name without ".local".
	Hostname string
	// Addresses returns the box's current addresses; nil means Addresses.
	Addresses func() ([]net.IP, error)
	// Now returns the current time; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Manager holds the CA and serves the current server certificate.
type Manager struct {
	opts  Options
	ca    *x509.Certificate
	caKey *ecdsa.PrivateKey
	caPEM []byte

	mu  sync.Mutex // serializes Refresh
	cur atomic.Pointer[tls.Certificate]
}

// Open loads the CA from opts.Dir, making it on first use, and loads or
// issues the server certificate. It returns an error when the folder
// cannot be written, or when a CA is there but unreadable or incomplete:
// devices trust that CA, so it is never replaced silently.
func Open(opts Options) (*Manager, error) {
	if opts.Dir == "" || opts.Hostname == "" {
		return nil, errors.New("certs: Dir and Hostname are required")
	}
	if opts.Addresses == nil {
		opts.Addresses = Addresses
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	if err := os.Chmod(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	m := &Manager{opts: opts}
	if err := m.loadCA(); err != nil {
		return nil, err
	}
	if _, err := m.Refresh(); err != nil {
		return nil, err
	}
	return m, nil
}

// CA returns the CA certificate.
func (m *Manager) CA() *x509.Certificate { return m.ca }

// CAPEM returns the CA certificate as PEM.
func (m *Manager) CAPEM() []byte { return m.caPEM }

// Leaf returns the current server certificate.
func (m *Manager) Leaf() *x509.Certificate { return m.cur.Load().Leaf }

// GetCertificate serves the current server certificate to every TLS
// handshake (tls.Config.GetCertificate); it never fails.
func (m *Manager) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return m.cur.Load(), nil
}

// Run re-checks the name, the addresses and the expiry every interval
// until ctx ends, re-issuing the server certificate when needed. A failure
// is logged; the current certificate stays in use.
func (m *Manager) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := m.Refresh(); err != nil {
				m.opts.Logger.Error("TLS certificate not renewed; the current one stays", "err", err)
			}
		}
	}
}

// Refresh issues a new server certificate, signed by the same CA, when the
// current one (in memory or on disk) is missing, unreadable, not signed by
// the CA, for other names or addresses than the box has now, or within
// RenewBefore of expiry. It reports whether it issued one.
func (m *Manager) Refresh() (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dns, ips, err := m.wanted()
	if err != nil {
		return false, err
	}
	cur := m.cur.Load()
	if cur == nil {
		if c, err := m.loadServer(); err == nil {
			cur = c
		} else if !errors.Is(err, fs.ErrNotExist) {
			m.opts.Logger.Warn("TLS server certificate unreadable; issuing a new one", "err", err)
		}
	}
	if cur != nil && m.fits(cur.Leaf, dns, ips) {
		m.cur.Store(cur)
		return false, nil
	}
	c, err := m.issue(dns, ips)
	if err != nil {
		return false, err
	}
	m.cur.Store(c)
	m.opts.Logger.Info("issued the TLS server certificate", "names", strings.Join(dns, ","),
		"addresses", joinIPs(ips), "expires", c.Leaf.NotAfter.UTC().Format(time.RFC3339))
	return true, nil
}

// wanted returns the names and addresses the server certificate must
// carry, sorted.
func (m *Manager) wanted() ([]string, []net.IP, error) {
	dns := []string{strings.ToLower(m.opts.Hostname) + ".local", "localhost"}
	addrs, err := m.opts.Addresses()
	if err != nil {
		return nil, nil, fmt.Errorf("certs: the box's addresses: %w", err)
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}
	for _, ip := range addrs {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		} else {
			ip = ip.To16()
		}
		if inLAN(ip) && !slices.ContainsFunc(ips, ip.Equal) {
			ips = append(ips, ip)
		}
	}
	// IPv4 first, then IPv6, each in address order.
	slices.SortFunc(ips, func(a, b net.IP) int {
		if la, lb := len(a), len(b); la != lb {
			return la - lb
		}
		return bytes.Compare(a, b)
	})
	return dns, ips, nil
}

// fits reports whether leaf is signed by the CA, names exactly dns and
// ips, and is valid now and for longer than RenewBefore.
func (m *Manager) fits(leaf *x509.Certificate, dns []string, ips []net.IP) bool {
	now := m.opts.Now()
	if leaf == nil || leaf.CheckSignatureFrom(m.ca) != nil || now.Before(leaf.NotBefore) || now.Add(RenewBefore).After(leaf.NotAfter) {
		return false
	}
	have := slices.Clone(leaf.DNSNames)
	slices.Sort(have)
	want := slices.Clone(dns)
	slices.Sort(want)
	if !slices.Equal(have, want) || len(leaf.IPAddresses) != len(ips) {
		return false
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

func inLAN(ip net.IP) bool {
	for _, n := range lanRanges {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// Addresses returns the addresses of the up, non-loopback interfaces,
// without IPv6 link-local ones (a browser cannot use them in a URL).
func Addresses() ([]net.IP, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []net.IP
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && !(ipn.IP.To4() == nil && ipn.IP.IsLinkLocalUnicast()) {
				out = append(out, ipn.IP)
			}
		}
	}
	return out, nil
}

func joinIPs(ips []net.IP) string {
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, ",")
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

// caSubject says whose box the CA belongs to, in a device's list of
// trusted certificates. A common name stays within 64 characters.
func caSubject(name, hostname string) pkix.Name {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Restaurant"
	}
	short := []rune(name)
	if len(short) > 40 {
		short = short[:40]
	}
	return pkix.Name{
		CommonName:         strings.TrimSpace(string(short)) + " rms box CA",
		Organization:       []string{name},
		OrganizationalUnit: []string{"rms restaurant box " + strings.ToLower(hostname) + ".local"},
	}
}

// loadCA reads the CA and its key, or makes them when neither exists.
func (m *Manager) loadCA() error {
	certPEM, errC := os.ReadFile(filepath.Join(m.opts.Dir, CAFile))
	keyPEM, errK := os.ReadFile(filepath.Join(m.opts.Dir, caKeyFile))
	if errors.Is(errC, fs.ErrNotExist) && errors.Is(errK, fs.ErrNotExist) {
		return m.makeCA()
	}
	broken := func(err error) error {
		return fmt.Errorf("certs: the CA in %s: %w (devices trust it, so it is not replaced: restore it, or move the folder aside to make a new CA that every device must install again)", m.opts.Dir, err)
	}
	if err := errors.Join(errC, errK); err != nil {
		return broken(err)
	}
	for _, f := range []string{CAFile, caKeyFile} {
		if err := os.Chmod(filepath.Join(m.opts.Dir, f), 0o600); err != nil {
			return broken(err)
		}
	}
	ca, err := parseCertPEM(certPEM)
	if err != nil {
		return broken(err)
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return broken(err)
	}
	if !key.PublicKey.Equal(ca.PublicKey) {
		return broken(errors.New("the key does not match the certificate"))
	}
	m.ca, m.caKey, m.caPEM = ca, key, certPEM
	return nil
}

func (m *Manager) makeCA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("certs: CA key: %w", err)
	}
	now := m.opts.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               caSubject(m.opts.Name, m.opts.Hostname),
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// Not critical: a client that does not know name constraints
		// still accepts the CA; those that know (browsers, Apple, Go)
		// hold it to LAN names and addresses.
		PermittedDNSDomainsCritical: false,
		PermittedDNSDomains:         permittedDNS,
		PermittedIPRanges:           lanRanges,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("certs: CA: %w", err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("certs: CA: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("certs: CA key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	// The key first: a certificate without its key would stop the box.
	if err := writeFile(filepath.Join(m.opts.Dir, caKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(m.opts.Dir, CAFile), certPEM); err != nil {
		return err
	}
	m.ca, m.caKey, m.caPEM = ca, key, certPEM
	m.opts.Logger.Info("made the box's TLS certificate authority", "subject", ca.Subject.CommonName,
		"expires", ca.NotAfter.UTC().Format(time.RFC3339))
	return nil
}

// loadServer reads the server certificate and key from disk.
func (m *Manager) loadServer() (*tls.Certificate, error) {
	certPath, keyPath := filepath.Join(m.opts.Dir, serverCertFile), filepath.Join(m.opts.Dir, serverKeyFile)
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(os.Chmod(certPath, 0o600), os.Chmod(keyPath, 0o600)); err != nil {
		return nil, err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &c, nil // Go fills c.Leaf
}

// issue signs a new server certificate for dns and ips and writes it.
func (m *Manager) issue(dns []string, ips []net.IP) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: server key: %w", err)
	}
	now := m.opts.Now()
	notAfter := now.Add(ServerValidity)
	if notAfter.After(m.ca.NotAfter) {
		notAfter = m.ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: dns[0], Organization: m.ca.Subject.Organization},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, m.ca, &key.PublicKey, m.caKey)
	if err != nil {
		return nil, fmt.Errorf("certs: server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: server key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	// A crash between the two leaves a pair that does not match; the next
	// start finds it unreadable and issues again.
	if err := writeFile(filepath.Join(m.opts.Dir, serverKeyFile), keyPEM); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(m.opts.Dir, serverCertFile), certPEM); err != nil {
		return nil, err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: server certificate: %w", err)
	}
	return &c, nil
}

func parseCertPEM(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(blk.Bytes)
}

func parseKeyPEM(b []byte) (*ecdsa.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("no PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return ek, nil
}

// writeFile replaces path with data, mode 0600, durably: a temporary file
// beside it, synced, renamed over it, and the folder synced.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("certs: write %s: %w", filepath.Base(path), err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
