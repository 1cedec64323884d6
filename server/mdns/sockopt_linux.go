package mdns

import "golang.org/x/sys/unix"

// onlyJoinedGroups clears IP_MULTICAST_ALL: by default Linux hands a socket
// bound to the wildcard address every multicast datagram of a group any
// socket on the box joined, on any interface. Cleared, we only hear the
// interfaces we joined, so we never answer on a bridge avahi listens on.
func onlyJoinedGroups(fd int, network string) {
	if network == "udp6" {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0)
		return
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0)
}
