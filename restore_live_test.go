package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestFrontDoor: while a restore swaps the database, every request is
// answered 503 in the API's envelope with Retry-After, and none reaches a
// server; the restore waits for the requests in flight but its own; then
// the new server answers.
func TestFrontDoor(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	old := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		w.Write([]byte("old"))
	})
	f := newFrontDoor(old)

	slowDone := make(chan struct{})
	go func() {
		defer close(slowDone)
		f.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/slow", nil))
	}()
	<-entered
	f.shutDoor()

	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, httptest.NewRequest("GET", "/api/orders", nil))
	var env struct {
		Error struct{ Code, Message string }
	}
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
		json.Unmarshal(rec.Body.Bytes(), &env) != nil || env.Error.Code != "unavailable" || env.Error.Message == "" {
		t.Fatalf("request during a restore = %d %q %s; want 503 with Retry-After in the error envelope", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	// One request is in flight: waiting for none gives up, waiting for
	// one (the restore's own) does not wait.
	if f.waitIdle(0, 50*time.Millisecond) {
		t.Fatal("waitIdle(0) = true with a request in flight")
	}
	if !f.waitIdle(1, time.Minute) {
		t.Fatal("waitIdle(1) = false with one request in flight")
	}
	close(release)
	<-slowDone
	if !f.waitIdle(0, time.Minute) {
		t.Fatal("waitIdle(0) = false after the request finished")
	}

	f.open(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("new")) }))
	rec = httptest.NewRecorder()
	f.ServeHTTP(rec, httptest.NewRequest("GET", "/api/orders", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "new" {
		t.Fatalf("after the restore = %d %q; want the new server's answer", rec.Code, rec.Body)
	}
}
