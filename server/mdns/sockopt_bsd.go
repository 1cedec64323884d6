//go:build unix && !linux

package mdns

// onlyJoinedGroups has nothing to do where the kernel only delivers the
// groups a socket joined.
func onlyJoinedGroups(fd int, network string) {}
