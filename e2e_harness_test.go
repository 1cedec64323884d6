package main

// The harness of the end-to-end tests: a whole box (real SQLite file, hub,
// server with the embedded web apps) on a loopback port, and a headless
// Chromium that reaches it as http://rms.local:PORT, which is not a secure
// context, exactly like an iPad on the restaurant's Wi-Fi.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"rms/hub"
	"rms/photo"
	"rms/server"
	"rms/store"
)

type boxOptions struct {
	// Demo seeds the demo restaurant: admin/admin123, ana/waiter123 (waiter),
	// marco/chef123 (chef), tables T1..T8 and P1..P4, 25 menu items.
	Demo bool
	// Photos draws the demo menu's photos (with Demo), as `rms --demo` does.
	Photos bool
	// TLS serves HTTPS too (--tls) on TLSPort, as Hostname (default rms).
	TLS      bool
	Hostname string
}

// testBox is one running box, built by openBox exactly as main builds it.
// URL is what a browser opens (rms.local, not a secure context); API is
// the same server on 127.0.0.1 for Go clients.
type testBox struct {
	Dir    string
	Port   int
	URL    string
	API    string
	Store  *store.Store
	Hub    *hub.Hub
	Server *server.Server

	// TLSPort is the HTTPS port of a box started with TLS; Hostname its
	// --hostname (a test may change it before Restart).
	TLSPort  int
	Hostname string

	tls    bool
	secret []byte
	box    *box
	mu     sync.Mutex
}

func startBox(t *testing.T, opts boxOptions) *testBox {
	t.Helper()
	b := &testBox{Dir: t.TempDir(), tls: opts.TLS, Hostname: opts.Hostname}
	b.start(t)
	if opts.Demo {
		if _, err := b.Store.SeedDemo(context.Background()); err != nil {
			t.Fatalf("SeedDemo() err = %v", err)
		}
		if opts.Photos {
			if err := photo.SeedDemo(context.Background(), b.Store); err != nil {
				t.Fatalf("photo.SeedDemo() err = %v", err)
			}
		}
	}
	t.Cleanup(b.Stop)
	return b
}

func (b *testBox) start(t *testing.T) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := config{Addr: fmt.Sprintf("127.0.0.1:%d", b.Port), Data: b.Dir, bcryptCost: 4,
		TLS: b.tls, TLSAddr: fmt.Sprintf("127.0.0.1:%d", b.TLSPort), Hostname: b.Hostname}
	var bx *box
	var err error
	// A restart takes the same port back; the old socket may linger briefly.
	for i := 0; ; i++ {
		bx, err = openBox(context.Background(), cfg, log)
		if err == nil || i == 50 || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("openBox() err = %v", err)
	}
	bx.start()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.box = bx
	b.Port = bx.Port
	b.TLSPort = bx.TLSPort
	b.URL = fmt.Sprintf("http://rms.local:%d", b.Port)
	b.API = fmt.Sprintf("http://127.0.0.1:%d", b.Port)
	b.Store, b.Hub, b.Server, b.secret = bx.Store, bx.Hub, bx.Server, bx.secret
}

// Current re-reads the box's store, hub and server, which a restore made
// while serving replaces.
func (b *testBox) Current() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.box != nil {
		cur := b.box.current()
		b.Store, b.Hub, b.Server = cur.Store, cur.Hub, cur.Server
	}
}

// Stop shuts the box down the way main does; it is safe to call twice.
func (b *testBox) Stop() {
	b.mu.Lock()
	bx := b.box
	b.box = nil
	b.mu.Unlock()
	if bx != nil {
		bx.close()
	}
}

// Restart stops the box and starts it again on the same data folder and port.
func (b *testBox) Restart(t *testing.T) {
	t.Helper()
	b.Stop()
	b.start(t)
}

// Do sends a JSON request to the API as token (may be empty) and returns
// the status and body.
func (b *testBox) Do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	status, resp, _ := b.DoHeader(t, method, path, token, body, nil)
	return status, resp
}

// DoHeader is Do with extra request headers, returning the response headers too.
func (b *testBox) DoHeader(t *testing.T, method, path, token string, body any, header map[string]string) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.API+path, rd)
	if err != nil {
		t.Fatalf("NewRequest(%s %s) err = %v", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s err = %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header
}

// DoJSON is Do that expects want and decodes the body into out (may be nil).
func (b *testBox) DoJSON(t *testing.T, method, path, token string, body any, want int, out any) {
	t.Helper()
	status, raw := b.Do(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s status = %d (%s); want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// Login signs a staff user in and returns the token.
func (b *testBox) Login(t *testing.T, username, password string) string {
	t.Helper()
	var out struct{ Token string }
	b.DoJSON(t, "POST", "/api/auth/login", "", map[string]string{"username": username, "password": password}, http.StatusOK, &out)
	return out.Token
}

// PairTable pairs a table as waiter token and returns the customer token.
func (b *testBox) PairTable(t *testing.T, staffToken string, tableID int64) string {
	t.Helper()
	var p struct{ Code string }
	b.DoJSON(t, "POST", fmt.Sprintf("/api/tables/%d/pair", tableID), staffToken, nil, http.StatusOK, &p)
	var out struct{ Token string }
	b.DoJSON(t, "POST", "/api/pair", "", map[string]string{"code": p.Code}, http.StatusOK, &out)
	return out.Token
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newBrowser starts a headless Debian Chromium with a viewport of
// width×height that resolves rms.local to loopback. Without chromium the
// test is skipped, except under CI, where it must run. extra adds flags.
func newBrowser(t *testing.T, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is not installed; .ci/run installs it")
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("host-resolver-rules", "MAP rms.local 127.0.0.1"),
		chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir()),
	)
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	logPageErrors(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// newTab opens another tab in the browser of ctx (its own page, same profile).
func newTab(t *testing.T, ctx context.Context, width, height int) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	logPageErrors(t, tab)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	return tab
}

// logPageErrors copies the page's uncaught exceptions and console errors
// into the test log, so a broken script shows why.
func logPageErrors(t *testing.T, ctx context.Context) {
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			t.Logf("page exception: %s (%s:%d)", msg, d.URL, d.LineNumber+1)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				t.Logf("console.%s: %s", ev.Type, strings.Join(parts, " "))
			}
		}
	})
	if err != nil {
		t.Fatalf("listen to the page: %v", err)
	}
}

// shotDir is where screenshots go: $RMS_SHOTS, or rms-shots in the temp folder.
func shotDir() string {
	if d := os.Getenv("RMS_SHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "rms-shots")
}

// shot saves a screenshot of the page as NAME.png and logs where.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := shotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot dir: %v", err)
		return
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", p)
}

// waitFor polls cond every 50 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pageStepTimeout bounds one browser step; a loaded test machine is slow.
const pageStepTimeout = 40 * time.Second

// pageDo runs browser steps; on failure it saves the screenshot failShot
// and fails the test.
func pageDo(t *testing.T, ctx context.Context, failShot string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, pageStepTimeout)
	defer cancel()
	err := chromedp.Do(c, steps...)
	// A live page may redraw between chromedp finding a node and acting on
	// it (a ticket arrives, a list re-renders): the node is gone before
	// anything was dispatched to it, so one step alone is safe to try again
	// on the new node.
	for try := 0; err != nil && len(steps) == 1 && try < 3 && strings.Contains(err.Error(), "Could not find node with given id"); try++ {
		err = chromedp.Do(c, steps...)
	}
	if err != nil {
		shot(t, ctx, failShot)
		t.Fatalf("chromedp: %v", err)
	}
}

// pageEval evaluates a JavaScript expression in the page, awaiting it when
// it is a promise, and returns its value; on failure it saves failShot.
func pageEval[T any](t *testing.T, ctx context.Context, failShot, expr string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, pageStepTimeout)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		shot(t, ctx, failShot)
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// pageWaitFor polls a JavaScript condition until it holds or d passes. On
// failure it saves failShot and quotes the texts of the elements that
// messages selects (the page's toasts and form errors), which usually say why.
func pageWaitFor(t *testing.T, ctx context.Context, d time.Duration, failShot, messages, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		time.Sleep(50 * time.Millisecond)
	}
	shot(t, ctx, failShot)
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	quoted, _ := json.Marshal(messages)
	msgs, _ := chromedp.Run(c, chromedp.Evaluate[string](`[...document.querySelectorAll(`+string(quoted)+`)].map(e => e.textContent).join(' | ')`))
	t.Fatalf("waiting %v for %s: %s never held (last error %v; messages on the page: %q)", d, what, cond, last, msgs)
}
