//go:build !unix

package mdns

import "syscall"

// mdnsControl sets nothing where Unix socket options do not exist: the
// advertiser then needs port 5353 to itself.
func mdnsControl(network, address string, c syscall.RawConn) error { return nil }
