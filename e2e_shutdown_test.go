package main

// The shutdown test: the contract says every socket gets 1001 going away
// when the box stops, so a screen can tell a restart (reconnect quietly)
// from a network failure. The real binary is stopped with SIGTERM, again
// and again, while idle screens wait and busy ones are receiving events.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rms/store"
)

var shutdownRounds = flag.Int("shutdown.rounds", 50, "SIGTERMs in TestShutdownGoingAway")

func TestShutdownGoingAway(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and stops the real binary many times; skipped with -short")
	}
	bin := buildRMS(t)
	dir, port := t.TempDir(), freeLoopbackPort(t)
	proc, _ := startRMS(t, bin, dir, port)
	api := proc.api
	var admin struct{ Token string }
	crashMustCall(t, "POST", api+"/api/auth/login", "", map[string]string{"username": "admin", "password": crashAdminPassword}, 200, &admin)
	tok := admin.Token // signed with the data folder's secret: good across restarts
	var cat store.Category
	crashMustCall(t, "POST", api+"/api/menu/categories", tok, map[string]any{"name": "Mains"}, 201, &cat)
	var item store.Item
	crashMustCall(t, "POST", api+"/api/menu/items", tok, map[string]any{"category_id": cat.ID, "name": "Lasagne", "price_cents": 1250}, 201, &item)
	var tb store.Table
	crashMustCall(t, "POST", api+"/api/tables", tok, map[string]any{"name": "T1", "seats": 4}, 201, &tb)
	order := store.NewOrder{TableID: tb.ID, Items: []store.NewOrderItem{{MenuItemID: item.ID, Quantity: 1}}}

	for round := 1; round <= *shutdownRounds; round++ {
		if round > 1 {
			proc, _ = startRMS(t, bin, dir, port)
		}
		shutdownRound(t, proc, tok, order, round)
		if t.Failed() {
			return
		}
	}
}

// shutdownRound connects idle and busy screens to a running box, stops it
// with SIGTERM while orders flow, and checks that every screen got 1001
// and the process exited cleanly.
func shutdownRound(t *testing.T, proc *rmsProc, tok string, order store.NewOrder, round int) {
	t.Helper()
	const idle, busy = 3, 3
	type screen struct {
		name string
		got  chan struct{} // closed at the first event (busy screens)
		end  chan error    // what ended the connection
	}
	var screens []*screen
	for i := 0; i < idle+busy; i++ {
		room := "menu" // no menu changes in this test: an idle screen
		if i >= idle {
			room = "kds"
		}
		s := &screen{name: fmt.Sprintf("%s screen %d", room, i), got: make(chan struct{}), end: make(chan error, 1)}
		c := dialSubscribed(t, proc.api, tok, room)
		go func() {
			first := true
			for {
				_, raw, err := c.Read(context.Background())
				if err != nil {
					s.end <- err
					return
				}
				var f struct{ Event string }
				json.Unmarshal(raw, &f)
				if first && f.Event == "order:created" {
					first = false
					close(s.got)
				}
			}
		}()
		screens = append(screens, s)
	}

	// Orders keep coming until the box is gone.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, _, err := crashCall(client, "POST", proc.api+"/api/orders", tok, order, nil); err != nil {
					return
				}
			}
		}()
	}
	for _, s := range screens[idle:] {
		select {
		case <-s.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: %s got no order within 10 s", round, s.name)
		}
	}

	if err := proc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	for _, s := range screens {
		select {
		case err := <-s.end:
			if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
				t.Errorf("round %d: %s ended with %v (close code %d); want 1001 going away", round, s.name, err, code)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("round %d: %s still open 15 s after SIGTERM", round, s.name)
		}
	}
	select {
	case <-proc.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("round %d: rms still running 15 s after SIGTERM", round)
	}
	if code := proc.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("round %d: rms exit code %d after SIGTERM; want 0", round, code)
	}
	close(stop)
	wg.Wait()
}

// dialSubscribed opens /ws with the token on the upgrade and subscribes to
// room, returning once the subscription is acknowledged.
func dialSubscribed(t *testing.T, api, tok, room string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+api[len("http"):]+"/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}},
	})
	if err != nil {
		t.Fatalf("dial /ws: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	sub, _ := json.Marshal(map[string]any{"event": "subscribe:" + room, "id": 1})
	if err := c.Write(ctx, websocket.MessageText, sub); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	for {
		_, raw, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for the ack of subscribe:%s: %v", room, err)
		}
		var f struct {
			Event string
			ID    json.RawMessage
		}
		json.Unmarshal(raw, &f)
		if f.Event == "ack" && string(f.ID) == "1" {
			return c
		}
		if f.Event == "error" {
			t.Fatalf("subscribe:%s: %s", room, raw)
		}
	}
}
