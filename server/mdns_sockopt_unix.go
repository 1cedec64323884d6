//go:build unix

package server

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// mdnsControl lets our port-5353 sockets share the port with zeroconf's and
// with an avahi-daemon already running: avahi sets SO_REUSEADDR (and
// SO_REUSEPORT), zeroconf gets SO_REUSEADDR from the net package's multicast
// listen path, and Linux allows the bind when every socket has one of them
// in common.
func mdnsControl(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
			return
		}
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); serr != nil {
			return
		}
		onlyJoinedGroups(int(fd), network)
	})
	if err != nil {
		return err
	}
	return serr
}
