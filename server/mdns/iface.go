package mdns

// Choosing the interfaces to advertise on and the addresses of each.

import (
	"fmt"
	"net"
	"slices"
	"strings"
)

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
