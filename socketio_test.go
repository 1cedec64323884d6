package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
