package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestServiceDinnerForFour drives a Friday dinner through the staff app on
// a shared terminal and the kitchen display, in Chromium: a waiter enrolls
// the terminal and signs in with a PIN, takes a two-course dinner for four
// by seat (starters go to the kitchen, mains are held and show as coming),
// voids one main, fires the mains when the starters are out, moves the
// party to a bigger table, and splits the bill by seat.
func TestServiceDinnerForFour(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	chef := box.Login(t, "marco", "chef123")
	box.DoJSON(t, http.MethodPatch, "/api/settings", admin, map[string]any{"fire_courses": true}, http.StatusOK, nil)
	box.DoJSON(t, http.MethodPatch, "/api/users/2", admin, map[string]any{"pin": "2468"}, http.StatusOK, nil)
	var term struct{ Code string }
	box.DoJSON(t, http.MethodPost, "/api/terminals", admin, map[string]any{"name": "Pass"}, http.StatusCreated, &term)
	const t4, t5, bruschetta, branzino = 4, 5, 1, 13 // demo: T4 seats 4, T5 seats 6; Antipasti and Secondi

	// ---- the terminal: enrolled with the manager's code, then a PIN ----
	ctx := newBrowser(t, 1366, 900)
	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffClick(t, ctx, "#enroll-open")
	staffType(t, ctx, "#enroll-form input[name=code]", term.Code)
	staffClick(t, ctx, "#enroll-form button[type=submit]")
	staffWait(t, ctx, "the PIN pad", `!document.getElementById('pin').hidden && document.getElementById('pin-name').textContent === 'Pass'`)
	for _, k := range []string{"1", "1", "1", "1", "ok"} {
		staffClick(t, ctx, fmt.Sprintf(`#pin-pad button[data-key="%s"]`, k))
	}
	staffWait(t, ctx, "a wrong PIN said", `document.getElementById('pin-msg').textContent.includes('Wrong PIN')`)
	for _, k := range []string{"2", "4", "6", "8"} {
		staffClick(t, ctx, fmt.Sprintf(`#pin-pad button[data-key="%s"]`, k))
	}
	shot(t, ctx, "service-pin-pad")
	staffClick(t, ctx, `#pin-pad button[data-key="ok"]`)
	staffWait(t, ctx, "ana signed in on the terminal", `!document.getElementById('shell').hidden && document.getElementById('who').textContent.startsWith('ana') && !document.getElementById('lock').hidden`)
	staffWait(t, ctx, "live", `document.getElementById('conn').dataset.state === 'connected'`)

	// ---- the kitchen display, on its own screen ----
	kds := newBrowser(t, 1280, 720)
	kdsRun(t, kds, chromedp.Navigate(box.URL+"/kds"))
	kdsValue[chromedp.Void](t, kds, `localStorage.setItem('rms.token.kds', `+staffQuote(chef)+`)`)
	kdsRun(t, kds, chromedp.Reload())
	kdsWait(t, kds, "the board", `document.getElementById('login').hidden && !!document.getElementById('tickets')`)

	// ---- order entry: starter and main for each of four seats ----
	staffGo(t, ctx, fmt.Sprintf("#/table/%d/order", t4))
	for seat := 1; seat <= 4; seat++ {
		staffClick(t, ctx, fmt.Sprintf(`.seat-bar button[data-seat="%d"]`, seat))
		staffClick(t, ctx, fmt.Sprintf(`.dish[data-item-id="%d"]`, bruschetta))
		staffClick(t, ctx, fmt.Sprintf(`.dish[data-item-id="%d"]`, branzino))
	}
	staffWait(t, ctx, "eight lines by seat and course", `document.querySelectorAll('.cart-line').length === 8 && [...document.querySelectorAll('.line-seat')].map(s => s.value).join() === '1,1,2,2,3,3,4,4' && [...document.querySelectorAll('.line-course')].map(s => s.value).join() === '1,3,1,3,1,3,1,3'`)
	shot(t, ctx, "service-order-entry")
	staffClickText(t, ctx, "button", "Send order")
	staffWait(t, ctx, "the order on the table with the mains held", `document.querySelectorAll('.on-table .lines li .tag.held').length === 4 && !!document.querySelector('.course-panel .fire')`)

	kdsWait(t, kds, "the starters as a ticket, the mains as coming", `!!document.querySelector('article.ticket[data-course="1"]:not([data-held="true"])') && !!document.querySelector('article.ticket[data-course="3"][data-held="true"]') && !document.querySelector('article.ticket[data-held="true"] .act')`)
	shot(t, kds, "service-kds-starters-mains-coming")

	// ---- seat 2 changes their mind about the fish: a waiter voids it ----
	voidBtn := `(() => [...document.querySelectorAll('.on-table .lines li')].find(li => li.textContent.includes('Branzino') && li.textContent.includes('Seat 2')).querySelector('button[data-action=void]'))()`
	staffWait(t, ctx, "the void button of seat 2's main", `!!`+voidBtn)
	staffExec(t, ctx, voidBtn+`.click()`)
	staffClickText(t, ctx, "dialog[open] .reason-chips button", "Guest changed mind")
	staffClickText(t, ctx, "dialog[open] button", "Void")
	staffWait(t, ctx, "the main voided", `!document.querySelector('dialog[open]') && [...document.querySelectorAll('.on-table .lines li.voided')].some(li => li.textContent.includes('Branzino') && li.textContent.includes('Seat 2'))`)
	kdsWait(t, kds, "three mains coming", `[...document.querySelectorAll('article.ticket[data-course="3"] .line .qty')].length === 3`)

	// ---- the kitchen cooks the starters; then the waiter fires the mains ----
	kdsClick(t, kds, `article.ticket[data-course="1"] .act-start`)
	kdsClick(t, kds, `article.ticket[data-course="1"] .act-bump`)
	kdsWait(t, kds, "the starters off the grid, the mains still coming", `!document.querySelector('article.ticket[data-course="1"]') && !!document.querySelector('article.ticket[data-course="3"][data-held="true"]')`)
	staffWait(t, ctx, "time since the starters", `document.querySelector('.course-panel .course-last').textContent.startsWith('Last course out')`)
	shot(t, ctx, "service-table-before-mains")
	staffClick(t, ctx, `.course-panel .fire`)
	kdsWait(t, kds, "the mains arrive as a new ticket", `!!document.querySelector('article.ticket.flash-new[data-course="3"]:not([data-held="true"])') && !!document.querySelector('article.ticket[data-course="3"] .act-bump')`)
	shot(t, kds, "service-kds-mains-fired")

	// ---- the party moves to a bigger table ----
	staffClick(t, ctx, `button[data-action=merge]`)
	staffClick(t, ctx, fmt.Sprintf(`.table-pick button[data-table-id="%d"]`, t5))
	staffWait(t, ctx, "on T5 now", fmt.Sprintf(`location.hash === '#/table/%d/order' && document.querySelectorAll('.on-table article.order').length === 1`, t5))
	kdsWait(t, kds, "the ticket follows the party", `document.querySelector('article.ticket[data-course="3"] .t-table').textContent === 'T5'`)

	kdsClick(t, kds, `article.ticket[data-course="3"] .act-bump`)
	staffClick(t, ctx, `.on-table button[data-action=served]`)

	// ---- the bill, split by seat ----
	staffGo(t, ctx, fmt.Sprintf("#/table/%d/bill", t5))
	staffWait(t, ctx, "the bill with the void and four seats", `document.querySelectorAll('.by-seat button[data-seat]').length === 4 && !!document.querySelector('.corrections li.void')`)
	staffExec(t, ctx, `document.querySelector('button[data-method=card]').click()`)
	for seat := 1; seat <= 4; seat++ {
		// The lowest seat still unpaid; clicked in the page, since a live
		// update may redraw the panel between finding and clicking it.
		staffWait(t, ctx, "a seat to pay", `!!document.querySelector('.by-seat button[data-seat]')`)
		staffExec(t, ctx, `document.querySelector('.by-seat button[data-seat]').click()`)
		staffWait(t, ctx, "the seat's lines ticked", `!!document.querySelector('.by-item') && document.querySelector('input[name=amount_cents]').readOnly`)
		if seat == 2 {
			shot(t, ctx, "service-bill-by-seat")
		}
		staffClickText(t, ctx, "form.pay button[type=submit]", "Take card payment")
		if seat < 4 {
			staffWait(t, ctx, fmt.Sprintf("seat %d paid", seat), fmt.Sprintf(`document.querySelectorAll('.by-seat button[data-seat]').length === %d`, 4-seat))
		}
	}
	staffWait(t, ctx, "settled", `!!document.querySelector('.pay .settled')`)
	shot(t, ctx, "service-bill-settled")

	var payments []struct {
		AmountCents int64   `json:"amount_cents"`
		LineIDs     []int64 `json:"line_ids"`
	}
	box.DoJSON(t, http.MethodGet, "/api/payments", admin, nil, http.StatusOK, &payments)
	var sum int64
	for _, p := range payments {
		if len(p.LineIDs) == 0 {
			t.Errorf("payment %+v names no lines; want a payment by seat", p)
		}
		sum += p.AmountCents
	}
	// 4 × Bruschetta 750 + 3 × Branzino 2400, tax included.
	if len(payments) != 4 || sum != 4*750+3*2400 {
		t.Errorf("payments = %+v (sum %d); want 4 by seat adding up to %d", payments, sum, 4*750+3*2400)
	}
	var audit []struct {
		Action string
		Actor  struct{ Name string }
		Reason string
	}
	box.DoJSON(t, http.MethodGet, "/api/audit?limit=100", admin, nil, http.StatusOK, &audit)
	seen := map[string]bool{}
	for _, a := range audit {
		seen[a.Action+" by "+a.Actor.Name] = true
	}
	for _, want := range []string{"terminal.sign_in by ana", "order.create by ana", "line.void by ana", "order.fire by ana", "table.merge by ana", "payment.create by ana", "line.done by marco"} {
		if !seen[want] {
			t.Errorf("audit has no %q (%v)", want, seen)
		}
	}

	// ---- the lock: the button ends the session on the box too ----
	staffClick(t, ctx, "#lock")
	staffWait(t, ctx, "the PIN pad again", `!document.getElementById('pin').hidden`)
	if st, _ := box.Do(t, http.MethodGet, "/api/terminals", admin, nil); st != http.StatusOK {
		t.Fatalf("GET /api/terminals = %d", st)
	}
	var terms []struct {
		SignedIn any `json:"signed_in"`
	}
	box.DoJSON(t, http.MethodGet, "/api/terminals", admin, nil, http.StatusOK, &terms)
	if len(terms) != 1 || terms[0].SignedIn != nil {
		t.Errorf("terminals after the lock = %+v; want nobody signed in", terms)
	}

	// ---- the manager signs in on the same terminal and reads the audit ----
	box.DoJSON(t, http.MethodPatch, "/api/users/1", admin, map[string]any{"pin": "1357"}, http.StatusOK, nil)
	for _, k := range []string{"1", "3", "5", "7", "ok"} {
		staffClick(t, ctx, fmt.Sprintf(`#pin-pad button[data-key="%s"]`, k))
	}
	staffWait(t, ctx, "the admin on the terminal", `!document.getElementById('shell').hidden && document.getElementById('who').textContent.startsWith('admin')`)
	staffGo(t, ctx, "#/audit")
	staffType(t, ctx, `.audit-filters input[name=order]`, "1")
	staffClickText(t, ctx, ".audit-filters button", "Show")
	staffWait(t, ctx, "the order's story", `[...document.querySelectorAll('.audit-table tbody tr')].some(r => r.dataset.action === 'line.void' && r.textContent.includes('Guest changed mind') && r.textContent.includes('ana')) && [...document.querySelectorAll('.audit-table tbody tr')].every(r => r.textContent.includes('#1'))`)
	shot(t, ctx, "service-audit-order")
}
