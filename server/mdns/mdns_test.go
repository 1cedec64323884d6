package mdns

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestEscapeLabelRoundTrip(t *testing.T) {
	for _, name := range []string{"Trattoria Roma", "Café Ünïcode", `Joe's Bar. (Grill) "@;\`, "plain"} {
		fqdn := escapeLabel(name) + "._http._tcp.local."
		m := new(dns.Msg)
		m.SetQuestion(fqdn, dns.TypeSRV)
		b, err := m.Pack()
		if err != nil {
			t.Fatalf("Pack(%q) err = %v; want nil", fqdn, err)
		}
		if got := int(b[12]); got != len(name) {
			t.Errorf("wire label length of %q = %d; want %d", name, got, len(name))
		}
		if got := string(b[13 : 13+len(name)]); got != name {
			t.Errorf("wire label = %q; want %q", got, name)
		}
		var back dns.Msg
		if err := back.Unpack(b); err != nil {
			t.Fatalf("Unpack err = %v", err)
		}
		// zeroconf compares the unpacked name with the one it was given
		// byte for byte: they must be identical.
		if got := back.Question[0].Name; got != fqdn {
			t.Errorf("unpacked name = %q; want %q", got, fqdn)
		}
	}
	if got := truncateLabel(strings.Repeat("é", 40)); len(got) != 62 {
		t.Errorf("truncateLabel(80 bytes) = %d bytes; want 62 (cut at a character)", len(got))
	}
}

func TestIsVirtualIface(t *testing.T) {
	for name, want := range map[string]bool{
		"eth0": false, "wlan0": false, "enp3s0": false, "end0": false, "lan0": false,
		"docker0": true, "br-1a2b": true, "veth12ab": true, "virbr0": true,
		"cni0": true, "flannel.1": true, "tailscale0": true, "wg0": true,
	} {
		if got := isVirtualIface(name); got != want {
			t.Errorf("isVirtualIface(%q) = %v; want %v", name, got, want)
		}
	}
}

// testResponder builds an advertiser without sockets: respond is pure.
func testResponder() *Responder {
	label := escapeLabel("Trattoria Roma")
	return &Responder{
		log:      slog.New(slog.DiscardHandler),
		name:     "Trattoria Roma",
		port:     8080,
		text:     []string{"path=/", "api=/api", "version=v1"},
		label:    label,
		instance: label + "._http._tcp.local.",
		service:  "_http._tcp.local.",
		host:     "rms.local.",
		ifaces: map[int]ifaceAddrs{
			2: {iface: net.Interface{Index: 2, Name: "eth0"}, v4: []net.IP{net.IPv4(192, 168, 1, 20).To4()}, v6: []net.IP{net.ParseIP("fd00::20")}},
			3: {iface: net.Interface{Index: 3, Name: "wlan0"}, v4: []net.IP{net.IPv4(10, 0, 0, 5).To4()}},
		},
	}
}

func query(t *testing.T, name string, qtype uint16, qu bool, known ...dns.RR) (*dns.Msg, []byte) {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = false
	if qu {
		q.Question[0].Qclass |= cacheFlush
	}
	q.Answer = known
	b, err := q.Pack()
	if err != nil {
		t.Fatalf("Pack err = %v", err)
	}
	return q, b
}

func rrStrings(rrs []dns.RR) []string {
	var s []string
	for _, rr := range rrs {
		s = append(s, rr.String())
	}
	return s
}

func TestMDNSRespond(t *testing.T) {
	m := testResponder()
	mcastFrom := &net.UDPAddr{IP: net.IPv4(192, 168, 1, 50), Port: 5353}
	legacyFrom := &net.UDPAddr{IP: net.IPv4(192, 168, 1, 50), Port: 40000}

	t.Run("legacy unicast host query", func(t *testing.T) {
		q, b := query(t, "RMS.Local.", dns.TypeA, false)
		out := m.respond(b, 2, legacyFrom)
		if len(out) != 1 || out[0].to != legacyFrom {
			t.Fatalf("respond = %v; want one reply to the querier", out)
		}
		r := out[0].msg
		if r.Id != q.Id || len(r.Question) != 1 || r.Question[0] != q.Question[0] {
			t.Errorf("reply id/question = %d %v; want %d %v", r.Id, r.Question, q.Id, q.Question)
		}
		if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.168.1.20" {
			t.Fatalf("answers = %v; want eth0's address only", rrStrings(r.Answer))
		}
		for _, rr := range append(r.Answer, r.Extra...) {
			if h := rr.Header(); h.Ttl > legacyTTL || h.Class != dns.ClassINET {
				t.Errorf("legacy record %v: ttl %d class %d; want <= 10 and no cache-flush bit", rr, h.Ttl, h.Class)
			}
		}
	})

	t.Run("each interface answers with its own addresses", func(t *testing.T) {
		_, b := query(t, "rms.local.", dns.TypeA, false)
		out := m.respond(b, 3, mcastFrom)
		if len(out) != 1 || !out[0].to.IP.Equal(mdnsGroup4) {
			t.Fatalf("respond = %v; want one multicast reply", out)
		}
		got := strings.Join(rrStrings(append(out[0].msg.Answer, out[0].msg.Extra...)), "\n")
		if !strings.Contains(got, "10.0.0.5") || strings.Contains(got, "192.168.1.20") || strings.Contains(got, "fd00::20") {
			t.Errorf("wlan0 reply =\n%s\nwant 10.0.0.5 and nothing of eth0", got)
		}
		if a := out[0].msg.Answer[0].Header(); a.Class != dns.ClassINET|cacheFlush || a.Ttl != hostTTL {
			t.Errorf("A header = %v; want cache-flush and ttl 120", a)
		}
	})

	t.Run("AAAA on an IPv4-only interface gets an NSEC", func(t *testing.T) {
		_, b := query(t, "rms.local.", dns.TypeAAAA, false)
		out := m.respond(b, 3, mcastFrom)
		if len(out) != 1 || len(out[0].msg.Answer) != 1 {
			t.Fatalf("respond = %v; want one NSEC answer", out)
		}
		nsec, ok := out[0].msg.Answer[0].(*dns.NSEC)
		if !ok || !slices.Equal(nsec.TypeBitMap, []uint16{dns.TypeA}) {
			t.Errorf("answer = %v; want NSEC listing only A", out[0].msg.Answer[0])
		}
	})

	t.Run("unknown interface stays silent", func(t *testing.T) {
		_, b := query(t, "rms.local.", dns.TypeA, false)
		if out := m.respond(b, 9, mcastFrom); out != nil {
			t.Errorf("respond on interface 9 = %v; want nothing", out)
		}
	})

	t.Run("exact-case service names are left to zeroconf", func(t *testing.T) {
		for _, name := range []string{m.instance, m.service, servicesEnumFQN} {
			_, b := query(t, name, dns.TypeANY, false)
			if out := m.respond(b, 2, mcastFrom); out != nil {
				t.Errorf("respond(%s) = %v; want nothing (zeroconf answers)", name, out)
			}
		}
	})

	t.Run("other-case instance name is answered", func(t *testing.T) {
		_, b := query(t, `trattoria\ roma._HTTP._tcp.local.`, dns.TypeSRV, false)
		out := m.respond(b, 2, mcastFrom)
		if len(out) != 1 {
			t.Fatalf("respond = %v; want one reply", out)
		}
		srv, ok := out[0].msg.Answer[0].(*dns.SRV)
		if !ok || srv.Port != 8080 || srv.Target != "rms.local." {
			t.Errorf("answer = %v; want SRV 8080 rms.local.", out[0].msg.Answer)
		}
		extra := strings.Join(rrStrings(out[0].msg.Extra), "\n")
		for _, want := range []string{`"path=/" "api=/api" "version=v1"`, "192.168.1.20", "fd00::20"} {
			if !strings.Contains(extra, want) {
				t.Errorf("extra =\n%s\nwant %s", extra, want)
			}
		}
	})

	t.Run("legacy browse gets the instance", func(t *testing.T) {
		_, b := query(t, "_http._tcp.local.", dns.TypePTR, false)
		out := m.respond(b, 2, legacyFrom)
		if len(out) != 1 || len(out[0].msg.Answer) != 1 || out[0].msg.Answer[0].(*dns.PTR).Ptr != m.instance {
			t.Fatalf("respond = %v; want PTR to the instance", out)
		}
	})

	t.Run("QU question is answered unicast", func(t *testing.T) {
		_, b := query(t, "rms.local.", dns.TypeA, true)
		out := m.respond(b, 2, mcastFrom)
		if len(out) != 1 || out[0].to != mcastFrom {
			t.Fatalf("respond = %v; want one unicast reply", out)
		}
	})

	t.Run("known answer is suppressed", func(t *testing.T) {
		known := &dns.A{Hdr: dns.RR_Header{Name: "rms.local.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 100}, A: net.IPv4(192, 168, 1, 20)}
		_, b := query(t, "rms.local.", dns.TypeA, false, known)
		if out := m.respond(b, 2, mcastFrom); out != nil {
			t.Errorf("respond = %v; want nothing (the querier knows the answer)", rrStrings(out[0].msg.Answer))
		}
		known.Hdr.Ttl = 30 // less than half of 120: must be refreshed
		_, b = query(t, "rms.local.", dns.TypeA, false, known)
		if out := m.respond(b, 2, mcastFrom); len(out) != 1 {
			t.Errorf("respond = %v; want a refresh", out)
		}
	})

	t.Run("other names and responses are ignored", func(t *testing.T) {
		_, b := query(t, "printer.local.", dns.TypeA, false)
		if out := m.respond(b, 2, legacyFrom); out != nil {
			t.Errorf("respond(printer.local) = %v; want nothing", out)
		}
		r := mdnsResponse()
		r.Answer = []dns.RR{&dns.A{Hdr: hdr("rms.local.", dns.TypeA, 120), A: net.IPv4(1, 2, 3, 4)}}
		b, _ = r.Pack()
		if out := m.respond(b, 2, mcastFrom); out != nil {
			t.Errorf("respond(response) = %v; want nothing", out)
		}
	})
}

// --- the network-namespace test ---

// proc is a helper process whose stdout lines are collected.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

// startProc starts a process; at cleanup, a daemon gets SIGTERM, anything
// else has its stdin closed (the serve helper's cue to say goodbye).
func startProc(t *testing.T, daemon bool, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(name, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &testLogWriter{t: t, prefix: filepath.Base(name) + ": "}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin, err = p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s %v: %v", name, args, err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		_ = p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.stdin.Close()
		if daemon {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitLine waits for a line containing want and returns it.
func (p *proc) waitLine(t *testing.T, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if strings.Contains(l, want) {
				p.mu.Unlock()
				return l
			}
		}
		n := len(p.lines)
		p.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no line %q within %v; got %d lines:\n%s", want, timeout, n, strings.Join(p.snapshot(), "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) snapshot() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.lines)
}

type testLogWriter struct {
	t      *testing.T
	prefix string
}

func (w *testLogWriter) Write(b []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		w.t.Log(w.prefix + l)
	}
	return len(b), nil
}

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// dig runs dig in the client namespace: one UDP try, two seconds.
func dig(t *testing.T, ns string, args ...string) string {
	t.Helper()
	all := append([]string{"netns", "exec", ns, "dig", "+notcp", "+tries=1", "+time=2", "-p", "5353"}, args...)
	out, _ := exec.Command("ip", all...).CombinedOutput()
	return string(out)
}

func digShort(t *testing.T, ns string, args ...string) []string {
	t.Helper()
	out := dig(t, ns, append([]string{"+short"}, args...)...)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return lines
}

// TestMDNSNetns runs the advertiser in one network namespace and independent
// mDNS clients (dig; avahi-daemon with avahi-browse and avahi-resolve when
// installed) in another, joined by two veth pairs: "lan0" and "wlan0" are
// two LANs of the box, "docker0" a container bridge it must not advertise
// on. An avahi-daemon already runs on the box's side, to prove port 5353 is
// shared. It needs root (CI runs as root) and is skipped otherwise.
func TestMDNSNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces (CI runs as root)")
	}
	for _, tool := range []string{"ip", "dig"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (.ci/run installs iproute2 and dnsutils)", tool)
		}
	}
	srv := fmt.Sprintf("rms%d-box", os.Getpid())
	cli := fmt.Sprintf("rms%d-cli", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", srv).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", srv).Run() })
	ipCmd(t, "netns", "add", cli)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", cli).Run() })

	ipCmd(t, "-n", srv, "link", "set", "lo", "up")
	ipCmd(t, "-n", cli, "link", "set", "lo", "up")
	ipCmd(t, "-n", srv, "link", "add", "lan0", "type", "veth", "peer", "name", "lan1", "netns", cli)
	ipCmd(t, "-n", srv, "link", "add", "wlan0", "type", "veth", "peer", "name", "wcli", "netns", cli)
	ipCmd(t, "-n", srv, "link", "add", "docker0", "type", "bridge")
	ipCmd(t, "-n", srv, "addr", "add", "10.77.0.1/24", "dev", "lan0")
	// Static global IPv6 addresses with nodad, so the set does not change
	// when link-local duplicate detection finishes a second later.
	ipCmd(t, "-n", srv, "-6", "addr", "add", "fd77::1/64", "dev", "lan0", "nodad")
	ipCmd(t, "-n", srv, "addr", "add", "10.88.0.1/24", "dev", "wlan0")
	ipCmd(t, "-n", srv, "-6", "addr", "add", "fd88::1/64", "dev", "wlan0", "nodad")
	ipCmd(t, "-n", srv, "addr", "add", "172.17.0.1/16", "dev", "docker0")
	for _, l := range []string{"lan0", "wlan0", "docker0"} {
		ipCmd(t, "-n", srv, "link", "set", l, "up")
	}
	ipCmd(t, "-n", cli, "addr", "add", "10.77.0.2/24", "dev", "lan1")
	ipCmd(t, "-n", cli, "-6", "addr", "add", "fd77::2/64", "dev", "lan1", "nodad")
	ipCmd(t, "-n", cli, "addr", "add", "10.88.0.2/24", "dev", "wcli")
	ipCmd(t, "-n", cli, "link", "set", "lan1", "up")
	ipCmd(t, "-n", cli, "link", "set", "wcli", "up")
	ipCmd(t, "-n", cli, "route", "add", "224.0.0.0/4", "dev", "lan1")

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	helper := func(ns string, env ...string) *proc {
		return startProc(t, strings.Contains(env[0], "capture"), env, "ip", "netns", "exec", ns, self, "-test.run=^TestMDNSHelperProcess$")
	}

	avahi := avahiAvailable()
	if avahi {
		// An avahi-daemon on the box first: rms must share port 5353.
		startAvahi(t, srv, "lan0", "box")
	} else {
		t.Log("avahi-daemon, avahi-browse or dbus-daemon missing: skipping the avahi checks (.ci/run installs avahi-daemon and avahi-utils)")
	}

	capture := helper(cli, "RMS_MDNS_HELPER=capture", "RMS_MDNS_IFACE=lan1")
	capture.waitLine(t, "READY", 30*time.Second)

	box := helper(srv, "RMS_MDNS_HELPER=serve", "RMS_MDNS_NAME=Trattoria Roma", "RMS_MDNS_HOST=rms",
		"RMS_MDNS_PORT=8080", "RMS_MDNS_POLL=500ms")
	box.waitLine(t, "READY", 30*time.Second)
	lan := box.waitLine(t, "LAN ", time.Second)
	if !strings.Contains(lan, "10.77.0.1") || !strings.Contains(lan, "10.88.0.1") || strings.Contains(lan, "172.17.") {
		t.Errorf("LANAddresses = %s; want lan0's and wlan0's addresses, not docker0's", lan)
	}

	t.Run("announces", func(t *testing.T) {
		capture.waitLine(t, "RR rms.local. A 120 10.77.0.1", 10*time.Second)
		capture.waitLine(t, `RR Trattoria\ Roma._http._tcp.local. SRV 3200 0 0 8080 rms.local.`, 10*time.Second)
		capture.waitLine(t, `RR _http._tcp.local. PTR 3200 Trattoria\ Roma._http._tcp.local.`, 10*time.Second)
	})

	t.Run("browse and resolve with dig", func(t *testing.T) {
		if got := digShort(t, cli, "@10.77.0.1", "_http._tcp.local", "PTR"); !slices.Equal(got, []string{`Trattoria\032Roma._http._tcp.local.`}) {
			t.Errorf("browse = %q; want the instance", got)
		}
		for _, name := range []string{`Trattoria\032Roma._http._tcp.local`, `trattoria\032ROMA._http._tcp.local`} {
			if got := digShort(t, cli, "@10.77.0.1", name, "SRV"); !slices.Equal(got, []string{"0 0 8080 rms.local."}) {
				t.Errorf("SRV %s = %q; want 0 0 8080 rms.local.", name, got)
			}
			if got := digShort(t, cli, "@10.77.0.1", name, "TXT"); !slices.Equal(got, []string{`"path=/" "api=/api" "version=test-1"`}) {
				t.Errorf("TXT %s = %q; want path, api, version", name, got)
			}
		}
	})

	t.Run("host name per interface", func(t *testing.T) {
		if got := digShort(t, cli, "@10.77.0.1", "rms.local", "A"); !slices.Equal(got, []string{"10.77.0.1"}) {
			t.Errorf("A on lan0 = %q; want 10.77.0.1 only", got)
		}
		if got := digShort(t, cli, "@10.77.0.1", "RMS.local", "AAAA"); !slices.Equal(got, []string{"fd77::1"}) {
			t.Errorf("AAAA on lan0 = %q; want fd77::1 only", got)
		}
		if got := digShort(t, cli, "@10.88.0.1", "rms.local", "A"); !slices.Equal(got, []string{"10.88.0.1"}) {
			t.Errorf("A on wlan0 = %q; want 10.88.0.1 only", got)
		}
		// Over IPv6 too (our second socket).
		if got := digShort(t, cli, "-6", "@fd77::1", "rms.local", "AAAA"); !slices.Equal(got, []string{"fd77::1"}) {
			t.Errorf("AAAA over IPv6 on lan0 = %q; want fd77::1 only", got)
		}
		full := dig(t, cli, "@10.77.0.1", "rms.local", "A")
		if !strings.Contains(full, "status: NOERROR") || !strings.Contains(full, ";rms.local.\t\t\tIN\tA") || !strings.Contains(full, "flags: qr aa") {
			t.Errorf("dig reply =\n%s\nwant NOERROR, authoritative, the question echoed", full)
		}
	})

	t.Run("legacy unicast query to the group", func(t *testing.T) {
		q := helper(cli, "RMS_MDNS_HELPER=query", "RMS_MDNS_QNAME=rms.local.", "RMS_MDNS_QTYPE=A")
		from := q.waitLine(t, "FROM ", 10*time.Second)
		if from != "FROM 10.77.0.1:5353 ID ok Q rms.local./A" {
			t.Errorf("reply header = %q; want from 10.77.0.1:5353, same ID, question echoed", from)
		}
		if got := q.waitLine(t, "RR ", time.Second); got != "RR rms.local. A 10 10.77.0.1" {
			t.Errorf("answer = %q; want A 10.77.0.1 with TTL 10", got)
		}
	})

	if avahi {
		t.Run("avahi client", func(t *testing.T) {
			// A fresh avahi-daemon on the client side: its cache is empty,
			// the announcements are long over, so it must ask.
			bus := startAvahi(t, cli, "lan1", "client")
			avahiCmd := func(args ...string) string {
				cmd := exec.Command("ip", append([]string{"netns", "exec", cli}, args...)...)
				cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+bus)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Logf("%v: %v", args, err)
				}
				return string(out)
			}
			if out := avahiCmd("timeout", "10", "avahi-resolve-host-name", "-4", "rms.local"); !strings.Contains(out, "rms.local\t10.77.0.1") {
				t.Errorf("avahi-resolve-host-name rms.local = %q; want 10.77.0.1", out)
			}
			out := avahiCmd("timeout", "15", "avahi-browse", "-rtp", "_http._tcp")
			want := `=;lan1;IPv4;Trattoria\032Roma;Web Site;local;rms.local;10.77.0.1;8080;`
			if !strings.Contains(out, want) || !strings.Contains(out, `"path=/"`) || !strings.Contains(out, `"version=test-1"`) {
				t.Errorf("avahi-browse -r =\n%s\nwant %s with the TXT record", out, want)
			}
		})
	}

	t.Run("re-announces a new address", func(t *testing.T) {
		ipCmd(t, "-n", srv, "addr", "add", "10.77.0.9/24", "dev", "lan0")
		capture.waitLine(t, "RR rms.local. A 120 10.77.0.9", 10*time.Second)
		if got := digShort(t, cli, "@10.77.0.1", "rms.local", "A"); !slices.Equal(got, []string{"10.77.0.1", "10.77.0.9"}) {
			t.Errorf("A after the change = %q; want both addresses", got)
		}
		ipCmd(t, "-n", srv, "addr", "del", "10.77.0.9/24", "dev", "lan0")
		capture.waitLine(t, "RR rms.local. A 0 10.77.0.9", 10*time.Second)
	})

	t.Run("warns about another box named rms", func(t *testing.T) {
		twin := helper(cli, "RMS_MDNS_HELPER=serve", "RMS_MDNS_NAME=Pizzeria", "RMS_MDNS_HOST=rms",
			"RMS_MDNS_PORT=8080", "RMS_MDNS_IFACES=lan1")
		twin.waitLine(t, "READY", 30*time.Second)
		box.waitLine(t, "claims=10.77.0.2", 10*time.Second)
		_ = twin.stdin.Close()
		twin.waitLine(t, "BYE", 10*time.Second)
	})

	t.Run("goodbye", func(t *testing.T) {
		_ = box.stdin.Close()
		box.waitLine(t, "BYE", 10*time.Second)
		capture.waitLine(t, "RR rms.local. A 0 10.77.0.1", 10*time.Second)
		capture.waitLine(t, `RR Trattoria\ Roma._http._tcp.local. SRV 0 `, 10*time.Second)
		capture.waitLine(t, `RR _http._tcp.local. PTR 0 Trattoria\ Roma._http._tcp.local.`, 10*time.Second)
	})

	t.Run("never leaks other interfaces", func(t *testing.T) {
		for _, l := range capture.snapshot() {
			if strings.Contains(l, "10.88.") || strings.Contains(l, "fd88::") || strings.Contains(l, "172.17.") {
				t.Errorf("heard on lan0: %q; want only lan0's addresses there", l)
			}
		}
	})

	t.Run("only the named interface", func(t *testing.T) {
		only := helper(srv, "RMS_MDNS_HELPER=serve", "RMS_MDNS_NAME=Trattoria Roma", "RMS_MDNS_HOST=rms",
			"RMS_MDNS_PORT=8080", "RMS_MDNS_IFACES=wlan0")
		only.waitLine(t, "READY", 30*time.Second)
		if got := digShort(t, cli, "@10.88.0.1", "rms.local", "A"); !slices.Equal(got, []string{"10.88.0.1"}) {
			t.Errorf("A on wlan0 = %q; want 10.88.0.1", got)
		}
		if got := digShort(t, cli, "@10.77.0.1", "rms.local", "A"); slices.Contains(got, "10.77.0.1") || slices.Contains(got, "10.88.0.1") {
			t.Errorf("A on lan0 with --mdns-interface=wlan0 = %q; want no answer", got)
		}
	})
}

func avahiAvailable() bool {
	for _, tool := range []string{"avahi-daemon", "avahi-browse", "avahi-resolve-host-name", "dbus-daemon", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	_, err := os.Stat("/usr/share/dbus-1/system.conf")
	return err == nil
}

// startAvahi runs a private system bus and an avahi-daemon in namespace ns,
// limited to iface, publishing nothing, and returns the bus address. The
// daemon gets its own /run (a private mount namespace from ip netns exec)
// so that it never meets a real avahi-daemon's pid file or socket.
func startAvahi(t *testing.T, ns, iface, host string) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "avahi-daemon.conf")
	err := os.WriteFile(conf, []byte("[server]\nhost-name="+host+"\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces="+iface+
		"\nenable-dbus=yes\nratelimit-interval-usec=0\n[wide-area]\nenable-wide-area=no\n[publish]\ndisable-publishing=yes\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	bus := "unix:path=" + filepath.Join(dir, "bus")
	// The bus drops to the messagebus user, which must reach the socket.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	startProc(t, true, nil, "dbus-daemon", "--config-file=/usr/share/dbus-1/system.conf", "--address="+bus, "--nofork", "--nopidfile", "--print-address")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("dbus-daemon did not create its socket")
		}
		time.Sleep(50 * time.Millisecond)
	}
	p := startProc(t, true, []string{"DBUS_SYSTEM_BUS_ADDRESS=" + bus}, "ip", "netns", "exec", ns, "sh", "-c",
		"mount -t tmpfs none /run && exec avahi-daemon -f "+conf+" --no-drop-root --no-chroot --no-rlimits 2>&1")
	p.waitLine(t, "Server startup complete", 10*time.Second)
	return bus
}

func TestStartMDNSRejectsBadOptions(t *testing.T) {
	for _, opt := range []Options{
		{Instance: " ", Hostname: "rms", Port: 8080},
		{Instance: "Trattoria Roma", Hostname: "rms box", Port: 8080},
		{Instance: "Trattoria Roma", Hostname: "-rms", Port: 8080},
		{Instance: "Trattoria Roma", Hostname: "rms", Port: 0},
		{Instance: "Trattoria Roma", Hostname: "rms", Port: 70000},
	} {
		if adv, err := Start(t.Context(), opt); err == nil {
			adv.Shutdown()
			t.Errorf("Start(%+v) err = nil; want an error", opt)
		}
	}
}

func TestMDNSWarnsAboutNameConflicts(t *testing.T) {
	m := testResponder()
	var logs bytes.Buffer
	m.log = slog.New(slog.NewTextHandler(&logs, nil))
	// 192.0.2.77 is a documentation address: never one of this machine's.
	from := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 77), Port: 5353}
	send := func(rrs ...dns.RR) {
		r := mdnsResponse()
		r.Answer = rrs
		b, err := r.Pack()
		if err != nil {
			t.Fatal(err)
		}
		if out := m.respond(b, 2, from); out != nil {
			t.Errorf("respond(response) = %v; want nothing sent", out)
		}
	}
	// Our own records (zeroconf's, looped back) and goodbyes are no conflict.
	send(&dns.A{Hdr: hdr("rms.local.", dns.TypeA, 120), A: net.IPv4(192, 168, 1, 20)},
		&dns.SRV{Hdr: hdr(m.instance, dns.TypeSRV, 3200), Port: 8080, Target: "rms.local."},
		&dns.A{Hdr: hdr("rms.local.", dns.TypeA, 0), A: net.IPv4(192, 168, 1, 99)})
	if logs.Len() != 0 {
		t.Fatalf("logs = %q; want nothing for our own records", logs.String())
	}
	other := &dns.A{Hdr: hdr("RMS.local.", dns.TypeA, 120), A: net.IPv4(192, 168, 1, 99)}
	send(other)
	send(other)
	if n := strings.Count(logs.String(), "another device"); n != 1 {
		t.Errorf("warnings for another rms.local = %d; want 1\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "claims=192.168.1.99") {
		t.Errorf("logs = %q; want the other address named", logs.String())
	}
	logs.Reset()
	send(&dns.SRV{Hdr: hdr(m.instance, dns.TypeSRV, 3200), Port: 80, Target: "other.local."})
	if !strings.Contains(logs.String(), "claims=other.local:80") {
		t.Errorf("logs = %q; want a warning about the instance name", logs.String())
	}
}
