package main

// A small W3C WebDriver client for WebKitGTK's WebKitWebDriver, the same
// engine family as Safari on the iPad. Only the few calls the tests need:
// new session, navigate, find element, click, send keys, execute script,
// screenshot, window rect, delete session. A general Go WebDriver client
// would bring far more than this and still need WebKitGTK's capability.
//
// The driver runs under its own Xvfb and inside a private mount namespace
// whose /etc/hosts maps rms.local to loopback, so the page is opened as
// http://rms.local:PORT, an insecure context, as on the restaurant's Wi-Fi,
// without touching the machine's own hosts file.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wkDriver is one WebKitWebDriver (with its Xvfb) serving sessions.
type wkDriver struct {
	url     string
	browser string // the MiniBrowser binary
}

// wkSession is one MiniBrowser window driven over WebDriver.
type wkSession struct {
	t   *testing.T
	url string // the session's base URL
}

// wkMiniBrowser finds MiniBrowser, which Debian keeps in WebKitGTK's
// private library folder (its name changes with the API version).
func wkMiniBrowser() string {
	for _, pattern := range []string{"/usr/lib/*/webkit2gtk-4.*/MiniBrowser", "/usr/lib/*/webkitgtk-6.*/MiniBrowser", "/usr/libexec/webkit2gtk-4.*/MiniBrowser"} {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[len(m)-1]
		}
	}
	return ""
}

// startWebKit starts Xvfb and WebKitWebDriver for the test. Without them
// the test is skipped, except under CI, where .ci/run installs them.
func startWebKit(t *testing.T) *wkDriver {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; .ci/run installs webkit2gtk-driver and xvfb", what)
		}
		t.Skipf("%s is missing: WebKit tests need webkit2gtk-driver and xvfb (apt-get install webkit2gtk-driver xvfb)", what)
	}
	driver, err := exec.LookPath("WebKitWebDriver")
	if err != nil {
		missing("WebKitWebDriver")
	}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		missing("Xvfb")
	}
	mini := wkMiniBrowser()
	if mini == "" {
		missing("MiniBrowser")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		missing("unshare")
	}
	dir := t.TempDir()

	// Xvfb picks a free display itself and writes its number to -displayfd.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "2048x1536x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() {
		// SIGTERM lets Xvfb remove its lock file and socket, so the next
		// test's Xvfb does not meet a dead display of the same number.
		x.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { x.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			x.Process.Kill()
			<-done
		}
	})
	display := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		display <- strings.TrimSpace(line)
	}()
	var disp string
	select {
	case disp = <-display:
	case <-time.After(30 * time.Second):
	}
	if disp == "" {
		t.Fatal("Xvfb did not report a display")
	}
	// The browser must find the display accepting: on a loaded machine a
	// first window that cannot open it leaves the new session hanging.
	sock := "/tmp/.X11-unix/X" + disp
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("Xvfb display :%s does not accept connections: %v", disp, err)
		}
	}

	// The hosts file of the driver's private mount namespace.
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1\tlocalhost rms.local\n::1\tlocalhost ip6-localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := wkFreePort(t)
	// unshare -m gives the driver (and the browser it starts) a mount
	// namespace of its own, where /etc/hosts is our file; the machine's
	// stays as it is. Without root, a user namespace grants the mount.
	args := []string{"-m", "--propagation", "private"}
	if os.Geteuid() != 0 {
		args = append([]string{"-r"}, args...)
	}
	args = append(args, "sh", "-c", `mount --bind "$1" /etc/hosts && exec "$2" --port="$3"`, "sh", hosts, driver, fmt.Sprint(port))
	cmd := exec.Command(unshare, args...)
	cmd.Env = append(wkEnv(), "DISPLAY=:"+disp, "HOME="+dir, "XDG_RUNTIME_DIR="+dir, "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start WebKitWebDriver: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() && out.Len() > 0 {
			t.Logf("WebKitWebDriver output:\n%s", out.String())
		}
	})
	d := &wkDriver{url: fmt.Sprintf("http://127.0.0.1:%d", port), browser: mini}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(d.url + "/status")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-exited:
			t.Fatalf("WebKitWebDriver exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("WebKitWebDriver not answering: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

// wkEnv is the environment without proxies (the page talks to loopback)
// and without a display or session bus of the machine's own.
func wkEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k := strings.ToLower(kv[:strings.IndexByte(kv, '=')+1])
		switch k {
		case "display=", "wayland_display=", "dbus_session_bus_address=", "http_proxy=", "https_proxy=", "all_proxy=", "no_proxy=", "home=", "xdg_runtime_dir=":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func wkFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Open starts a MiniBrowser window whose page (viewport) is width×height.
func (d *wkDriver) Open(t *testing.T, width, height int) *wkSession {
	t.Helper()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"webkitgtk:browserOptions": map[string]any{"binary": d.browser, "args": []string{"--automation"}},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	// One more try: on a loaded machine the first MiniBrowser can fail to
	// start (the driver then times out), and a second one starts cleanly.
	err := wkCall(http.MethodPost, d.url+"/session", caps, &created)
	if err != nil {
		t.Logf("new WebKit session: %v; trying once more", err)
		err = wkCall(http.MethodPost, d.url+"/session", caps, &created)
	}
	if err != nil {
		t.Fatalf("new WebKit session: %v", err)
	}
	s := &wkSession{t: t, url: d.url + "/session/" + created.SessionID}
	t.Cleanup(func() { wkCall(http.MethodDelete, s.url, nil, nil) })
	s.Resize(width, height)
	return s
}

// Resize makes the page's viewport width×height: the window rect is the
// outer size, so the toolbar and frame are measured and added.
func (s *wkSession) Resize(width, height int) {
	s.t.Helper()
	for i := 0; i < 3; i++ {
		var inner [2]int
		s.Eval(`return [window.innerWidth, window.innerHeight]`, &inner)
		if inner[0] == width && inner[1] == height {
			return
		}
		var rect struct{ Width, Height int }
		s.call(http.MethodGet, "/window/rect", nil, &rect)
		s.call(http.MethodPost, "/window/rect", map[string]int{"width": rect.Width + width - inner[0], "height": rect.Height + height - inner[1]}, nil)
		time.Sleep(100 * time.Millisecond)
	}
	var inner [2]int
	s.Eval(`return [window.innerWidth, window.innerHeight]`, &inner)
	if inner[0] != width || inner[1] != height {
		s.t.Fatalf("WebKit viewport = %dx%d; want %dx%d", inner[0], inner[1], width, height)
	}
}

// wkCall makes one WebDriver request and decodes its "value" into out.
func wkCall(method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	client := http.Client{Timeout: 60 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s %s = %d %s", method, url, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error, Message string }
		json.Unmarshal(env.Value, &e)
		return fmt.Errorf("%s: %s", e.Error, e.Message)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func (s *wkSession) call(method, path string, body, out any) {
	s.t.Helper()
	if err := wkCall(method, s.url+path, body, out); err != nil {
		s.t.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
}

// Navigate opens url and waits for it to load.
func (s *wkSession) Navigate(url string) {
	s.t.Helper()
	s.call(http.MethodPost, "/url", map[string]string{"url": url}, nil)
}

// Eval runs a script body (it must `return` its result) and decodes the result into out.
func (s *wkSession) Eval(script string, out any, args ...any) {
	s.t.Helper()
	if args == nil {
		args = []any{}
	}
	s.call(http.MethodPost, "/execute/sync", map[string]any{"script": script, "args": args}, out)
}

// Bool evaluates a JavaScript expression as a boolean.
func (s *wkSession) Bool(expr string) bool {
	s.t.Helper()
	var v bool
	s.Eval(`return !!(`+expr+`)`, &v)
	return v
}

// String evaluates a JavaScript expression as a string.
func (s *wkSession) String(expr string) string {
	s.t.Helper()
	var v string
	s.Eval(`return String(`+expr+`)`, &v)
	return v
}

// Wait polls a JavaScript condition until it holds or d passes, and
// returns how long that took; on failure it saves a screenshot.
func (s *wkSession) Wait(what, cond string, d time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	var last error
	for time.Since(start) < d {
		var ok bool
		err := wkCall(http.MethodPost, s.url+"/execute/sync", map[string]any{"script": `return !!(` + cond + `)`, "args": []any{}}, &ok)
		if err == nil && ok {
			return time.Since(start)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	s.Shot("webkit-failed")
	s.t.Fatalf("%s: %s still false after %v (last error %v)", what, cond, d, last)
	return 0
}

// find returns the WebDriver id of the element css selects.
func (s *wkSession) find(css string) string {
	s.t.Helper()
	var el map[string]string
	s.call(http.MethodPost, "/element", map[string]string{"using": "css selector", "value": css}, &el)
	for _, id := range el { // the key is the W3C element identifier
		return id
	}
	s.t.Fatalf("find %s: no element id in the answer", css)
	return ""
}

// Click taps the element css selects, as a user would (scrolled into view,
// the topmost element at that point receives it).
func (s *wkSession) Click(css string) {
	s.t.Helper()
	s.call(http.MethodPost, "/element/"+s.find(css)+"/click", map[string]any{}, nil)
}

// Type sends keystrokes to the element css selects.
func (s *wkSession) Type(css, text string) {
	s.t.Helper()
	s.call(http.MethodPost, "/element/"+s.find(css)+"/value", map[string]string{"text": text}, nil)
}

// Shot saves a screenshot of the page as NAME.png beside the Chromium ones.
func (s *wkSession) Shot(name string) {
	s.t.Helper()
	var b64 string
	if err := wkCall(http.MethodGet, s.url+"/screenshot", nil, &b64); err != nil {
		s.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		s.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := shotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Errorf("screenshot dir: %v", err)
		return
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		s.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	s.t.Logf("screenshot: %s", p)
}
