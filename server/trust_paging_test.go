package server

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"rms/store"
)

// TestListPaging is finding 2's other half: long lists come in pages of at
// most 1,000 (one GET of every order took the box to 1.7 GB), newest
// first chosen, each page oldest first, with a Link to the next (older)
// page; every page carries its X-Seq, and following the pages gives every
// order exactly once.
func TestListPaging(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	var ids []int64
	for i := 0; i < 7; i++ {
		ids = append(ids, ts.order(t, ts.waiter, tableID, itemID, 1).ID)
		ts.must(t, 201, "POST", "/api/payments", ts.waiter, map[string]any{"table_id": tableID, "method": "cash", "amount_cents": 1, "tip_cents": 0}, nil)
	}
	next := regexp.MustCompile(`^<(/api/[^>]+)>; rel="next"$`)
	for _, list := range []string{"/api/orders?limit=3", "/api/payments?limit=3"} {
		var got []int64
		path, pages := list, 0
		for path != "" {
			r := ts.do(t, "GET", path, ts.admin, nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s status %d (%s)", path, r.status, r.body)
			}
			if list == "/api/orders?limit=3" {
				if _, err := strconv.ParseInt(r.header.Get("X-Seq"), 10, 64); err != nil {
					t.Errorf("GET %s X-Seq = %q; want a number on every page", path, r.header.Get("X-Seq"))
				}
			}
			var page []struct{ ID int64 }
			r.decode(t, &page)
			for i := 1; i < len(page); i++ {
				if page[i].ID <= page[i-1].ID {
					t.Errorf("GET %s ids %v; want oldest first", path, page)
				}
			}
			for i := len(page) - 1; i >= 0; i-- {
				got = append([]int64{page[i].ID}, got...)
			}
			path = ""
			if m := next.FindStringSubmatch(r.header.Get("Link")); m != nil {
				path = m[1]
			}
			if pages++; pages > 5 {
				t.Fatalf("%s: more than 5 pages", list)
			}
		}
		if len(got) != 7 || pages != 3 {
			t.Errorf("%s: %d items in %d pages (%v); want 7 in 3", list, len(got), pages, got)
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Errorf("%s: ids across pages %v; want each once, rising", list, got)
			}
		}
	}
	// A limit above the page size is served as a page of 1,000; a bad one is 422.
	expectFields(t, "limit 0", ts.do(t, "GET", "/api/orders?limit=0", ts.admin, nil), "limit")
	expectFields(t, "before_id x", ts.do(t, "GET", "/api/orders?before_id=x", ts.admin, nil), "before_id")
	var all []store.Order
	ts.must(t, 200, "GET", "/api/orders?limit=50000", ts.admin, nil, &all)
	if len(all) != 7 || fmt.Sprint(all[0].ID) != fmt.Sprint(ids[0]) {
		t.Errorf("limit 50000 = %d orders; want all 7", len(all))
	}
}

// TestAuditPaging: the audit log, newest first, pages the same way: each
// page's Link continues with older entries, and following them gives every
// entry of the order's story exactly once.
func TestAuditPaging(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tableID, itemID, _ := ts.seedMenu(t)
	o := ts.order(t, ts.waiter, tableID, itemID, 1)
	for _, status := range []string{"preparing", "ready", "served"} {
		ts.must(t, 200, "PATCH", fmt.Sprintf("/api/orders/%d/status", o.ID), ts.admin, map[string]any{"status": status}, nil)
	}
	var whole []store.AuditEntry
	ts.must(t, 200, "GET", fmt.Sprintf("/api/audit?order_id=%d", o.ID), ts.admin, nil, &whole)
	if len(whole) < 4 {
		t.Fatalf("order %d has %d audit entries; want at least 4 (created and three steps)", o.ID, len(whole))
	}
	next := regexp.MustCompile(`^<(/api/[^>]+)>; rel="next"$`)
	var got []int64
	path, pages := fmt.Sprintf("/api/audit?order_id=%d&limit=2", o.ID), 0
	for path != "" {
		r := ts.do(t, "GET", path, ts.admin, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s status %d (%s)", path, r.status, r.body)
		}
		var page []store.AuditEntry
		r.decode(t, &page)
		for _, e := range page {
			if e.OrderID == nil || *e.OrderID != o.ID {
				t.Errorf("GET %s gave an entry of another order: %+v", path, e)
			}
			got = append(got, e.ID)
		}
		path = ""
		if m := next.FindStringSubmatch(r.header.Get("Link")); m != nil {
			path = m[1]
		}
		if pages++; pages > len(whole) {
			t.Fatalf("more pages than entries")
		}
	}
	if len(got) != len(whole) || pages != (len(whole)+1)/2+boolInt(len(whole)%2 == 0) {
		t.Errorf("paged %d entries in %d pages; want %d", len(got), pages, len(whole))
	}
	for i := range got {
		if i < len(whole) && got[i] != whole[i].ID {
			t.Fatalf("paged ids %v; want %v (newest first, each once)", got, whole)
		}
	}
	expectFields(t, "before_id 0", ts.do(t, "GET", "/api/audit?before_id=0", ts.admin, nil), "before_id")
}

// boolInt is 1 for true: a full last page links to one more (empty) page.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
