package server

import (
	"fmt"
	"net/http"
	"testing"

	"rms/store"
)

// TestDeletedUserTokenDiesWithIt is finding 1 of the attack: a fired
// waiter's token must not come back as the next user (an admin) created
// after the waiter was deleted, neither through a request nor a refresh.
func TestDeletedUserTokenDiesWithIt(t *testing.T) {
	ts := newTestServer(t)
	var fired store.User
	ts.must(t, 201, "POST", "/api/users", ts.admin, map[string]any{"username": "fired", "role": "waiter", "password": "fired123"}, &fired)
	old := ts.login(t, "fired", "fired123")
	ts.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d", fired.ID), ts.admin, nil, nil)

	var boss store.User
	ts.must(t, 201, "POST", "/api/users", ts.admin, map[string]any{"username": "boss", "role": "admin", "password": "boss1234"}, &boss)
	if boss.ID == fired.ID {
		t.Errorf("new user id = %d; want never the deleted user's %d", boss.ID, fired.ID)
	}
	for _, probe := range []struct{ method, path string }{
		{"GET", "/api/users"}, {"GET", "/api/auth/me"}, {"POST", "/api/auth/refresh"},
	} {
		if r := ts.do(t, probe.method, probe.path, old, nil); r.status != http.StatusUnauthorized {
			t.Errorf("deleted waiter's token: %s %s status = %d (%s); want 401", probe.method, probe.path, r.status, r.body)
		}
	}
}

// TestTokenBoundToRowKey: a token carries its row's random key, so one
// signed for the same id and version but another row (a restored older
// database, a row made again) is refused.
func TestTokenBoundToRowKey(t *testing.T) {
	ts := newTestServer(t)
	u, err := ts.store.User(t.Context(), secUserID(t, ts, "ana"))
	if err != nil {
		t.Fatalf("User() err = %v", err)
	}
	if u.TokenKey == "" {
		t.Fatalf("new user's TokenKey is empty; want a random key")
	}
	forged := u
	forged.TokenKey = "another-row"
	tok, _, err := ts.srv.staffToken(forged)
	if err != nil {
		t.Fatal(err)
	}
	if r := ts.do(t, "GET", "/api/auth/me", tok, nil); r.status != http.StatusUnauthorized {
		t.Errorf("token with another row's key: status = %d; want 401", r.status)
	}
	good, _, _ := ts.srv.staffToken(u)
	if r := ts.do(t, "GET", "/api/auth/me", good, nil); r.status != http.StatusOK {
		t.Errorf("token with the row's key: status = %d (%s); want 200", r.status, r.body)
	}

	tableID, _, _ := ts.seedMenu(t)
	cust := ts.pair(t, tableID)
	bind, err := ts.store.TableToken(t.Context(), tableID)
	if err != nil || bind.Key == "" {
		t.Fatalf("TableToken() = %+v, %v; want a key", bind, err)
	}
	bind.Key = "another-table"
	ftok, _, _ := ts.srv.customerToken(tableID, bind)
	if r := ts.do(t, "GET", "/api/auth/me", ftok, nil); r.status != http.StatusUnauthorized {
		t.Errorf("customer token with another table's key: status = %d; want 401", r.status)
	}
	if r := ts.do(t, "GET", "/api/auth/me", cust, nil); r.status != http.StatusOK {
		t.Errorf("paired token: status = %d; want 200", r.status)
	}
}
