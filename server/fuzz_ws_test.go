package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rms/hub"
	"rms/store"
)

// fuzzBox is a box for a fuzz target: testServer needs a *testing.T, and a
// fuzz target's box must outlive every input.
type fuzzBox struct {
	url, token string
}

func newFuzzBox(f *testing.F) *fuzzBox {
	f.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(f.TempDir(), "rms.db"), store.Options{BcryptCost: 4})
	if err != nil {
		f.Fatalf("store.Open() err = %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := hub.New(hub.Options{Logger: log})
	secret := make([]byte, 32)
	rand.Read(secret)
	srv, err := New(Options{Store: st, Hub: h, Assets: testAssets, Logger: log, Secret: secret, Version: "fuzz"})
	if err != nil {
		f.Fatalf("New() err = %v", err)
	}
	if err := Relay(ctx, st, h); err != nil {
		f.Fatalf("Relay() err = %v", err)
	}
	hs := httptest.NewServer(srv)
	f.Cleanup(func() { hs.Close(); h.Close(); st.Close() })
	u, err := st.CreateUser(ctx, store.NewUser{Username: "admin", Role: store.RoleAdmin, Password: "admin123"})
	if err != nil {
		f.Fatal(err)
	}
	name, seats := "T1", int64(4)
	if _, err := st.CreateTable(ctx, store.TableInput{Name: &name, Seats: &seats}); err != nil {
		f.Fatal(err)
	}
	tok, _, err := srv.staffToken(u)
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzBox{url: hs.URL, token: tok}
}

// FuzzWSMessage sends arbitrary client frames to /ws on a connection that
// authenticated with a header. Whatever the frame, the box must answer
// only with JSON frames that name an event, close (if at all) with a code
// of the contract, and keep serving: the next connection still works.
func FuzzWSMessage(f *testing.F) {
	for _, seed := range []string{
		`{"event":"subscribe:orders","id":1}`,
		`{"event":"subscribe:table","id":2,"data":{"table_id":1,"since":0}}`,
		`{"event":"subscribe:kds","data":{"since":-1}}`,
		`{"event":"unsubscribe:table","id":"x","data":{"table_id":1}}`,
		`{"event":"auth","id":3,"data":{"token":"nope"}}`,
		`{"event":"auth","data":null}`,
		`{"event":"ping","id":{"deep":[1,2,3]}}`,
		`{"event":"subscribe:menu","data":{"since":1e30,"epoch":"x"}}`,
		`{"event":""}`,
		`[]`,
		`null`,
		`{"event":"subscribe:table","data":{"table_id":9223372036854775807}}`,
		"{\"event\":\"subscribe:menu\",\"id\":1}\x00",
	} {
		f.Add([]byte(seed))
	}
	box := newFuzzBox(f)
	wsURL := "ws" + strings.TrimPrefix(box.url, "http") + "/ws"
	dial := func(t *testing.T) *websocket.Conn {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + box.token}}})
		if err != nil {
			t.Fatalf("dial /ws: %v (the box stopped serving)", err)
		}
		c.SetReadLimit(8 << 20)
		if ev := readEvent(t, c); ev != "ready" {
			t.Fatalf("first frame %q; want ready", ev)
		}
		return c
	}
	var conn *websocket.Conn
	f.Fuzz(func(t *testing.T, msg []byte) {
		if conn == nil {
			conn = dial(t)
		}
		c := conn
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			conn = nil
			return // closed by an earlier input; checked there
		}
		// A sentinel whose ack marks the end of the answers to msg.
		const sentinel = `{"event":"subscribe:menu","id":987654321}`
		if err := c.Write(ctx, websocket.MessageText, []byte(sentinel)); err != nil {
			conn = nil
			return
		}
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				conn = nil
				code := websocket.CloseStatus(err)
				switch code {
				case websocket.StatusPolicyViolation, websocket.StatusMessageTooBig, wsCodeAuth, wsCodeForbidden:
				default:
					t.Fatalf("after %q the connection ended with %v (code %d); want a close code of the contract", msg, err, code)
				}
				if code == wsCodeAuth && !strings.Contains(string(msg), "auth") {
					t.Errorf("after %q: closed with 4401, but it was not an auth message", msg)
				}
				c.CloseNow()
				break
			}
			if typ != websocket.MessageText {
				t.Fatalf("after %q: a binary frame", msg)
			}
			var fr struct {
				Event string          `json:"event"`
				ID    json.RawMessage `json:"id"`
			}
			if err := json.Unmarshal(data, &fr); err != nil || fr.Event == "" {
				t.Fatalf("after %q the box sent %q: not a JSON frame with an event", msg, data)
			}
			if fr.Event == "ack" && string(fr.ID) == "987654321" {
				break
			}
		}
		// The box still serves: a fresh connection gets ready.
		if conn == nil {
			dial(t).CloseNow()
		}
	})
}

// readEvent reads one frame and returns its event.
func readEvent(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var fr struct{ Event string }
	if err := json.Unmarshal(data, &fr); err != nil {
		t.Fatalf("frame %q: %v", data, errors.Join(err))
	}
	return fr.Event
}

// FuzzWSFirstMessage fuzzes the browser's way in: a socket without an
// Authorization header whose first frame is arbitrary ("TOKEN" in it is
// replaced by a valid admin token, so mutations explore around a real
// auth). The box must either get ready (and then answer requests) or
// close with 4401, 1008 or 1009; nothing else, and never hang.
func FuzzWSFirstMessage(f *testing.F) {
	// The plain auth must get ready: it proves the target reaches past
	// the first frame at all.
	const plainAuth = `{"event":"auth","data":{"token":"TOKEN"}}`
	for _, seed := range []string{
		plainAuth,
		`{"event":"auth","id":1,"data":{"token":"TOKEN","extra":[1,2]}}`,
		`{"event":"auth","data":{"token":"TOKENx"}}`,
		`{"event":"auth","data":{"token":" TOKEN"}}`,
		`{"event":"auth","data":"TOKEN"}`,
		`{"event":"auth","data":{"token":null}}`,
		`{"event":"subscribe:orders","data":{"token":"TOKEN"}}`,
		`{"data":{"token":"TOKEN"}}`,
		`{"event":"AUTH","data":{"token":"TOKEN"}}`,
		`TOKEN`,
	} {
		f.Add([]byte(seed))
	}
	box := newFuzzBox(f)
	wsURL := "ws" + strings.TrimPrefix(box.url, "http") + "/ws"
	f.Fuzz(func(t *testing.T, msg []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, wsURL, nil)
		if err != nil {
			t.Fatalf("dial /ws: %v (the box stopped serving)", err)
		}
		defer c.CloseNow()
		c.SetReadLimit(8 << 20)
		first := []byte(strings.ReplaceAll(string(msg), "TOKEN", box.token))
		if err := c.Write(ctx, websocket.MessageText, first); err != nil {
			return // closed already: a frame over 64 KiB
		}
		// Once ready, this is answered; before, it is a frame that is not
		// auth, so the box closes with 4401.
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"event":"subscribe:menu","id":987654321}`)); err != nil {
			return
		}
		ready := false
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				switch code := websocket.CloseStatus(err); code {
				case wsCodeAuth, websocket.StatusPolicyViolation, websocket.StatusMessageTooBig:
					if ready && code == wsCodeAuth {
						t.Fatalf("first frame %q: ready, then closed with 4401", first)
					}
					if string(msg) == plainAuth {
						t.Fatalf("a valid auth frame: closed with %d; want ready", code)
					}
					return
				default:
					t.Fatalf("first frame %q: the connection ended with %v (code %d); want ready, 4401, 1008 or 1009", first, err, code)
				}
			}
			var fr struct {
				Event string          `json:"event"`
				ID    json.RawMessage `json:"id"`
				Data  struct {
					Role string `json:"role"`
				} `json:"data"`
			}
			if err := json.Unmarshal(data, &fr); err != nil || fr.Event == "" {
				t.Fatalf("first frame %q: the box sent %q, not a JSON frame with an event", first, data)
			}
			switch {
			case fr.Event == "ready":
				if fr.Data.Role != store.RoleAdmin {
					t.Fatalf("first frame %q: ready as %q; want admin", first, fr.Data.Role)
				}
				ready = true
			case fr.Event == "ack" && string(fr.ID) == "987654321":
				if !ready {
					t.Fatalf("first frame %q: a request answered before ready", first)
				}
				return
			}
		}
	})
}
