package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// socketIOTestDir holds the Node tests of the Socket.IO endpoint and the
// real socket.io-client 4 they use (a test tool: .ci/run installs it with
// npm ci; the build never needs it).
const socketIOTestDir = "testdata/socketio"

// nodeWithSocketIO returns the node binary, or skips the test when node or
// the installed client is missing (outside CI, where it must be there).
func nodeWithSocketIO(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; .ci/run installs it", why)
		}
		t.Skipf("%s (apt-get install nodejs npm; npm ci --prefix %s)", why, socketIOTestDir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(socketIOTestDir, "node_modules", "socket.io-client", "package.json")); err != nil {
		missing("socket.io-client is not installed in " + socketIOTestDir)
	}
	return node
}

// TestSocketIOClients runs each Node test file of testdata/socketio (node
// --test, the real socket.io-client 4) against a demo box of its own. The
// files reach the box at $BOX and ask for a restart at $BOX_CONTROL/restart,
// which this test performs on its own goroutine.
func TestSocketIOClients(t *testing.T) {
	node := nodeWithSocketIO(t)
	files, err := filepath.Glob(filepath.Join(socketIOTestDir, "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Node tests in %s: %v", socketIOTestDir, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".test.mjs")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			box := startBox(t, boxOptions{Demo: true})
			restarts := make(chan chan struct{})
			control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/restart" {
					http.NotFound(w, r)
					return
				}
				done := make(chan struct{})
				select {
				case restarts <- done:
				case <-r.Context().Done():
					return
				}
				<-done
			}))
			defer control.Close()

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", filepath.Base(file))
			cmd.Dir = socketIOTestDir
			cmd.Env = append(os.Environ(), "BOX="+box.API, "BOX_CONTROL="+control.URL, "NO_COLOR=1")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatalf("start node: %v", err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			var err error
			for {
				select {
				case done := <-restarts:
					box.Restart(t)
					close(done)
					continue
				case err = <-exited:
				}
				break
			}
			t.Logf("node --test %s:\n%s", filepath.Base(file), out.String())
			if err != nil {
				t.Fatalf("node --test %s failed: %v (its report is above)", filepath.Base(file), err)
			}
		})
	}
}

// TestDocsSocketIOExamples runs the manual's Socket.IO clients (the node
// blocks of docs/realtime.md, the seed's desktop app, table PWA and kitchen
// display) with Node.js and socket.io-client 4 against a demo box, and
// checks that each prints what the box pushes to it. Each runs as written,
// with the box's address for rms.local:8080 and the names the seed's apps
// had at hand (localStorage with a token, customerToken and tableId,
// chefToken) defined before it; a line after it logs "subscribed" once the
// box has answered a later request, which proves the snippet's subscribe
// was taken.
func TestDocsSocketIOExamples(t *testing.T) {
	node := nodeWithSocketIO(t)
	t.Parallel()
	blocks, _ := docBlocks(t, filepath.Join("docs", "realtime.md"))
	examples := map[string]string{}
	for _, b := range blocks {
		if b.Lang != "node" {
			continue
		}
		first, _, _ := strings.Cut(b.Text, "\n")
		kind, _, _ := strings.Cut(strings.TrimPrefix(first, "// "), ":")
		examples[kind] = b.Text
	}
	if len(examples) != 3 || examples["desktop"] == "" || examples["pwa"] == "" || examples["kds"] == "" {
		t.Fatalf("docs/realtime.md node blocks %v; want desktop, pwa and kds", len(examples))
	}
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	customer := box.PairTable(t, waiter, 3)

	// The snippets import socket.io-client from a folder of their own
	// that sees the test tool's node_modules.
	dir := t.TempDir()
	modules, err := filepath.Abs(filepath.Join(socketIOTestDir, "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	preludes := map[string]string{
		"desktop": fmt.Sprintf("globalThis.localStorage = { getItem: (k) => (k === 'token' ? %q : null) };\n", waiter),
		"pwa":     fmt.Sprintf("const customerToken = %q;\nconst tableId = 3;\n", customer),
		"kds":     fmt.Sprintf("const chefToken = %q;\n", chef),
	}
	logs := map[string]*lockedLines{}
	for kind, src := range examples {
		src = strings.ReplaceAll(src, "http://rms.local:8080", box.API)
		src = preludes[kind] + src + "\nsocket.on('connect', () => socket.emitWithAck('subscribe:menu').then(() => console.log('subscribed')));\n"
		file := filepath.Join(dir, kind+".mjs")
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, node, file)
		cmd.Dir = dir
		out := &lockedLines{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start node %s: %v", kind, err)
		}
		logs[kind] = out
		t.Cleanup(func() {
			cancel() // kills this process only
			cmd.Wait()
			t.Logf("%s example printed:\n%s", kind, out.String())
		})
	}
	want := func(kind, line string) {
		t.Helper()
		waitFor(t, 20*time.Second, kind+" example to print "+line, func() bool { return logs[kind].has(line) })
	}
	for kind := range examples {
		want(kind, "subscribed")
	}
	var o struct {
		ID    int64
		Items []struct {
			Name     string
			Quantity int
		}
	}
	box.DoJSON(t, "POST", "/api/orders", customer, map[string]any{"table_id": 3, "items": []map[string]any{{"menu_item_id": 6, "quantity": 2, "notes": ""}}}, http.StatusCreated, &o)
	want("desktop", fmt.Sprintf("new order %d for table 3", o.ID))
	want("kds", fmt.Sprintf("ticket %d: 2x %s", o.ID, o.Items[0].Name))
	// A guest's order waits for a waiter's confirmation (or is confirmed
	// at once): either way the kitchen starts it, and the iPad follows.
	var placed struct{ Status string }
	box.DoJSON(t, "GET", fmt.Sprintf("/api/orders/%d", o.ID), waiter, nil, http.StatusOK, &placed)
	if placed.Status == "pending" {
		box.DoJSON(t, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), waiter, map[string]string{"status": "confirmed"}, http.StatusOK, nil)
		want("pwa", fmt.Sprintf("order %d is confirmed", o.ID))
	}
	box.DoJSON(t, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), chef, map[string]string{"status": "preparing"}, http.StatusOK, nil)
	want("pwa", fmt.Sprintf("order %d is preparing", o.ID))
}

// lockedLines collects a process's output for a test to read meanwhile.
type lockedLines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lockedLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *lockedLines) has(line string) bool {
	for _, l := range strings.Split(l.String(), "\n") {
		if l == line {
			return true
		}
	}
	return false
}
