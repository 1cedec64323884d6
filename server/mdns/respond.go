package mdns

// Answering queries: what one received packet gets back, the records of the
// host and the service, and the known-answer and duplicate rules of RFC 6762.

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// serveQueries answers what one socket receives until it is closed; read
// and write hide whether the socket is IPv4 or IPv6 (read gives the
// interface index, or -1 when the packet came without one).
func (m *Responder) serveQueries(read func([]byte) (int, int, net.Addr, error), write func([]byte, int, *net.UDPAddr)) {
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
func (m *Responder) respond(pkt []byte, ifIndex int, from *net.UDPAddr) []reply {
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
func (m *Responder) noticeConflict(r *dns.Msg, from *net.UDPAddr) {
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
func (m *Responder) answer(q dns.Question, st ifaceAddrs, legacy bool) (ans, extra []dns.RR, ours bool) {
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

func (m *Responder) srv() dns.RR {
	return &dns.SRV{Hdr: hdr(m.instance, dns.TypeSRV, serviceTTL|uniqueTTL), Port: uint16(m.port), Target: m.host}
}

func (m *Responder) txt() dns.RR {
	return &dns.TXT{Hdr: hdr(m.instance, dns.TypeTXT, serviceTTL|uniqueTTL), Txt: m.text}
}

func (m *Responder) nsec(name string, st ifaceAddrs) dns.RR {
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
func (m *Responder) addrRRs(st ifaceAddrs, ttl uint32) (a, aaaa []dns.RR) {
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
func (m *Responder) announce(st ifaceAddrs, ttl uint32) {
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
