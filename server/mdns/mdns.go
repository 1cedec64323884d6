// Package mdns advertises the box on the LAN: the service record that lets
// a tablet find it, and answers for <hostname>.local.
package mdns

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

	"github.com/grandcat/zeroconf"
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

// Options configures Start.
type Options struct {
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

// Responder is a running advertiser. Stop it with Shutdown.
type Responder struct {
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

// Start starts advertising the service and answering for the host name
// on the LAN interfaces, and keeps following interface and address changes
// until ctx ends or Shutdown is called (both send goodbyes). It returns an
// error for invalid options or when UDP port 5353 cannot be shared (another
// responder holds it exclusively). Having no usable interface yet is not an
// error: the advertiser starts on them when they come up.
func Start(ctx context.Context, opt Options) (*Responder, error) {
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
	m := &Responder{
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
func (m *Responder) Host() string { return strings.TrimSuffix(m.host, ".") }

// Shutdown sends goodbye packets (TTL 0) for everything announced, stops
// answering and releases port 5353. It is safe to call more than once.
func (m *Responder) Shutdown() {
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
// (names as for Options.Interfaces; empty picks them automatically).
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

func (m *Responder) loop(ctx context.Context) {
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

func (m *Responder) refresh() error {
	_, err := m.refreshChanged()
	return err
}

// refreshChanged re-reads the interfaces and addresses. When the set of
// interfaces changes, it re-registers the zeroconf service and reopens our
// sockets (joining the group on the new set); when only addresses change, it
// says goodbye to the old ones and announces the new ones. It reports whether
// anything was announced.
func (m *Responder) refreshChanged() (bool, error) {
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

func (m *Responder) openConnsLocked(ifaces []net.Interface) error {
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

func (m *Responder) closeConnsLocked() {
	if m.conn4 != nil {
		m.conn4.Close()
		m.conn4 = nil
	}
	if m.conn6 != nil {
		m.conn6.Close()
		m.conn6 = nil
	}
}

func (m *Responder) closeAll() {
	m.mu.Lock()
	if m.zc != nil {
		m.zc.Shutdown()
		m.zc = nil
	}
	m.closeConnsLocked()
	m.mu.Unlock()
	m.recv.Wait()
}

func (m *Responder) recv4(c *ipv4.PacketConn) {
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

func (m *Responder) recv6(c *ipv6.PacketConn) {
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
