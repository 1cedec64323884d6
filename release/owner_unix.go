//go:build unix

package release

import (
	"fmt"
	"os"
	"syscall"
)

func owner(path string) (uid, gid int, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, fmt.Errorf("release: no owner for %s", path)
	}
	return int(st.Uid), int(st.Gid), nil
}
