// Command kds-tail prints the box's kitchen tickets as they happen: the
// open orders first, then every new order and status change, live. It is
// the manual's example of a client without /lib/realtime.js: sign in over
// REST, load with X-Seq, subscribe with since, resume after every drop.
//
//	RMS_PASSWORD=chef123 go run ./docs/examples/kds-tail -box http://rms.local:8080 -user marco
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

type order struct {
	ID        int64  `json:"id"`
	TableName string `json:"table_name"`
	Status    string `json:"status"`
	Items     []struct {
		Name     string `json:"name"`
		Quantity int64  `json:"quantity"`
		Notes    string `json:"notes"`
	} `json:"items"`
}

// frame is one WebSocket message of the box.
type frame struct {
	Event string          `json:"event"`
	Room  string          `json:"room"`
	Seq   int64           `json:"seq"`
	Data  json.RawMessage `json:"data"`
}

// errRevoked means the user was deactivated: no point in trying again.
var errRevoked = errors.New("this user was deactivated (close 4403)")

// errBadLogin means the box refused the username or password.
var errBadLogin = errors.New("wrong username or password")

// statusError is an error answer of the REST API.
type statusError struct {
	Status        int
	Code, Message string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

func main() {
	box := flag.String("box", "http://rms.local:8080", "the box's address")
	user := flag.String("user", "marco", "a chef, waiter or admin; the password comes from RMS_PASSWORD")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c := &client{box: strings.TrimRight(*box, "/"), user: *user, password: os.Getenv("RMS_PASSWORD")}
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		err := c.run(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errRevoked):
			log.Fatal(err)
		case errors.Is(err, errBadLogin):
			log.Fatal(err) // a wrong password stays wrong
		case err != nil:
			log.Printf("%v; reconnecting in %v", err, backoff)
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
		if c.live {
			backoff, c.live = 500*time.Millisecond, false
		}
	}
}

type client struct {
	box, user, password string
	token               string
	since               int64 // seq of the last event seen; 0 until the first load
	epoch               string
	live                bool // the last connection got as far as live
}

// run signs in if needed, loads the open orders on the first pass (or after
// a resync), and follows the kds room until the connection ends.
func (c *client) run(ctx context.Context) error {
	if c.token == "" {
		if err := c.login(ctx); err != nil {
			return err
		}
	}
	if c.since == 0 {
		if err := c.load(ctx); err != nil {
			return err
		}
	}
	// A program is not a browser: the token may go in the upgrade request.
	wsURL := "ws" + strings.TrimPrefix(c.box, "http") + "/ws"
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + c.token}},
	})
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	// Subscribing right away is fine: the box reads it after ready.
	sub, _ := json.Marshal(map[string]any{"event": "subscribe:kds", "id": 1, "data": map[string]any{"since": c.since, "epoch": c.epoch}})
	if err := conn.Write(ctx, websocket.MessageText, sub); err != nil {
		return err
	}
	for {
		_, raw, err := conn.Read(ctx)
		switch websocket.CloseStatus(err) {
		case -1:
		case 4401: // token expired or refused: sign in again, then resume
			c.token = ""
			return fmt.Errorf("signed out (close 4401)")
		case 4403:
			return errRevoked
		default: // 1001 restart, 4408 too slow, ...: resume with since
			return fmt.Errorf("connection closed: %w", err)
		}
		if err != nil {
			return err
		}
		var f frame
		if err := json.Unmarshal(raw, &f); err != nil {
			return err
		}
		switch f.Event {
		case "ready":
			var r struct{ Epoch string }
			json.Unmarshal(f.Data, &r)
			if c.epoch != "" && r.Epoch != c.epoch {
				// Another event log (a restored database): old seqs mean
				// nothing; the subscription we sent gets resync.
				c.since = 0
			}
			c.epoch = r.Epoch
		case "ack":
			c.live = true
			fmt.Printf("live from seq %d\n", c.since)
		case "resync":
			fmt.Println("resync: reloading the open orders")
			c.since = 0
			return c.load(ctx) // and reconnect to subscribe from the new X-Seq
		case "error":
			return fmt.Errorf("the box refused: %s", f.Data)
		case "order:created", "order:updated", "order:cancelled":
			var o order
			if err := json.Unmarshal(f.Data, &o); err != nil {
				return err
			}
			c.since = f.Seq
			if f.Event == "order:created" {
				fmt.Printf("new order %d for %s: %s\n", o.ID, o.TableName, lines(o))
			} else {
				fmt.Printf("order %d for %s is %s\n", o.ID, o.TableName, o.Status)
			}
		}
	}
}

// login trades the user's password for a token.
func (c *client) login(ctx context.Context) error {
	body, _ := json.Marshal(map[string]string{"username": c.user, "password": c.password})
	var out struct{ Token string }
	if _, err := c.do(ctx, "POST", "/api/auth/login", body, &out); err != nil {
		var se *statusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			return fmt.Errorf("sign in as %s: %w", c.user, errBadLogin)
		}
		return fmt.Errorf("sign in: %w", err)
	}
	c.token = out.Token
	return nil
}

// load prints the open orders and remembers the seq they are current as of.
func (c *client) load(ctx context.Context) error {
	var orders []order
	h, err := c.do(ctx, "GET", "/api/orders?active=true", nil, &orders)
	if err != nil {
		return fmt.Errorf("load orders: %w", err)
	}
	seq, err := strconv.ParseInt(h.Get("X-Seq"), 10, 64)
	if err != nil {
		return fmt.Errorf("load orders: X-Seq %q: %v", h.Get("X-Seq"), err)
	}
	for _, o := range orders {
		fmt.Printf("open order %d for %s (%s): %s\n", o.ID, o.TableName, o.Status, lines(o))
	}
	c.since = seq
	return nil
}

func (c *client) do(ctx context.Context, method, path string, body []byte, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.box+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error statusError }
		json.NewDecoder(resp.Body).Decode(&e)
		e.Error.Status = resp.StatusCode
		if resp.StatusCode == http.StatusUnauthorized {
			c.token = ""
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, &e.Error)
	}
	return resp.Header, json.NewDecoder(resp.Body).Decode(out)
}

func lines(o order) string {
	var parts []string
	for _, it := range o.Items {
		s := fmt.Sprintf("%d× %s", it.Quantity, it.Name)
		if it.Notes != "" {
			s += " (" + it.Notes + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
