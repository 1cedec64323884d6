package main

// Built for the rush (issue 22): what the three screens do when the room is
// full, in Chromium at the sizes each screen really has. One box and one
// browser per test; each screen is a tab with its own viewport.

import (
	"fmt"
	"net/http"
	"testing"

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
