package server

import (
	"encoding/json"
	"fmt"
	"mime"
	"strings"
	"sync"
	"testing"
	"time"

	"rms/store"
)

// clock is a time source a test moves by hand; the store and the server
// share it through testOptions.now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// envelope is the contract's error body.
type envelope struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// expectError fails unless r is status with the contract's error envelope
// of code, as JSON, and returns the envelope.
func expectError(t *testing.T, what string, r response, status int, code string) envelope {
	t.Helper()
	var e envelope
	if r.status != status {
		t.Errorf("%s status = %d (%s); want %d", what, r.status, r.body, status)
		return e
	}
	if ct, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); ct != "application/json" {
		t.Errorf("%s Content-Type = %q; want application/json", what, r.header.Get("Content-Type"))
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("%s body = %s; want an error envelope with code %q and a message", what, r.body, code)
	}
	return e
}

// expectFields fails unless r is a 422 whose fields name exactly want.
func expectFields(t *testing.T, what string, r response, want ...string) {
	t.Helper()
	e := expectError(t, what, r, 422, "validation_failed")
	if r.status != 422 {
		return
	}
	for _, f := range want {
		if e.Error.Fields[f] == "" {
			t.Errorf("%s fields = %v; want %q named", what, e.Error.Fields, f)
		}
	}
	if len(e.Error.Fields) != len(want) {
		t.Errorf("%s fields = %v; want exactly %v", what, e.Error.Fields, want)
	}
}

// expectNoEvents fails when the outbox holds anything after seq.
func expectNoEvents(t *testing.T, ts *testServer, what string, after int64) {
	t.Helper()
	if evs := ts.events(t, after); len(evs) > 0 {
		t.Errorf("%s emitted %s; want nothing", what, eventNames(evs))
	}
	if seq := ts.lastSeq(t); seq != after {
		t.Errorf("%s moved the seq from %d to %d; want no change", what, after, seq)
	}
}

// wantEvent is one expected outbox row: its name, its rooms (in order) and
// a check of its payload.
type wantEvent struct {
	name  string
	rooms []string
	data  func(t *testing.T, raw json.RawMessage)
}

// expectEvents fails unless the outbox after seq holds exactly want, in
// order, and returns the newest seq.
func expectEvents(t *testing.T, ts *testServer, what string, after int64, want ...wantEvent) int64 {
	t.Helper()
	evs := ts.events(t, after)
	if len(evs) != len(want) {
		t.Errorf("%s emitted %s; want %d events", what, eventNames(evs), len(want))
		return ts.lastSeq(t)
	}
	for i, w := range want {
		e := evs[i]
		if e.Name != w.name || strings.Join(e.Rooms, " ") != strings.Join(w.rooms, " ") {
			t.Errorf("%s event %d = %s to %v; want %s to %v", what, i, e.Name, e.Rooms, w.name, w.rooms)
		}
		if e.Seq != after+int64(i)+1 {
			t.Errorf("%s event %d seq = %d; want %d", what, i, e.Seq, after+int64(i)+1)
		}
		if w.data != nil {
			w.data(t, e.Data)
		}
	}
	return ts.lastSeq(t)
}

func eventNames(evs []store.Event) string {
	var names []string
	for _, e := range evs {
		names = append(names, fmt.Sprintf("%s%v", e.Name, e.Rooms))
	}
	return "[" + strings.Join(names, " ") + "]"
}

func orderRoomsOf(tableID int64) []string {
	return []string{"orders", "kds", fmt.Sprintf("table:%d", tableID)}
}

func tableRoomsOf(tableID int64) []string {
	return []string{"tables", fmt.Sprintf("table:%d", tableID)}
}

// decodeAs unmarshals raw into a T, failing the test on error.
func decodeAs[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// orderData checks an order event's payload is order id in status.
func orderData(id int64, status string) func(*testing.T, json.RawMessage) {
	return func(t *testing.T, raw json.RawMessage) {
		t.Helper()
		o := decodeAs[store.Order](t, raw)
		if o.ID != id || o.Status != status || len(o.Items) == 0 {
			t.Errorf("order event data = %s; want order %d %s with its lines", raw, id, status)
		}
	}
}

// tableData checks a table event's payload is table id in status.
func tableData(id int64, status string) func(*testing.T, json.RawMessage) {
	return func(t *testing.T, raw json.RawMessage) {
		t.Helper()
		tb := decodeAs[store.Table](t, raw)
		if tb.ID != id || tb.Status != status || tb.Name == "" {
			t.Errorf("table event data = %s; want table %d %s", raw, id, status)
		}
	}
}

// order places an order of qty × item at table as token and returns it.
func (ts *testServer) order(t testing.TB, token string, tableID, itemID, qty int64) store.Order {
	t.Helper()
	var o store.Order
	ts.must(t, 201, "POST", "/api/orders", token, map[string]any{"table_id": tableID, "items": []map[string]any{{"menu_item_id": itemID, "quantity": qty}}}, &o)
	return o
}

// newTable adds a table named name and returns its id.
func (ts *testServer) newTable(t testing.TB, name string) int64 {
	t.Helper()
	var tb store.Table
	ts.must(t, 201, "POST", "/api/tables", ts.admin, map[string]any{"name": name, "seats": 2}, &tb)
	return tb.ID
}
