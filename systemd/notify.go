// Package systemd speaks to the service manager that runs the box: the
// sd_notify readiness and stopping lines, and the watchdog that is fed only
// while the database answers.
package systemd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"
)

// Notify sends a state line such as "READY=1", "STOPPING=1" or
// "STATUS=serving" to the service manager through $NOTIFY_SOCKET (the
// sd_notify protocol, without libsystemd). It returns nil without doing
// anything when the variable is unset (not started by systemd with
// Type=notify), and an error when the socket cannot be reached.
func Notify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	if path[0] == '@' {
		// An abstract socket: the name starts with a NUL byte.
		path = "\x00" + path[1:]
	} else if path[0] != '/' {
		return fmt.Errorf("sd_notify: unsupported NOTIFY_SOCKET %q", path)
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}

// WatchdogInterval returns how often to ping the watchdog: half of
// $WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. It returns 0 when no
// watchdog is set for this process ($WATCHDOG_PID names another one).
func WatchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// Watchdog pings the systemd watchdog ("WATCHDOG=1") every half of
// $WATCHDOG_USEC, but only while check passes: a box whose database stopped
// answering stops pinging, and systemd restarts it (WatchdogSec= in the
// unit). Each check gets the interval as its deadline. Watchdog blocks until
// ctx ends and returns nil at once when no watchdog is configured; a failing
// check is logged (once per run of failures), not returned.
func Watchdog(ctx context.Context, check func(context.Context) error, log *slog.Logger) error {
	every := WatchdogInterval()
	if every == 0 {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		cctx, cancel := context.WithTimeout(ctx, every)
		err := check(cctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			if !failing {
				log.Error("health check failed; not pinging the systemd watchdog", "err", err)
			}
			failing = true
		default:
			if failing {
				log.Info("health check passes again; pinging the systemd watchdog")
			}
			failing = false
			if err := Notify("WATCHDOG=1"); err != nil && !errors.Is(err, context.Canceled) {
				log.Warn("systemd watchdog ping failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
