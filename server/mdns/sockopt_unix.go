//go:build unix

package mdns

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// mdnsControl lets our port-5353 sockets share the port with zeroconf's and
// with an avahi-daemon already running. SO_REUSEADDR is the option every
// responder sets (avahi, systemd-resolved, and zeroconf through the net
// package's multicast listen path), and Linux allows the bind when all
// sockets have it. SO_REUSEPORT is deliberately not set: two reuseport
// sockets of the same user form a group that load-balances unicast queries,
// so a query sent straight to port 5353 could land on a responder that does
// not know rms.local.
func mdnsControl(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
			return
		}
		onlyJoinedGroups(int(fd), network)
	})
	if err != nil {
		return err
	}
	return serr
}
