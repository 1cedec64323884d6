package server

import (
	"os"
	"runtime/debug"
)

// GCPercent is the collector's target the box runs with (GOGC) unless the
// environment sets GOGC. The box's live heap is a few MiB, so collecting
// at half the default growth costs little CPU, while the garbage headroom
// the collector leaves scales with every idle connection's live memory:
// at the default 100 a connection costs about 2 KiB more of RSS.
const GCPercent = 50

// TuneGC sets the collector's target to GCPercent unless GOGC is set.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
