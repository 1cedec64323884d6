package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/grandcat/zeroconf"
	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// The advertiser is two cooperating responders on UDP port 5353:
//
//   - zeroconf (v1.0.0) owns the service: it announces and answers
//     PTR/SRV/TXT for "<name>._http._tcp.local." and sends the service's
//     goodbye. It is registered without addresses, so every A/AAAA record it
//     attaches is computed from the interface the query arrived on.
//   - our own responder (miekg/dns) adds what zeroconf v1.0.0 lacks: A/AAAA
//     for "<hostname>.local." (announced, answered, goodbye), legacy unicast
//     replies (source port other than 5353: unicast, with the query ID and
//     the question echoed, RFC 6762 §6.7), and the service questions zeroconf
//     misses because it compares names byte for byte although DNS names are
//     case-insensitive.
const (
	mdnsPort = 5353
	// hostTTL follows RFC 6762 §10: records holding a host name's addresses
	// use 120 s, so a changed DHCP lease is not cached for long.
	hostTTL = 120
	// serviceTTL matches what zeroconf v1.0.0 announces, so both responders
	// give the same records the same TTL.
	serviceTTL = 3200
	// legacyTTL caps TTLs in legacy unicast replies (RFC 6762 §6.7).
	legacyTTL = 10
	// cacheFlush is the top bit of the class of a unique record.
	cacheFlush = 1 << 15
	// defaultPoll is how often interfaces and addresses are re-read: a
	// DHCP renewal or a cable plugged in is announced within this time.
	defaultPoll = 10 * time.Second

	serviceType     = "_http._tcp"
	servicesEnumFQN = "_services._dns-sd._udp.local."
)

var (
	mdnsGroup4 = net.IPv4(224, 0, 0, 251)
	mdnsGroup6 = net.ParseIP("ff02::fb")
)

// virtualIfacePrefixes name interfaces that are not the restaurant's LAN:
// container and VM bridges, overlays and VPN tunnels. Advertising there would
// publish addresses no tablet can reach.
var virtualIfacePrefixes = []string{
	"docker", "br-", "veth", "virbr", "vnet", "cni", "flannel", "cali",
	"cilium", "weave", "kube-", "vxlan", "lxcbr", "lxdbr", "podman",
	"tun", "tap", "wg", "tailscale", "zt", "vboxnet", "vmnet",
}

// MDNSOptions configures StartMDNS.
type MDNSOptions struct {
	// Instance is the service name people see, as they wrote it
	// ("Trattoria Roma"); longer than 63 bytes it is cut at a character.
	Instance string
	// Hostname is the host label: "rms" makes the box answer as rms.local.
	Hostname string
	// Port is the HTTP port advertised in the SRV record.
	Port int
	// Interfaces names the interfaces to advertise on; empty picks every
	// up, multicast, non-loopback interface that is not a container bridge,
	// VM bridge or tunnel.
	Interfaces []string
	// Version goes into the TXT record as version=.
	Version string
	// Logger receives the advertiser's logs; nil uses slog.Default().
	Logger *slog.Logger
	// PollInterval is how often interfaces and addresses are re-read;
	// 0 means every 10 seconds.
	PollInterval time.Duration
}

// MDNS is a running advertiser. Stop it with Shutdown.
type MDNS struct {
	log      *slog.Logger
	poll     time.Duration
	names    []string // Interfaces from the options
	port     int
	text     []string
	name     string // the instance name as people see it
	label    string // instance label, escaped as miekg/dns prints names
	instance string // label + "._http._tcp.local."
	service  string // "_http._tcp.local."
	host     string // "rms.local."

	mu     sync.Mutex
	ifaces map[int]ifaceAddrs // by interface index: what we advertise there
	zc     *zeroconf.Server
	conn4  *ipv4.PacketConn
	conn6  *ipv6.PacketConn
	recv   sync.WaitGroup
	// conflicts remembers who else claimed our names, to warn once each.
	conflicts map[string]bool

	stop     chan struct{}
	loopDone chan struct{}
	once     sync.Once
}

// ifaceAddrs is one interface and the addresses advertised on it.
type ifaceAddrs struct {
	iface net.Interface
	v4    []net.IP
	v6    []net.IP
}

// StartMDNS starts advertising the service and answering for the host name
// on the LAN interfaces, and keeps following interface and address changes
// until ctx ends or Shutdown is called (both send goodbyes). It returns an
// error for invalid options or when UDP port 5353 cannot be shared (another
// responder holds it exclusively). Having no usable interface yet is not an
// error: the advertiser starts on them when they come up.
func StartMDNS(ctx context.Context, opt MDNSOptions) (*MDNS, error) {
	instance := strings.TrimSpace(opt.Instance)
	if instance == "" {
		return nil, errors.New("mdns: empty instance name")
	}
	host := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(opt.Hostname), "."), ".local")
	if !validHostLabel(host) {
		return nil, fmt.Errorf("mdns: invalid host name %q: use letters, digits and hyphens", opt.Hostname)
	}
	if opt.Port <= 0 || opt.Port > 65535 {
		return nil, fmt.Errorf("mdns: invalid port %d", opt.Port)
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	poll := opt.PollInterval
	if poll <= 0 {
		poll = defaultPoll
	}
	label := escapeLabel(truncateLabel(instance))
	m := &MDNS{
		log:      log.With("component", "mdns"),
		poll:     poll,
		names:    slices.Clone(opt.Interfaces),
		port:     opt.Port,
		text:     []string{"path=/", "api=/api", "version=" + opt.Version},
		name:     truncateLabel(instance),
		label:    label,
		service:  serviceType + ".local.",
		instance: label + "." + serviceType + ".local.",
		host:     strings.ToLower(host) + ".local.",
		ifaces:   map[int]ifaceAddrs{},
		stop:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	if err := m.refresh(); err != nil {
		m.closeAll()
		return nil, err
	}
	go m.loop(ctx)
	return m, nil
}

// Host returns the name the box answers to, such as "rms.local".
func (m *MDNS) Host() string { return strings.TrimSuffix(m.host, ".") }

// Shutdown sends goodbye packets (TTL 0) for everything announced, stops
// answering and releases port 5353. It is safe to call more than once.
func (m *MDNS) Shutdown() {
	m.once.Do(func() {
		close(m.stop)
		<-m.loopDone
		m.mu.Lock()
		for _, st := range m.ifaces {
			m.announce(st, 0)
		}
		m.mu.Unlock()
		m.closeAll()
		m.log.Info("mdns: goodbye sent", "host", m.Host(), "name", m.name)
	})
}

// LANAddresses returns the addresses a tablet can use to reach the box: the
// IPv4 and global IPv6 addresses of the interfaces mDNS would advertise on
// (names as for MDNSOptions.Interfaces; empty picks them automatically).
func LANAddresses(names []string) ([]net.IP, error) {
	ifaces, err := selectInterfaces(names)
	if err != nil {
		return nil, err
	}
	var v4, v6 []net.IP
	for _, ifc := range ifaces {
		a := addrsOf(ifc)
		v4 = append(v4, a.v4...)
		for _, ip := range a.v6 {
			if !ip.IsLinkLocalUnicast() {
				v6 = append(v6, ip)
			}
		}
	}
	return append(v4, v6...), nil
}

func (m *MDNS) loop(ctx context.Context) {
	defer close(m.loopDone)
	t := time.NewTicker(m.poll)
	defer t.Stop()
	// RFC 6762 §8.3 asks for at least two announcements, one second apart.
	again := time.NewTimer(time.Second)
	defer again.Stop()
	for {
		select {
		case <-ctx.Done():
			go m.Shutdown()
			return
		case <-m.stop:
			return
		case <-again.C:
			m.mu.Lock()
			for _, st := range m.ifaces {
				m.announce(st, hostTTL)
			}
			m.mu.Unlock()
		case <-t.C:
			changed, err := m.refreshChanged()
			if err != nil {
				m.log.Warn("mdns: cannot read network interfaces", "err", err)
			}
			if changed {
				again.Reset(time.Second)
			}
		}
	}
}

func (m *MDNS) refresh() error {
	_, err := m.refreshChanged()
	return err
}

// refreshChanged re-reads the interfaces and addresses. When the set of
// interfaces changes, it re-registers the zeroconf service and reopens our
// sockets (joining the group on the new set); when only addresses change, it
// says goodbye to the old ones and announces the new ones. It reports whether
// anything was announced.
func (m *MDNS) refreshChanged() (bool, error) {
	ifaces, err := selectInterfaces(m.names)
	if err != nil {
		return false, err
	}
	next := map[int]ifaceAddrs{}
	for _, ifc := range ifaces {
		next[ifc.Index] = addrsOf(ifc)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	sameSet := len(next) == len(m.ifaces)
	for idx, st := range next {
		if old, ok := m.ifaces[idx]; !ok || old.iface.Name != st.iface.Name {
			sameSet = false
		}
	}
	if sameSet && m.zc != nil || sameSet && len(next) == 0 {
		changed := false
		for idx, st := range next {
			old := m.ifaces[idx]
			if sameIPs(old.v4, st.v4) && sameIPs(old.v6, st.v6) {
				continue
			}
			gone := ifaceAddrs{iface: st.iface, v4: missing(old.v4, st.v4), v6: missing(old.v6, st.v6)}
			m.announce(gone, 0)
			m.ifaces[idx] = st
			m.announce(st, hostTTL)
			m.log.Info("mdns: addresses changed", "interface", st.iface.Name, "addresses", ipStrings(st))
			changed = true
		}
		return changed, nil
	}

	if m.zc != nil {
		m.zc.Shutdown()
		m.zc = nil
	}
	m.closeConnsLocked()
	m.ifaces = next
	if len(next) == 0 {
		m.log.Warn("mdns: no LAN interface to advertise on yet; waiting for one", "wanted", m.names)
		return false, nil
	}
	list := make([]net.Interface, 0, len(next))
	for _, st := range next {
		list = append(list, st.iface)
	}
	// Register zeroconf before opening our sockets: Linux hands a unicast
	// datagram for port 5353 to the most recently bound socket, and only our
	// responder answers direct unicast queries properly.
	zc, err := zeroconf.RegisterProxy(m.label, serviceType, "local.", m.port, strings.TrimSuffix(m.host, ".local."), nil, m.text, list)
	if err != nil {
		return false, fmt.Errorf("mdns: register service: %w", err)
	}
	m.zc = zc
	if err := m.openConnsLocked(list); err != nil {
		// Forget the set, so the next poll tries the whole setup again.
		m.zc.Shutdown()
		m.zc = nil
		m.ifaces = map[int]ifaceAddrs{}
		return false, err
	}
	for _, st := range next {
		m.announce(st, hostTTL)
	}
	names := make([]string, 0, len(next))
	for _, st := range next {
		names = append(names, st.iface.Name+"="+strings.Join(ipStrings(st), ","))
	}
	slices.Sort(names)
	m.log.Info("mdns: advertising", "name", m.name, "service", serviceType, "host", m.Host(), "port", m.port, "interfaces", names)
	return true, nil
}

func (m *MDNS) openConnsLocked(ifaces []net.Interface) error {
	lc := net.ListenConfig{Control: mdnsControl}
	var joined4, joined6 int
	pc4, err4 := lc.ListenPacket(context.Background(), "udp4", fmt.Sprintf("0.0.0.0:%d", mdnsPort))
	if err4 == nil {
		c := ipv4.NewPacketConn(pc4)
		_ = c.SetControlMessage(ipv4.FlagInterface, true)
		_ = c.SetMulticastTTL(255)
		_ = c.SetMulticastLoopback(true)
		for i := range ifaces {
			if err := c.JoinGroup(&ifaces[i], &net.UDPAddr{IP: mdnsGroup4}); err == nil {
				joined4++
			}
		}
		m.conn4 = c
		m.recv.Add(1)
		go m.recv4(c)
	}
	pc6, err6 := lc.ListenPacket(context.Background(), "udp6", fmt.Sprintf("[::]:%d", mdnsPort))
	if err6 == nil {
		c := ipv6.NewPacketConn(pc6)
		_ = c.SetControlMessage(ipv6.FlagInterface, true)
		_ = c.SetMulticastHopLimit(255)
		_ = c.SetMulticastLoopback(true)
		for i := range ifaces {
			if err := c.JoinGroup(&ifaces[i], &net.UDPAddr{IP: mdnsGroup6}); err == nil {
				joined6++
			}
		}
		m.conn6 = c
		m.recv.Add(1)
		go m.recv6(c)
	}
	if err4 != nil && err6 != nil {
		return fmt.Errorf("mdns: listen on port %d: %w", mdnsPort, errors.Join(err4, err6))
	}
	if joined4+joined6 == 0 {
		m.log.Warn("mdns: could not join the mDNS group on any interface")
	}
	return nil
}

func (m *MDNS) closeConnsLocked() {
	if m.conn4 != nil {
		m.conn4.Close()
		m.conn4 = nil
	}
	if m.conn6 != nil {
		m.conn6.Close()
		m.conn6 = nil
	}
}

func (m *MDNS) closeAll() {
	m.mu.Lock()
	if m.zc != nil {
		m.zc.Shutdown()
		m.zc = nil
	}
	m.closeConnsLocked()
	m.mu.Unlock()
	m.recv.Wait()
}

func (m *MDNS) recv4(c *ipv4.PacketConn) {
	m.serveQueries(func(buf []byte) (int, int, net.Addr, error) {
		n, cm, from, err := c.ReadFrom(buf)
		if cm == nil {
			return n, -1, from, err
		}
		return n, cm.IfIndex, from, err
	}, func(b []byte, ifIndex int, to *net.UDPAddr) {
		_, _ = c.WriteTo(b, &ipv4.ControlMessage{IfIndex: ifIndex}, to)
	})
}

func (m *MDNS) recv6(c *ipv6.PacketConn) {
	m.serveQueries(func(buf []byte) (int, int, net.Addr, error) {
		n, cm, from, err := c.ReadFrom(buf)
		if cm == nil {
			return n, -1, from, err
		}
		return n, cm.IfIndex, from, err
	}, func(b []byte, ifIndex int, to *net.UDPAddr) {
		if to.IP.Equal(mdnsGroup4) {
			to = &net.UDPAddr{IP: mdnsGroup6, Port: mdnsPort}
		}
		_, _ = c.WriteTo(b, &ipv6.ControlMessage{IfIndex: ifIndex}, to)
	})
}

// serveQueries answers what one socket receives until it is closed; read
// and write hide whether the socket is IPv4 or IPv6 (read gives the
// interface index, or -1 when the packet came without one).
func (m *MDNS) serveQueries(read func([]byte) (int, int, net.Addr, error), write func([]byte, int, *net.UDPAddr)) {
	defer m.recv.Done()
	buf := make([]byte, 9000)
	for {
		n, ifIndex, from, err := read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		udp, ok := from.(*net.UDPAddr)
		if ifIndex < 0 || !ok {
			continue
		}
		for _, r := range m.respond(buf[:n], ifIndex, udp) {
			b, err := r.msg.Pack()
			if err != nil {
				continue
			}
			write(b, ifIndex, r.to)
		}
	}
}

// reply is one message to send and where to (the IPv4 group stands for
// "the group of the family the query came in on").
type reply struct {
	msg *dns.Msg
	to  *net.UDPAddr
}

// respond builds the replies to one received packet.
func (m *MDNS) respond(pkt []byte, ifIndex int, from *net.UDPAddr) []reply {
	var q dns.Msg
	if err := q.Unpack(pkt); err != nil || q.Opcode != dns.OpcodeQuery {
		return nil
	}
	if q.Response {
		m.noticeConflict(&q, from)
		return nil
	}
	m.mu.Lock()
	st, ok := m.ifaces[ifIndex]
	m.mu.Unlock()
	if !ok {
		// Not an interface we advertise on: stay silent there.
		return nil
	}
	legacy := from.Port != mdnsPort

	if legacy {
		resp := new(dns.Msg)
		resp.SetReply(&q)
		resp.Authoritative = true
		resp.RecursionAvailable = false
		ours := false
		for _, question := range q.Question {
			ans, extra, mine := m.answer(question, st, true)
			ours = ours || mine
			resp.Answer = append(resp.Answer, ans...)
			resp.Extra = append(resp.Extra, extra...)
		}
		if !ours {
			return nil
		}
		resp.Extra = dedupe(resp.Extra, resp.Answer)
		for _, rr := range append(slices.Clone(resp.Answer), resp.Extra...) {
			h := rr.Header()
			h.Class &^= cacheFlush
			h.Ttl = min(h.Ttl, legacyTTL)
		}
		resp.Compress = true
		return []reply{{msg: resp, to: from}}
	}

	var out []reply
	multi := mdnsResponse()
	uni := mdnsResponse()
	for _, question := range q.Question {
		ans, extra, _ := m.answer(question, st, false)
		ans = suppressKnown(ans, q.Answer)
		if len(ans) == 0 {
			continue
		}
		target := multi
		if question.Qclass&cacheFlush != 0 { // the QU bit: unicast preferred
			target = uni
		}
		target.Answer = append(target.Answer, ans...)
		target.Extra = append(target.Extra, extra...)
	}
	if len(multi.Answer) > 0 {
		multi.Extra = dedupe(multi.Extra, multi.Answer)
		out = append(out, reply{msg: multi, to: &net.UDPAddr{IP: mdnsGroup4, Port: mdnsPort}})
	}
	if len(uni.Answer) > 0 {
		uni.Extra = dedupe(uni.Extra, uni.Answer)
		out = append(out, reply{msg: uni, to: from})
	}
	return out
}

// noticeConflict warns, once per claimant, when another device answers for
// our host name with an address that is not ours, or advertises our
// instance name pointing elsewhere: tablets would then reach one box or the
// other at random. (zeroconf v1.0.0 does not probe for conflicts; the
// operator fixes it with --hostname or --name.)
func (m *MDNS) noticeConflict(r *dns.Msg, from *net.UDPAddr) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ours []net.IP
	for _, st := range m.ifaces {
		ours = append(ours, st.v4...)
		ours = append(ours, st.v6...)
	}
	claim := func(what, value string) {
		key := what + " " + value
		if m.conflicts[key] || isLocalIP(from.IP) {
			// From this machine: an avahi-daemon publishing the same
			// host name for the same box is not a conflict.
			return
		}
		if m.conflicts == nil {
			m.conflicts = map[string]bool{}
		}
		m.conflicts[key] = true
		m.log.Warn("mdns: another device on the network uses this box's name; give one of them another --hostname or --name",
			"name", what, "claims", value, "from", from.IP.String())
	}
	for _, rr := range append(slices.Clone(r.Answer), r.Extra...) {
		h := rr.Header()
		if h.Ttl == 0 {
			continue // a goodbye gives the name up
		}
		switch v := rr.(type) {
		case *dns.A:
			if nameEqual(h.Name, m.host) && !slices.ContainsFunc(ours, v.A.Equal) {
				claim(m.Host(), v.A.String())
			}
		case *dns.AAAA:
			if nameEqual(h.Name, m.host) && !slices.ContainsFunc(ours, v.AAAA.Equal) {
				claim(m.Host(), v.AAAA.String())
			}
		case *dns.SRV:
			if nameEqual(h.Name, m.instance) && (!nameEqual(v.Target, m.host) || int(v.Port) != m.port) {
				claim(m.name, fmt.Sprintf("%s:%d", strings.TrimSuffix(v.Target, "."), v.Port))
			}
		}
	}
}

func isLocalIP(ip net.IP) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.Equal(ip) {
			return true
		}
	}
	return false
}

func mdnsResponse() *dns.Msg {
	r := new(dns.Msg)
	r.Response = true
	r.Authoritative = true
	r.Compress = true
	return r
}

// answer returns the answers and additional records for one question, and
// whether the name is one of ours. Service questions that zeroconf answers
// itself (a multicast query naming the service exactly as zeroconf spells
// it) are left to it, so a querier does not get everything twice.
func (m *MDNS) answer(q dns.Question, st ifaceAddrs, legacy bool) (ans, extra []dns.RR, ours bool) {
	name := q.Name
	t := q.Qtype
	anyType := t == dns.TypeANY
	switch {
	case nameEqual(name, m.host):
		a, aaaa := m.addrRRs(st, hostTTL)
		switch {
		case t == dns.TypeA:
			ans, extra = a, aaaa
		case t == dns.TypeAAAA:
			ans, extra = aaaa, a
		case anyType:
			ans = append(a, aaaa...)
		}
		if len(ans) == 0 && (t == dns.TypeA || t == dns.TypeAAAA) {
			// RFC 6762 §6.1: say which types exist, so an iPad asking for
			// AAAA on an IPv4-only LAN does not wait for a timeout.
			ans = []dns.RR{m.nsec(m.host, st)}
		} else {
			extra = append(extra, m.nsec(m.host, st))
		}
		return ans, extra, true

	case !legacy && name == m.instance, !legacy && name == m.service, !legacy && name == servicesEnumFQN:
		return nil, nil, true

	case nameEqual(name, servicesEnumFQN):
		if t == dns.TypePTR || anyType {
			ans = []dns.RR{&dns.PTR{Hdr: hdr(servicesEnumFQN, dns.TypePTR, serviceTTL), Ptr: m.service}}
		}
		return ans, nil, true

	case nameEqual(name, m.service):
		if t == dns.TypePTR || anyType {
			ans = []dns.RR{&dns.PTR{Hdr: hdr(m.service, dns.TypePTR, serviceTTL), Ptr: m.instance}}
			a, aaaa := m.addrRRs(st, hostTTL)
			extra = append([]dns.RR{m.srv(), m.txt()}, append(a, aaaa...)...)
		}
		return ans, extra, true

	case nameEqual(name, m.instance):
		a, aaaa := m.addrRRs(st, hostTTL)
		switch {
		case t == dns.TypeSRV:
			ans, extra = []dns.RR{m.srv()}, append([]dns.RR{m.txt()}, append(a, aaaa...)...)
		case t == dns.TypeTXT:
			ans = []dns.RR{m.txt()}
		case anyType:
			ans, extra = []dns.RR{m.srv(), m.txt()}, append(a, aaaa...)
		}
		return ans, extra, true
	}
	return nil, nil, false
}

func (m *MDNS) srv() dns.RR {
	return &dns.SRV{Hdr: hdr(m.instance, dns.TypeSRV, serviceTTL|uniqueTTL), Port: uint16(m.port), Target: m.host}
}

func (m *MDNS) txt() dns.RR {
	return &dns.TXT{Hdr: hdr(m.instance, dns.TypeTXT, serviceTTL|uniqueTTL), Txt: m.text}
}

func (m *MDNS) nsec(name string, st ifaceAddrs) dns.RR {
	var types []uint16
	if len(st.v4) > 0 {
		types = append(types, dns.TypeA)
	}
	if len(st.v6) > 0 {
		types = append(types, dns.TypeAAAA)
	}
	return &dns.NSEC{Hdr: hdr(name, dns.TypeNSEC, hostTTL|uniqueTTL), NextDomain: name, TypeBitMap: types}
}

// addrRRs returns the A and AAAA records of the host on one interface.
// The cache-flush bit is set: these records are unique to this box.
func (m *MDNS) addrRRs(st ifaceAddrs, ttl uint32) (a, aaaa []dns.RR) {
	for _, ip := range st.v4 {
		a = append(a, &dns.A{Hdr: hdr(m.host, dns.TypeA, ttl|uniqueTTL), A: ip})
	}
	for _, ip := range st.v6 {
		aaaa = append(aaaa, &dns.AAAA{Hdr: hdr(m.host, dns.TypeAAAA, ttl|uniqueTTL), AAAA: ip})
	}
	return a, aaaa
}

// uniqueTTL is a flag or'ed into hdr's ttl argument to set the cache-flush
// bit: TTLs we use never reach bit 31.
const uniqueTTL = 1 << 31

func hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	class := uint16(dns.ClassINET)
	if ttl&uniqueTTL != 0 {
		class |= cacheFlush
	}
	return dns.RR_Header{Name: name, Rrtype: t, Class: class, Ttl: ttl &^ uniqueTTL}
}

// announce multicasts the host's addresses on one interface, with the
// cache-flush bit so stale addresses leave every cache; ttl 0 is a goodbye.
// The caller holds m.mu.
func (m *MDNS) announce(st ifaceAddrs, ttl uint32) {
	a, aaaa := m.addrRRs(st, ttl)
	rrs := append(a, aaaa...)
	if len(rrs) == 0 {
		return
	}
	if ttl == 0 {
		for _, rr := range rrs {
			rr.Header().Class &^= cacheFlush
		}
	}
	msg := mdnsResponse()
	msg.Answer = rrs
	b, err := msg.Pack()
	if err != nil {
		return
	}
	if m.conn4 != nil && len(st.v4) > 0 {
		_, _ = m.conn4.WriteTo(b, &ipv4.ControlMessage{IfIndex: st.iface.Index}, &net.UDPAddr{IP: mdnsGroup4, Port: mdnsPort})
	}
	if m.conn6 != nil && len(st.v6) > 0 {
		_, _ = m.conn6.WriteTo(b, &ipv6.ControlMessage{IfIndex: st.iface.Index}, &net.UDPAddr{IP: mdnsGroup6, Port: mdnsPort})
	}
}

// suppressKnown drops answers the querier listed as already known with at
// least half their TTL left (RFC 6762 §7.1).
func suppressKnown(ans, known []dns.RR) []dns.RR {
	if len(known) == 0 {
		return ans
	}
	out := ans[:0:0]
	for _, rr := range ans {
		drop := false
		for _, k := range known {
			if k.Header().Ttl >= rr.Header().Ttl/2 && sameRR(rr, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, rr)
		}
	}
	return out
}

// sameRR compares name, type and data, ignoring TTL, cache-flush bit and
// the case of the owner name.
func sameRR(a, b dns.RR) bool {
	ca, cb := dns.Copy(a), dns.Copy(b)
	for _, rr := range []dns.RR{ca, cb} {
		h := rr.Header()
		h.Ttl, h.Class, h.Name = 0, dns.ClassINET, strings.ToLower(h.Name)
	}
	return ca.String() == cb.String()
}

// dedupe drops from extra what already is in answer or earlier in extra.
func dedupe(extra, answer []dns.RR) []dns.RR {
	out := extra[:0:0]
	seen := slices.Clone(answer)
	for _, rr := range extra {
		dup := false
		for _, s := range seen {
			if sameRR(rr, s) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, rr)
			seen = append(seen, rr)
		}
	}
	return out
}

// nameEqual compares two names in miekg/dns presentation form. DNS names are
// case-insensitive (RFC 6762 §16); miekg/dns escapes every byte outside
// printable ASCII, so an ASCII fold is exact.
func nameEqual(a, b string) bool {
	return strings.EqualFold(dns.Fqdn(a), dns.Fqdn(b))
}

// escapeLabel writes one label the way miekg/dns prints a received name, so
// that zeroconf's byte-for-byte comparison matches queries that use the
// name's exact case, and packing restores the original bytes.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(`. '@;()"\`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// truncateLabel cuts s to the 63 bytes a DNS label holds, at a character
// boundary.
func truncateLabel(s string) string {
	if len(s) <= 63 {
		return s
	}
	cut := 63
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func validHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// selectInterfaces returns the interfaces to advertise on: those named
// (when up and multicast-capable), or else every up, multicast,
// non-loopback interface that is not virtual (see virtualIfacePrefixes).
func selectInterfaces(names []string) ([]net.Interface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("mdns: list interfaces: %w", err)
	}
	var out []net.Interface
	for _, ifc := range all {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagMulticast == 0 {
			continue
		}
		if len(names) > 0 {
			if slices.Contains(names, ifc.Name) {
				out = append(out, ifc)
			}
			continue
		}
		if ifc.Flags&net.FlagLoopback != 0 || isVirtualIface(ifc.Name) {
			continue
		}
		out = append(out, ifc)
	}
	return out, nil
}

func isVirtualIface(name string) bool {
	for _, p := range virtualIfacePrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// addrsOf returns the interface's addresses, chosen exactly as zeroconf
// v1.0.0 chooses them for the records it attaches, so that both responders
// publish the same set (the cache-flush bit would otherwise make caches
// flip between two sets): every non-loopback IPv4 address, and the global
// IPv6 addresses or, when there is none, the link-local ones.
func addrsOf(ifc net.Interface) ifaceAddrs {
	st := ifaceAddrs{iface: ifc}
	addrs, _ := ifc.Addrs()
	var v6local []net.IP
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() {
			continue
		}
		if ip4 := ipn.IP.To4(); ip4 != nil {
			st.v4 = append(st.v4, ip4)
			continue
		}
		switch ip := ipn.IP.To16(); {
		case ip.IsGlobalUnicast():
			st.v6 = append(st.v6, ip)
		case ip.IsLinkLocalUnicast():
			v6local = append(v6local, ip)
		}
	}
	if len(st.v6) == 0 {
		st.v6 = v6local
	}
	return st
}

func sameIPs(a, b []net.IP) bool {
	return len(missing(a, b)) == 0 && len(missing(b, a)) == 0
}

// missing returns the addresses of a that are not in b.
func missing(a, b []net.IP) []net.IP {
	var out []net.IP
	for _, ip := range a {
		if !slices.ContainsFunc(b, ip.Equal) {
			out = append(out, ip)
		}
	}
	return out
}

func ipStrings(st ifaceAddrs) []string {
	var s []string
	for _, ip := range append(slices.Clone(st.v4), st.v6...) {
		s = append(s, ip.String())
	}
	return s
}
