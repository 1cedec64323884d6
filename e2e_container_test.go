package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// container is a booted systemd in its own network namespace, with a
// client namespace at 10.66.0.2 that reaches it at 10.66.0.1.
type container struct {
	t      *testing.T
	root   string // the container's root, as the host sees it
	shared string // bound read-only at /opt/rel inside
	local  string // bound at /usr/local inside (the host's /usr is read-only)
	cli    string // the client network namespace
	pid    int    // the container's init, as the host sees it

	console consoleLog
	nspawn  *exec.Cmd
	exited  chan struct{} // closed when systemd-nspawn has exited
}

// wait waits until the container's console shows want.
func (c *container) wait(want string, d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(c.console.String(), want) {
		if time.Now().After(deadline) {
			c.t.Fatalf("container console has no %q within %v:\n%s", want, d, c.console.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// poweroff stops the container as SIGTERM to systemd-nspawn does (its
// services stopped first) and reports whether it was off within d; after
// d it is killed.
func (c *container) poweroff(d time.Duration) bool {
	_ = c.nspawn.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return true
	case <-time.After(d):
		_ = c.nspawn.Process.Kill()
		<-c.exited
		return false
	}
}

// containerOptions shape a container beyond the empty system every one is.
type containerOptions struct {
	Args  []string // systemd's command line, e.g. systemd.unit=rms.service
	Binds []string // more systemd-nspawn --bind= and --bind-ro= arguments
	Dirs  []string // more folders to make in its root, e.g. etc/rms
}

// bootContainer boots a real systemd in a container: the host's /usr
// bound read-only (and a writable /usr/local of its own), an otherwise
// empty root, in a network namespace joined by a veth pair to a client
// namespace. It waits until systemd has booted; cleanup powers it off.
// Skipped without root, systemd-nspawn (package systemd-container), ip,
// curl, nsenter or a merged /usr.
func bootContainer(t *testing.T, o containerOptions) *container {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for systemd-nspawn and network namespaces")
	}
	for _, tool := range []string{"systemd-nspawn", "ip", "curl", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (systemd-container, iproute2, curl, util-linux)", tool)
		}
	}
	if l, err := os.Readlink("/bin"); err != nil || l != "usr/bin" {
		t.Skip("needs a merged /usr (/bin -> usr/bin) to boot the host's /usr")
	}
	dir := t.TempDir()
	c := &container{t: t, root: filepath.Join(dir, "root"), shared: filepath.Join(dir, "rel"), local: filepath.Join(dir, "local")}
	if err := os.MkdirAll(filepath.Join(c.local, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range append([]string{"usr", "etc/systemd/system", "var/lib", "tmp", "root", "proc", "sys", "dev", "run", "opt/rel"}, o.Dirs...) {
		if err := os.MkdirAll(filepath.Join(c.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(c.shared, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"bin", "lib", "lib64", "sbin"} {
		if target, err := os.Readlink("/" + l); err == nil {
			if err := os.Symlink(target, filepath.Join(c.root, l)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range []string{"os-release", "passwd", "group", "nsswitch.conf"} {
		if b, err := os.ReadFile("/etc/" + f); err == nil {
			_ = os.WriteFile(filepath.Join(c.root, "etc", f), b, 0o644)
		}
	}
	_ = os.WriteFile(filepath.Join(c.root, "etc", "machine-id"), nil, 0o444)

	box := fmt.Sprintf("rms%d-ib", os.Getpid())
	c.cli = fmt.Sprintf("rms%d-ic", os.Getpid())
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", box)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", box).Run() })
	ip("netns", "add", c.cli)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", c.cli).Run() })
	ip("-n", box, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1", "netns", c.cli)
	ip("-n", box, "addr", "add", "10.66.0.1/24", "dev", "eth0")
	ip("-n", c.cli, "addr", "add", "10.66.0.2/24", "dev", "eth1")
	ip("-n", box, "link", "set", "eth0", "up")
	ip("-n", c.cli, "link", "set", "eth1", "up")
	ip("-n", box, "link", "set", "lo", "up")

	// The console goes to a file, not a pipe: Wait must not hang on a pipe
	// that something in the container still holds open.
	console, err := os.Create(filepath.Join(dir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { console.Close() })
	c.console = consoleLog(console.Name())
	args := []string{"-D", c.root, "--keep-unit", "--register=no",
		"--network-namespace-path=/run/netns/" + box, "--machine=" + box,
		"--bind-ro=/usr", "--bind=" + c.local + ":/usr/local", "--bind-ro=" + c.shared + ":/opt/rel"}
	args = append(append(append(args, o.Binds...), "-b"), o.Args...)
	c.nspawn = exec.Command("systemd-nspawn", args...)
	c.nspawn.Stdout, c.nspawn.Stderr = console, console
	if err := c.nspawn.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed, not sent on: both the test and its cleanup wait.
	c.exited = make(chan struct{})
	go func() {
		_ = c.nspawn.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() { c.poweroff(30 * time.Second) })
	exited, log := c.exited, c.console
	deadline := time.Now().Add(90 * time.Second)
	for {
		if c.pid == 0 {
			c.pid = initIn("/run/netns/" + box)
		}
		if c.pid != 0 {
			state, _ := c.exec("/usr/bin/systemctl", "is-system-running")
			if s := strings.TrimSpace(state); s == "running" || s == "degraded" {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("the container stopped while booting:\n%s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the container did not boot within 90 s:\n%s", log.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("journal of rms:\n%s", c.journal("rms"))
		}
	})
	return c
}

// initIn finds the init (pid 1 inside) of the container in network
// namespace netns, or 0.
func initIn(netns string) int {
	var want syscall.Stat_t
	if err := syscall.Stat(netns, &want); err != nil {
		return 0
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		var st syscall.Stat_t
		if syscall.Stat(p+"/ns/net", &st) != nil || st.Ino != want.Ino {
			continue
		}
		status, _ := os.ReadFile(p + "/status")
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 2 && f[0] == "NSpid:" && f[len(f)-1] == "1" {
				pid, _ := strconv.Atoi(filepath.Base(p))
				return pid
			}
		}
	}
	return 0
}

// exec runs a command inside the container as root, with its output.
func (c *container) exec(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(c.pid), "-m", "-u", "-i", "-n", "-p", "--"}, args...)...)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/sbin:/usr/bin", "LANG=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// prop is a property of rms.service.
func (c *container) prop(name string) string {
	out, _ := c.exec("/usr/bin/systemctl", "show", "-P", name, "rms.service")
	return strings.TrimSpace(out)
}

func (c *container) journal(unit string) string {
	out, _ := c.exec("/usr/bin/journalctl", "--no-pager", "-n", "80", "-u", unit)
	return out
}

// curl runs curl in the client namespace against the box; the last
// argument is the path.
func (c *container) curl(args ...string) string {
	path := args[len(args)-1]
	args = append([]string{"netns", "exec", c.cli, "curl", "-s", "-m", "20"}, args[:len(args)-1]...)
	out, _ := exec.Command("ip", append(args, "http://10.66.0.1:8080"+path)...).Output()
	return string(out)
}

// api calls the API from the client namespace and decodes a 2xx answer.
func (c *container) api(token, method, path, body string, out any) {
	c.t.Helper()
	args := []string{"-X", method, "-w", "\n%{http_code}"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	if body != "" {
		args = append(args, "-H", "Content-Type: application/json", "-d", body)
	}
	raw := c.curl(append(args, path)...)
	i := strings.LastIndexByte(raw, '\n')
	if i < 0 || !strings.HasPrefix(raw[i+1:], "2") {
		c.t.Fatalf("%s %s = %q; want 2xx", method, path, raw)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(raw[:i]), out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw[:i])
		}
	}
}

func (c *container) login(username, password string) string {
	c.t.Helper()
	var l struct{ Token string }
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	c.api("", "POST", "/api/auth/login", string(b), &l)
	return l.Token
}
