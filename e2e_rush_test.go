package main

// Built for the rush (issue 22): what the three screens do when the room is
// full, in Chromium at the sizes each screen really has. One box and one
// browser per test; each screen is a tab with its own viewport.

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestRushPayingIsNotCooking: a table pays by card before its carbonara is
// started. The ticket stays on the kitchen TV (1920x1080), marked paid; the
// manager's laptop (1440x900) keeps the order with a "Paid" mark and says
// the settled table still waits for food; serving it makes it paid, takes
// it off the board and sends the table to cleaning.
func TestRushPayingIsNotCooking(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)

	kds := newBrowser(t, 1920, 1080)
	kdsRun(t, kds, chromedp.Navigate(box.URL+"/kds"))
	kdsSignIn(t, kds, "marco", "chef123")
	kdsWait(t, kds, "live board", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected'`)

	staff := newTab(t, kds, 1440, 900)
	staffRun(t, staff, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, staff, "admin", "admin123")
	staffWait(t, staff, "the app shell", `!document.getElementById('shell').hidden && document.getElementById('conn').dataset.state === 'connected'`)

	o := kdsPlace(t, box, waiter, 3, "", kdsLine{menu["Spaghetti carbonara"], 2, "NUT ALLERGY"})
	kdsWait(t, kds, "the new ticket", kdsTicket(o.ID))
	bill := staffBill(t, box.Do, waiter, 3)
	kdsDo(t, box, waiter, http.MethodPost, "/api/payments", map[string]any{"table_id": 3, "method": "card", "amount_cents": bill.DueCents}, http.StatusCreated, nil)

	// The kitchen keeps the ticket, still NEW, marked paid; it never left.
	kdsWait(t, kds, "ticket marked paid", `document.querySelector('`+kdsTicketSel(o.ID)+` .t-paid')?.textContent === 'PAID'`)
	if st := kdsString(t, kds, `document.querySelector('`+kdsTicketSel(o.ID)+`').dataset.status`); st != "confirmed" {
		t.Errorf("ticket status after paying = %q; want confirmed", st)
	}
	shot(t, kds, "rush-paid-ticket-kds-1920")

	// The manager's orders list keeps it, marked paid, without "Take payment".
	staffGo(t, staff, "#/orders")
	card := fmt.Sprintf(`.order[data-order-id="%d"]`, o.ID)
	staffWait(t, staff, "paid order still listed", `document.querySelector('`+card+` .paid-chip')?.textContent === 'Paid'`)
	shot(t, staff, "rush-paid-order-staff-1440")
	staffGo(t, staff, "#/table/3/bill")
	staffWait(t, staff, "settled bill, nothing due", `document.querySelector('.pay .settled')?.textContent === 'Nothing is due.'`)

	// Cook it; it stays on the board until it is served.
	kdsClick(t, kds, kdsTicketSel(o.ID)+" .act-start")
	kdsWaitOrder(t, box, chef, o.ID, "preparing", func(x kdsOrderBody) bool { return x.Status == "preparing" })
	kdsClick(t, kds, kdsTicketSel(o.ID)+" .act-bump")
	kdsWaitOrder(t, box, chef, o.ID, "ready", func(x kdsOrderBody) bool { return x.Status == "ready" })
	kdsWait(t, kds, "paid order at the pass", `!!document.querySelector('#pass .chip[data-id="`+fmt.Sprint(o.ID)+`"]')`)
	kdsDo(t, box, waiter, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), map[string]string{"status": "served"}, http.StatusOK, nil)
	kdsWaitOrder(t, box, chef, o.ID, "paid once served", func(x kdsOrderBody) bool { return x.Status == "paid" })
	kdsWait(t, kds, "gone from the pass and the board", `!`+kdsTicket(o.ID)+` && !document.querySelector('#pass .chip[data-id="`+fmt.Sprint(o.ID)+`"]')`)
	staffGo(t, staff, "#/floor")
	staffWait(t, staff, "table cleaning once served", `document.querySelector('.tile[data-table-id="3"]')?.dataset.status === 'cleaning'`)
}

// TestRushKitchenBoard is the kitchen TV at 1920x1080 during a rush: a
// cancelled ticket stays, marked, with its reason, past any timer and
// across a reload, until a cook clears it by tap or by key.
func TestRushKitchenBoard(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	menu := kdsMenu(t, box, waiter)

	kds := newBrowser(t, 1920, 1080)
	kdsRun(t, kds, chromedp.Navigate(box.URL+"/kds"))
	kdsSignIn(t, kds, "marco", "chef123")
	kdsWait(t, kds, "live board", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected'`)

	// ---- item 3: a cancelled ticket waits for a cook ----
	a := kdsPlace(t, box, waiter, 1, "", kdsLine{menu["Spaghetti carbonara"], 1, ""})
	b := kdsPlace(t, box, waiter, 2, "", kdsLine{menu["Tiramisù"], 2, ""})
	kdsWait(t, kds, "both tickets", kdsTicket(a.ID)+" && "+kdsTicket(b.ID))
	for i, o := range []kdsOrderBody{a, b} {
		kdsDo(t, box, waiter, http.MethodPost, fmt.Sprintf("/api/orders/%d/cancel", o.ID), map[string]string{"reason": fmt.Sprintf("Table %d left", i+1)}, http.StatusOK, nil)
	}
	ghost := func(id int64) string {
		return `document.querySelector('` + kdsTicketSel(id) + ` .t-ghost')?.textContent.includes('CANCELLED')`
	}
	kdsWait(t, kds, "both cancelled tickets, with their reasons", ghost(a.ID)+" && "+ghost(b.ID)+
		` && document.querySelector('`+kdsTicketSel(a.ID)+` .t-reason').textContent === 'Table 1 left'`)
	// An hour later by the page's clock, and after a reload, they are still there.
	kdsExec(t, kds, `(() => { const n = Date.now; Date.now = () => n() + 3600000; })()`)
	kdsRun(t, kds, chromedp.Sleep(1500*time.Millisecond))
	if !kdsBool(t, kds, ghost(a.ID)+" && "+ghost(b.ID)) {
		t.Fatalf("a cancelled ticket left the board without being acknowledged")
	}
	kdsRun(t, kds, chromedp.Reload())
	kdsWait(t, kds, "cancelled tickets after a reload", ghost(a.ID)+" && "+ghost(b.ID))
	shot(t, kds, "rush-cancelled-kds-1920")
	// A tap clears one; the key C clears the other.
	kdsClick(t, kds, kdsTicketSel(a.ID)+" .act-ack")
	kdsWait(t, kds, "tapped cancellation cleared", `!`+kdsTicket(a.ID)+` && `+ghost(b.ID))
	kdsRun(t, kds, chromedp.KeyEvent("c"))
	kdsWait(t, kds, "keyed cancellation cleared", `!`+kdsTicket(b.ID))
	kdsRun(t, kds, chromedp.Reload())
	kdsWait(t, kds, "cleared for good", `document.getElementById('conn').dataset.state === 'connected' && !`+kdsTicket(a.ID)+` && !`+kdsTicket(b.ID))
}
