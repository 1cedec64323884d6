package systemd

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// notifySocket listens like systemd does and returns the datagrams received.
func notifySocket(t *testing.T, abstract bool) <-chan string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "notify")
	env := name
	if abstract {
		name = "\x00rms-test-notify-" + strconv.Itoa(os.Getpid())
		env = "@" + name[1:]
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", env)
	ch := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			ch <- string(buf[:n])
		}
	}()
	return ch
}

func recvWithin(t *testing.T, ch <-chan string, d time.Duration) (string, bool) {
	t.Helper()
	select {
	case s := <-ch:
		return s, true
	case <-time.After(d):
		return "", false
	}
}

func TestNotify(t *testing.T) {
	for _, abstract := range []bool{false, true} {
		ch := notifySocket(t, abstract)
		if err := Notify("READY=1"); err != nil {
			t.Fatalf("Notify(READY=1) abstract=%v err = %v; want nil", abstract, err)
		}
		if got, ok := recvWithin(t, ch, time.Second); !ok || got != "READY=1" {
			t.Errorf("received %q, %v; want READY=1", got, ok)
		}
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if err := Notify("READY=1"); err != nil {
		t.Errorf("Notify without NOTIFY_SOCKET err = %v; want nil", err)
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "absent"))
	if err := Notify("READY=1"); err == nil {
		t.Error("Notify to a missing socket err = nil; want an error")
	}
}

func TestWatchdog(t *testing.T) {
	ch := notifySocket(t, false)
	t.Setenv("WATCHDOG_USEC", "100000") // pings every 50 ms
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	var healthy atomic.Bool
	healthy.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Watchdog(ctx, func(context.Context) error {
			if healthy.Load() {
				return nil
			}
			return errors.New("database is locked")
		}, nil)
	}()

	for i := 0; i < 3; i++ {
		if got, ok := recvWithin(t, ch, time.Second); !ok || got != "WATCHDOG=1" {
			t.Fatalf("ping %d = %q, %v; want WATCHDOG=1", i, got, ok)
		}
	}
	healthy.Store(false)
	// Drain a ping that may have raced with the switch, then expect silence.
	recvWithin(t, ch, 60*time.Millisecond)
	if got, ok := recvWithin(t, ch, 300*time.Millisecond); ok {
		t.Fatalf("while the check fails received %q; want no ping", got)
	}
	healthy.Store(true)
	if got, ok := recvWithin(t, ch, time.Second); !ok || got != "WATCHDOG=1" {
		t.Fatalf("after recovery received %q, %v; want WATCHDOG=1", got, ok)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watchdog err = %v; want nil", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Watchdog did not return after cancel")
	}
}

func TestWatchdogDisabled(t *testing.T) {
	for _, env := range []struct{ usec, pid string }{{"", ""}, {"100000", "1"}, {"garbage", ""}} {
		t.Setenv("WATCHDOG_USEC", env.usec)
		t.Setenv("WATCHDOG_PID", env.pid)
		if got := WatchdogInterval(); got != 0 {
			t.Errorf("WatchdogInterval with USEC=%q PID=%q = %v; want 0", env.usec, env.pid, got)
		}
		done := make(chan error, 1)
		go func() { done <- Watchdog(context.Background(), func(context.Context) error { return nil }, nil) }()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatalf("Watchdog with USEC=%q PID=%q did not return at once", env.usec, env.pid)
		}
	}
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", "")
	if got := WatchdogInterval(); got != 15*time.Second {
		t.Errorf("WatchdogInterval(30s) = %v; want 15s", got)
	}
}
