package main

// An acceptance walk of issue 22 ("Built for the rush") and of the screens
// of issue 17 (HTTPS card, restore from a snapshot), as their users meet
// them on a Friday night: one box with a real rush built over REST, every
// screen in Chromium at the size it really has, a screenshot at each step,
// and checks of what each user relies on (positions, texts, counts).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWalkFridayRush is the acceptance walk. The steps, each with its
// screenshots (walk-*.png):
//  1. the kitchen TV at 1920x1080 and a 720p TV (1280x720) with the rush;
//  2. the guests' iPad at 820x1180 and 1180x820;
//  3. the waiter's phone (390x844): the bell and the guest's order; then
//     the kitchen bumps the paid table's ticket (no reflow), the waiter
//     serves it from the bell, a cancellation is tapped away, and the table
//     that asked for the bill pays cash with change due;
//  4. the manager's laptop (1440x900): the report, HTTPS card, restore card;
//  5. the box stops and comes back: every screen says so and recovers;
//  6. the manager restores the mid-service snapshot: every screen resyncs.
func TestWalkFridayRush(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true, TLS: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	admin := box.Login(t, "admin", "admin123")
	r := walkBuildRush(t, box, waiter, chef)
	snapNew, snapCooking := r.newCount, len(r.cooking)

	// The daily snapshot, as the box writes it, taken now: the restore at the
	// end goes back to this moment (the guest's order still waiting).
	snap := "rms-" + time.Now().AddDate(0, 0, -1).Format("2006-01-02") + ".db"
	if err := os.MkdirAll(filepath.Join(box.Dir, "backups"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := box.Store.Backup(context.Background(), filepath.Join(box.Dir, "backups", snap)); err != nil {
		t.Fatalf("Backup() err = %v", err)
	}

	// ---- 1. the kitchen TV ----
	kds := newBrowser(t, 1920, 1080)
	kdsOpen(t, box, kds, chef, "")
	counts := fmt.Sprintf(`document.getElementById('count-new').textContent === '%d' && document.getElementById('count-cooking').textContent === '%d' && document.getElementById('count-ready').textContent === '1'`, r.newCount, len(r.cooking))
	kdsWait(t, kds, "the rush counted in the header", counts)
	ids, pages := walkKDSPages(t, kds, "kds-1920")
	if pages < 2 {
		t.Errorf("16 tickets fit one 1080p page; the walk expects the board to page")
	}
	for _, o := range r.kitchen[1:] {
		if _, ok := ids[o.ID]; !ok {
			t.Errorf("kitchen ticket %d is on no page of the 1080p board", o.ID)
		}
	}
	if _, ok := ids[r.bar.ID]; ok {
		t.Errorf("the bar's drinks (order %d) show on the kitchen's default board", r.bar.ID)
	}
	if _, ok := ids[r.guest.ID]; ok {
		t.Errorf("the guest's order still waiting for the waiter (%d) shows in the kitchen", r.guest.ID)
	}
	if len(ids) != len(r.kitchen)-1 {
		t.Errorf("the board shows %d tickets; want %d (the 16 less the one at the pass)", len(ids), len(r.kitchen)-1)
	}
	// The paid, unstarted ticket: on the board, NEW, marked paid.
	kdsWait(t, kds, "on the page of the paid ticket", `!!document.querySelector('#tickets')`)
	walkKDSShowPage(t, kds, ids[r.paid.ID])
	if got := kdsString(t, kds, `(() => { const e = document.querySelector('`+kdsTicketSel(r.paid.ID)+`'); return e ? e.dataset.status + ' ' + (e.querySelector('.t-paid')?.textContent || '') : 'gone'; })()`); got != "confirmed PAID" {
		t.Errorf("the ticket paid before cooking = %q; want 'confirmed PAID'", got)
	}
	// The allergies: red, loud, whole.
	walkKDSShowPage(t, kds, ids[r.long.ID])
	walkAllergy(t, kds, r.long.ID, ".line .note", "NUT ALLERGY")
	if !kdsBool(t, kds, `document.querySelector('`+kdsTicketSel(r.long.ID)+` .t-notes').textContent.includes('butter only')`) {
		t.Errorf("the long ticket's order note is not whole")
	}
	walkKDSShowPage(t, kds, ids[r.coeliac.ID])
	walkAllergy(t, kds, r.coeliac.ID, ".t-notes", "Coeliac")
	shot(t, kds, "walk-kds-1920-allergy")
	walkAxe(t, kds, "kitchen TV in the rush, allergies")
	// The bar's screen shows the drinks and only them.
	kdsRun(t, kds, chromedp.Navigate(box.URL+"/kds?station=bar"))
	kdsWait(t, kds, "the bar's board", `document.getElementById('conn').dataset.state === 'connected' && !!document.querySelector('`+kdsTicketSel(r.bar.ID)+`')`)
	if n := kdsInt(t, kds, `document.querySelectorAll('#tickets .ticket').length`); n != 1 {
		t.Errorf("the bar's board shows %d tickets; want the one drinks order", n)
	}
	barTitle := kdsString(t, kds, `document.getElementById('title').textContent + ' | ' + document.title`)
	if strings.Contains(barTitle, "Kitchen") || !strings.Contains(barTitle, "· Bar") {
		t.Errorf("the bar's board is titled %q; want it named the bar's, not the kitchen's", barTitle)
	}
	shot(t, kds, "walk-kds-bar-1920")
	walkAxe(t, kds, "the bar's board, nothing at the pass")
	kdsRun(t, kds, chromedp.Navigate(box.URL+"/kds"))
	kdsWait(t, kds, "the kitchen board again", `document.getElementById('conn').dataset.state === 'connected' && `+counts)
	// A page that loads asks for a first tap before it may beep.
	kdsClick(t, kds, "#sound-ask")
	kdsWait(t, kds, "sound on", `document.getElementById('sound-ask').hidden`)

	tv720 := newTab(t, kds, 1280, 720)
	kdsRun(t, tv720, chromedp.Navigate(box.URL+"/kds"))
	kdsWait(t, tv720, "the 720p board", `document.getElementById('conn').dataset.state === 'connected' && `+counts)
	ids720, _ := walkKDSPages(t, tv720, "kds-1280")
	if len(ids720) != len(ids) {
		t.Errorf("the 720p board shows %d tickets; the 1080p one %d", len(ids720), len(ids))
	}

	// ---- 2. the guests' iPad (table 8) ----
	ipad := newTab(t, kds, 820, 1180)
	tblDo(t, ipad, "open the iPad", chromedp.Navigate(box.URL+"/t/"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.token.table', %q)`, r.guestTok)), chromedp.Reload())
	tblWait(t, ipad, "the live menu", `document.querySelectorAll('[data-item]').length > 0 && document.getElementById('conn').hidden`, 20*time.Second)
	walkCheckLayout(t, ipad, "iPad portrait menu", "header, #cats, #menu, #side, #btn-waiter, #btn-bill", "#menu", 11.5)
	shot(t, ipad, "walk-ipad-820-menu")
	tblDo(t, ipad, "open the orders", chromedp.Click(chromedp.CSS(`#tab-orders`)))
	guestCard := fmt.Sprintf(`[data-order="%d"]`, r.guest.ID)
	tblWait(t, ipad, "the order says it waits for the waiter", `document.querySelector('`+guestCard+` .pill')?.textContent === 'Sent to your waiter'`, 10*time.Second)
	if got := tblEval[string](t, ipad, `document.querySelector('`+guestCard+` .order-wait')?.textContent || ''`); got != "Waiting for your waiter to confirm it." {
		t.Errorf("the guest's order explains %q; want who it waits for", got)
	}
	if !tblEval[bool](t, ipad, `document.getElementById('btn-waiter').classList.contains('is-sent')`) {
		t.Errorf("the iPad does not show that a waiter was called")
	}
	gstNoDevText(t, ipad, "iPad orders")
	shot(t, ipad, "walk-ipad-820-orders")
	walkAxe(t, ipad, "iPad portrait, order waiting for the waiter")
	tblDo(t, ipad, "landscape", chromedp.EmulateViewport(1180, 820))
	tblWait(t, ipad, "landscape layout", `innerWidth === 1180 && document.getElementById('panel-orders').getClientRects().length > 0`, 5*time.Second)
	walkCheckLayout(t, ipad, "iPad landscape", "header, #cats, #menu, #side", "#side", 11.5)
	shot(t, ipad, "walk-ipad-1180-orders")

	// ---- 3. the waiter's phone ----
	phone := newBrowser(t, 390, 844)
	staffRun(t, phone, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, phone, "ana", "waiter123")
	staffWait(t, phone, "the app, live", `!document.getElementById('shell').hidden && document.getElementById('conn').dataset.state === 'connected'`)
	// The restaurant's name is not cut mid-letter in the phone's top bar.
	if got := staffString(t, phone, `(() => { const n = document.getElementById('restaurant-name'), b = document.getElementById('brand');
		const nr = n.getBoundingClientRect(), br = b.getBoundingClientRect();
		return nr.right <= br.right + 1 || getComputedStyle(n).textOverflow === 'ellipsis' && n.scrollWidth > n.clientWidth ? '' : n.textContent + ' ends at ' + Math.round(nr.right) + 'px, its bar at ' + Math.round(br.right) + 'px'; })()`); got != "" {
		t.Errorf("the phone's top bar cuts the restaurant's name: %s", got)
	}
	staffClick(t, phone, "#alerts-btn")
	// Oldest first: the order at the pass, the bill, the guest's order, the call.
	staffWait(t, phone, "the bell's list", `document.querySelectorAll('#alerts-panel .alert-item').length === 4`)
	if got := staffString(t, phone, `[...document.querySelectorAll('#alerts-panel .alert-item')].map(e => e.dataset.kind).join(',')`); got != "ready,bill,pending,waiter" {
		_, tables := box.Do(t, http.MethodGet, "/api/tables", waiter, nil)
		t.Errorf("the bell lists %q; want ready,bill,pending,waiter (oldest first); tables %s", got, tables)
	}
	if got := staffString(t, phone, `document.getElementById('alerts-badge').textContent`); got != "4" {
		t.Errorf("the bell's badge = %q; want 4", got)
	}
	walkCheckLayout(t, phone, "phone bell", "#alerts-panel .alert-item", "#alerts-panel", 12)
	shot(t, phone, "walk-phone-390-bell")
	walkAxe(t, phone, "phone bell with four waiting")
	staffExec(t, phone, `document.getElementById('alerts-btn').click()`)
	staffGo(t, phone, "#/orders")
	pending := fmt.Sprintf(`.order[data-order-id="%d"]`, r.guest.ID)
	staffWait(t, phone, "the guest's order to confirm", `!!document.querySelector('`+pending+`.needs-confirm')`)
	staffWait(t, phone, "the paid order still listed", fmt.Sprintf(`document.querySelector('.order[data-order-id="%d"] .paid-chip')?.textContent === 'Paid'`, r.paid.ID))
	staffNoHorizontalScroll(t, phone, "orders")
	shot(t, phone, "walk-phone-390-orders")
	staffClickText(t, phone, pending+" button", "Confirm")
	kdsWaitOrder(t, box, waiter, r.guest.ID, "confirmed by the waiter", func(o kdsOrderBody) bool { return o.Status == "confirmed" })
	tblWait(t, ipad, "the guest's iPad says kitchen", `document.querySelector('`+guestCard+` .pill')?.textContent === 'In the kitchen'`, 10*time.Second)
	r.newCount++
	counts = fmt.Sprintf(`document.getElementById('count-new').textContent === '%d' && document.getElementById('count-cooking').textContent === '%d'`, r.newCount, len(r.cooking))
	kdsWait(t, kds, "the guest's order in the kitchen", counts)
	shot(t, ipad, "walk-ipad-1180-in-kitchen")

	// ---- 3b. the kitchen works through the rush ----
	// The cooks start and bump the paid table's carbonara (slot 2) from the
	// TV: slot 1 stays, and each later ticket on the page takes the place of
	// the one before it (no reflow).
	walkKDSShowPage(t, kds, 1)
	before := kdsSlots(t, kds)
	if len(before) < 4 || before[1].ID != r.paid.ID {
		t.Fatalf("page 1's slots %+v; want the paid ticket %d in slot 2", before, r.paid.ID)
	}
	kdsClick(t, kds, kdsTicketSel(r.paid.ID)+" .act-start")
	kdsWaitOrder(t, box, chef, r.paid.ID, "started", func(o kdsOrderBody) bool { return o.Status == "preparing" })
	kdsClick(t, kds, kdsTicketSel(r.paid.ID)+" .act-bump")
	kdsWaitOrder(t, box, chef, r.paid.ID, "at the pass", func(o kdsOrderBody) bool { return o.Status == "ready" })
	kdsWait(t, kds, "the paid order at the pass", `!!document.querySelector('#pass .chip[data-id="`+fmt.Sprint(r.paid.ID)+`"]') && !`+kdsTicket(r.paid.ID)+` && `+walkNothingHidden)
	after := kdsSlots(t, kds)
	if after[0] != before[0] {
		t.Errorf("slot 1 after bumping slot 2 = %+v; want it where it was, %+v", after[0], before[0])
	}
	for k := 1; k+1 < len(before); k++ {
		want := kdsSlot{ID: before[k+1].ID, Pos: before[k].Pos, X: before[k].X, Y: before[k].Y}
		if k >= len(after) || after[k] != want {
			t.Errorf("slot %d after the bump: want the ticket of slot %d moved there, %+v; the page has %+v", k+1, k+2, want, after)
			break
		}
	}
	shot(t, kds, "walk-kds-1920-after-bump")
	// The waiter serves it from the bell: it becomes paid and leaves the pass.
	staffClick(t, phone, "#alerts-btn")
	readyAt3 := `#alerts-panel .alert-item[data-kind="ready"][data-table="3"] button`
	staffWait(t, phone, "table 3 ready in the bell", `!!document.querySelector('`+readyAt3+`')`)
	staffClick(t, phone, readyAt3)
	kdsWaitOrder(t, box, waiter, r.paid.ID, "paid once served", func(o kdsOrderBody) bool { return o.Status == "paid" })
	kdsWait(t, kds, "the served order off the pass", `!document.querySelector('#pass .chip[data-id="`+fmt.Sprint(r.paid.ID)+`"]')`)
	staffExec(t, phone, `document.getElementById('alerts-btn').click()`)
	r.newCount--
	// A table leaves: its ticket stays on the TV, marked, with the reason,
	// until a cook taps it away.
	gone := r.kitchen[6]
	kdsDo(t, box, waiter, http.MethodPost, fmt.Sprintf("/api/orders/%d/cancel", gone.ID), map[string]string{"reason": "Guests left"}, http.StatusOK, nil)
	kdsWait(t, kds, "the cancelled ticket, marked", `document.querySelector('`+kdsTicketSel(gone.ID)+` .t-ghost')?.textContent.includes('CANCELLED') && document.querySelector('`+kdsTicketSel(gone.ID)+` .t-reason')?.textContent === 'Guests left'`)
	shot(t, kds, "walk-kds-1920-cancelled")
	walkAxe(t, kds, "kitchen TV with a cancelled ticket")
	// The big word fits its ticket (six columns leave about 250px).
	if got := kdsString(t, kds, `(() => { const g = document.querySelector('`+kdsTicketSel(gone.ID)+` .t-ghost'); const rg = document.createRange(); rg.selectNodeContents(g.firstChild);
		const r = rg.getBoundingClientRect(), b = g.getBoundingClientRect();
		return r.left >= b.left - 1 && r.right <= b.right + 1 ? '' : g.firstChild.textContent + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + 'px in a ticket of ' + Math.round(b.left) + '..' + Math.round(b.right) + 'px'; })()`); got != "" {
		t.Errorf("the cancelled ticket's mark is cut at its sides: %s", got)
	}
	kdsClick(t, kds, kdsTicketSel(gone.ID)+" .act-ack")
	kdsWait(t, kds, "the cancelled ticket seen", `!`+kdsTicket(gone.ID))
	r.newCount--
	counts = fmt.Sprintf(`document.getElementById('count-new').textContent === '%d' && document.getElementById('count-cooking').textContent === '%d' && document.getElementById('count-ready').textContent === '1'`, r.newCount, len(r.cooking))
	kdsWait(t, kds, "the counts after the bump, the service and the cancellation", counts)
	// Table 4 asked for the bill: the waiter takes cash on the phone, the
	// change due stays large on screen, and the request leaves the bell.
	staffGo(t, phone, "#/table/4/bill")
	staffWait(t, phone, "the bill's cash buttons", `document.querySelectorAll('.quick-cash .note-btn').length > 1`)
	staffExec(t, phone, `[...document.querySelectorAll('.quick-cash .note-btn')].at(-1).click()`)
	staffWait(t, phone, "change shown", `document.querySelector('.pay .change')?.textContent.startsWith('€') && document.querySelector('.pay .change').textContent !== '€0.00'`)
	change := staffString(t, phone, `document.querySelector('.pay .change').textContent`)
	staffClickText(t, phone, ".pay button", "Take cash payment")
	staffWait(t, phone, "the change due, in view", `document.querySelector('.change-due .change-amount')?.textContent === `+staffQuote(change)+` && (() => { const r = document.querySelector('.change-due').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`)
	staffWait(t, phone, "the bill request off the bell", `document.getElementById('alerts-badge').textContent === '2'`)
	// An order comes ready meanwhile: its toast does not cover the panel.
	kdsDo(t, box, chef, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", r.kitchen[4].ID), map[string]string{"status": "ready"}, http.StatusOK, nil)
	r.cooking = []int64{r.kitchen[3].ID, r.kitchen[5].ID}
	staffWait(t, phone, "the ready toast", `[...document.querySelectorAll('#toasts .toast')].some(e => e.textContent.includes('T5'))`)
	if got := staffString(t, phone, `(() => { const p = document.querySelector('.change-due').getBoundingClientRect();
		return [...document.querySelectorAll('#toasts .toast')].filter(e => { const r = e.getBoundingClientRect(); return r.left < p.right && r.right > p.left && r.top < p.bottom && r.bottom > p.top; }).map(e => e.textContent).join(' | '); })()`); got != "" {
		t.Errorf("a toast covers the change due panel on the phone: %q", got)
	}
	counts = fmt.Sprintf(`document.getElementById('count-new').textContent === '%d' && document.getElementById('count-cooking').textContent === '%d' && document.getElementById('count-ready').textContent === '2'`, r.newCount, len(r.cooking))
	kdsWait(t, kds, "table 5 at the pass", counts)
	staffNoHorizontalScroll(t, phone, "bill with change due")
	shot(t, phone, "walk-phone-390-change-due")
	walkAxe(t, phone, "phone change due")
	shot(t, phone, "walk-phone-390-change-due-toast")
	staffClick(t, phone, ".change-due [data-action=change-done]")
	staffWait(t, phone, "change given", `!document.querySelector('.change-due')`)
	for _, o := range []kdsOrderBody{r.kitchen[3], r.kitchen[13]} {
		if _, ok := ids[o.ID]; !ok {
			t.Errorf("table 4's ticket %d was not on the board to begin with", o.ID)
		}
		kdsWaitOrder(t, box, chef, o.ID, "paid but not served: still for the kitchen", func(x kdsOrderBody) bool { return x.Status == "preparing" || x.Status == "confirmed" })
	}

	// ---- 4. the manager's laptop ----
	laptop := newTab(t, kds, 1440, 900)
	staffRun(t, laptop, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, laptop, "admin", "admin123")
	staffWait(t, laptop, "the floor", `document.querySelectorAll('.tile').length > 0 && document.getElementById('conn').dataset.state === 'connected'`)
	shot(t, laptop, "walk-laptop-1440-floor")
	// Table 4 paid before its two tickets were served: the floor says so.
	if got := kdsString(t, laptop, `[...document.querySelectorAll('.tile')].filter(e => e.querySelector('.tile-name')?.textContent === 'T4').map(e => e.querySelector('.pill.paid')?.textContent || 'no paid mark').join()`); got != "Paid · 2 to serve" {
		t.Errorf("T4's floor tile paid mark = %q; want 'Paid · 2 to serve'", got)
	}
	var rep staffReport
	box.DoJSON(t, http.MethodGet, "/api/reports/daily", admin, nil, http.StatusOK, &rep)
	rc := rep.Reconciliation
	if rep.PaymentsCents+rep.OpenBillsCents+rc.DiscountsCents+rc.RoundingCents+rc.OtherDaysCents != rep.GrossSalesCents {
		t.Errorf("the report does not add up: %+v", rep)
	}
	staffGo(t, laptop, "#/report")
	staffWait(t, laptop, "the report", `!!document.querySelector('.adds-up tr[data-line=gross] .ok-mark') && !!document.querySelector('.by-waiter')`)
	if got := staffString(t, laptop, `document.querySelector('.kpi[data-kpi=open]')?.textContent || ''`); !strings.Contains(got, fmt.Sprintf("Open bills (%d)", rep.OpenBillsCount)) {
		t.Errorf("the open bills figure = %q; want %d open bills", got, rep.OpenBillsCount)
	}
	walkCheckLayout(t, laptop, "laptop report", ".kpi, .card", "main", 10)
	shot(t, laptop, "walk-laptop-1440-report")
	walkAxe(t, laptop, "laptop report of the rush")
	staffGo(t, laptop, "#/settings")
	staffWait(t, laptop, "the HTTPS and restore cards", `!!document.querySelector('.https .https-fingerprint') && !!document.querySelector('.restore tr[data-snapshot=`+staffQuote(snap)+`]')`)
	var tlsInfo struct {
		URL string `json:"url"`
		CA  struct {
			SHA256 string `json:"sha256"`
		} `json:"ca"`
	}
	box.DoJSON(t, http.MethodGet, "/api/system/tls", admin, nil, http.StatusOK, &tlsInfo)
	if got := staffString(t, laptop, `document.querySelector('.https .https-fingerprint').textContent`); got != tlsInfo.CA.SHA256 || tlsInfo.CA.SHA256 == "" {
		t.Errorf("the HTTPS card's fingerprint = %q; want the box's %q", got, tlsInfo.CA.SHA256)
	}
	if got := staffString(t, laptop, `document.querySelector('.https a[href^="https:"]')?.href || ''`); !strings.HasPrefix(got, "https://") {
		t.Errorf("the HTTPS card links %q; want the box's https address", got)
	}
	staffExec(t, laptop, `document.querySelector('.https').scrollIntoView()`)
	walkCheckLayout(t, laptop, "laptop HTTPS card", ".https > *, .https dd, .https-downloads > *", "", 0)
	shot(t, laptop, "walk-laptop-1440-https")
	walkAxe(t, laptop, "laptop settings with HTTPS on and a snapshot")
	staffExec(t, laptop, `document.querySelector('.restore').scrollIntoView()`)
	shot(t, laptop, "walk-laptop-1440-restore")
	// The same settings on the owner's phone: nothing runs off the side.
	staffRun(t, laptop, chromedp.EmulateViewport(390, 844))
	staffWait(t, laptop, "phone width", `innerWidth === 390`)
	staffNoHorizontalScroll(t, laptop, "settings")
	walkCheckLayout(t, laptop, "phone HTTPS card", ".https dd, .https-fingerprint, .https-downloads > *, .restore td, .restore button", "", 0)
	staffExec(t, laptop, `document.querySelector('.https').scrollIntoView()`)
	shot(t, laptop, "walk-phone-390-https")
	staffExec(t, laptop, `document.querySelector('.restore').scrollIntoView()`)
	shot(t, laptop, "walk-phone-390-restore")
	staffRun(t, laptop, chromedp.EmulateViewport(1440, 900))

	// The part-paid table's bill on the phone: what was paid, what is due.
	part := staffBill(t, box.Do, waiter, r.partPaid)
	staffGo(t, phone, fmt.Sprintf("#/table/%d/bill", r.partPaid))
	staffWait(t, phone, "the part-paid bill", `document.querySelector('.totals [data-total=paid]')?.textContent.includes('€15.00') && document.querySelector('.totals [data-total=due]')?.textContent.includes('€`+staffDecimal(part.DueCents)+`') && document.querySelector('.pay .due-line strong')?.textContent === '€`+staffDecimal(part.DueCents)+`'`)
	staffNoHorizontalScroll(t, phone, "part-paid bill")
	shot(t, phone, "walk-phone-390-part-paid")

	// ---- 5. the box stops: every screen says so, then recovers ----
	// Table 6 pays the rest by card first: its two tickets (one cooking, one
	// not started) must come back on the TV after the outage, marked paid.
	bill6 := staffBill(t, box.Do, waiter, r.partPaid)
	kdsDo(t, box, waiter, http.MethodPost, "/api/payments", map[string]any{"table_id": r.partPaid, "method": "card", "amount_cents": bill6.DueCents}, http.StatusCreated, nil)
	table6 := r.partTix
	kdsWait(t, kds, "table 6's tickets marked paid", fmt.Sprintf(`[%s].every(id => document.querySelector('#tickets .ticket[data-id="' + id + '"]') === null || document.querySelector('#tickets .ticket[data-id="' + id + '"] .t-paid'))`, walkJoin(table6)))
	// The TV was switched off and on again just before: its page asks for a
	// tap to beep, a bar over the board, when the network goes.
	kdsRun(t, kds, chromedp.Reload())
	kdsWait(t, kds, "the TV after its restart", `document.getElementById('conn').dataset.state === 'connected' && !document.getElementById('sound-ask').hidden && `+counts)
	box.Stop()
	kdsWait(t, kds, "the TV offline", `document.getElementById('conn').dataset.state !== 'connected'`)
	tblWait(t, ipad, "the iPad offline", `!document.getElementById('conn').hidden`, 15*time.Second)
	staffWait(t, phone, "the phone offline", `!document.getElementById('banner').hidden && document.getElementById('conn').dataset.state !== 'connected'`)
	// The banner shortens the board: still nothing on a ticket is hidden,
	// least of all an allergy (the long ticket is on page 1).
	kdsWait(t, tv720, "the 720p TV offline", `document.getElementById('conn').dataset.state !== 'connected' && !document.getElementById('banner').hidden`)
	for _, tv := range []struct {
		ctx  context.Context
		name string
	}{{kds, "kds-1920"}, {tv720, "kds-1280"}} {
		walkKDSShowPage(t, tv.ctx, 1)
		// The board redraws at the next frame after the banner shortens it.
		kdsWaitWithin(t, tv.ctx, 10*time.Second, tv.name+" offline, nothing hidden under the banner (below or beside a ticket)",
			`!document.getElementById('banner').hidden && !!document.querySelector('`+kdsTicketSel(r.long.ID)+`') && `+walkNothingHidden)
		walkBadgesWhole(t, tv.ctx, tv.name+" offline")
		walkAllergy(t, tv.ctx, r.long.ID, ".line .note", "NUT ALLERGY")
		shot(t, tv.ctx, "walk-"+tv.name+"-offline")
	}
	shot(t, ipad, "walk-ipad-1180-offline")
	// The same iPad in portrait: the banner, the language and the service
	// buttons stay apart and on screen.
	tblDo(t, ipad, "portrait", chromedp.EmulateViewport(820, 1180))
	tblWait(t, ipad, "portrait, offline", `innerWidth === 820 && !document.getElementById('conn').hidden`, 5*time.Second)
	walkCheckLayout(t, ipad, "iPad portrait offline", ".topbar .brand, #conn, #langs, .service .btn:not([hidden])", "", 0)
	shot(t, ipad, "walk-ipad-820-offline")
	tblDo(t, ipad, "landscape", chromedp.EmulateViewport(1180, 820))
	shot(t, phone, "walk-phone-390-offline")
	if txt := kdsString(t, kds, `document.getElementById('conn-text').textContent`); txt == "" || strings.Contains(txt, "Live") {
		t.Errorf("the TV's connection says %q while the box is down", txt)
	}
	box.start(t)
	kdsWait(t, kds, "the TV back", `document.getElementById('conn').dataset.state === 'connected' && `+counts)
	tblWait(t, ipad, "the iPad back", `document.getElementById('conn').hidden`, 30*time.Second)
	staffWait(t, phone, "the phone back", `document.getElementById('banner').hidden && document.getElementById('conn').dataset.state === 'connected'`)
	ids, _ = walkKDSPages(t, kds, "kds-1920-back")
	for _, id := range table6 {
		if _, ok := ids[id]; !ok {
			t.Errorf("after the outage the paid, unserved ticket %d of table 6 is gone from the board", id)
			continue
		}
		walkKDSShowPage(t, kds, ids[id])
		if !kdsBool(t, kds, `document.querySelector('`+kdsTicketSel(id)+` .t-paid')?.textContent === 'PAID'`) {
			t.Errorf("after the outage ticket %d of table 6 is not marked paid", id)
		}
	}
	if len(table6) != 2 {
		t.Errorf("table 6 has %d tickets; the walk expects two", len(table6))
	}

	// ---- 6. the manager restores the snapshot ----
	staffWait(t, laptop, "the laptop back", `document.getElementById('conn').dataset.state === 'connected'`)
	staffWait(t, laptop, "the restore card", `!!document.querySelector('.restore tr[data-snapshot=`+staffQuote(snap)+`] button')`)
	staffClick(t, laptop, `.restore tr[data-snapshot=`+staffQuote(snap)+`] button`)
	staffWait(t, laptop, "the restore question", `!!document.querySelector('dialog[open] input')`)
	shot(t, laptop, "walk-laptop-1440-restore-ask")
	walkAxe(t, laptop, "laptop restore question")
	staffType(t, laptop, `dialog[open] input`, "RESTORE")
	staffExec(t, laptop, `[...document.querySelectorAll('dialog[open] button')].find(b => b.type === 'submit' || /restore/i.test(b.textContent)).click()`)
	// The box answers 503 while it restores.
	waitFor(t, 30*time.Second, "the snapshot restored", func() bool {
		status, raw := box.Do(t, http.MethodGet, fmt.Sprintf("/api/orders/%d", r.guest.ID), waiter, nil)
		var o kdsOrderBody
		return status == http.StatusOK && json.Unmarshal(raw, &o) == nil && o.Status == "pending"
	})
	box.Current()
	counts = fmt.Sprintf(`document.getElementById('count-new').textContent === '%d' && document.getElementById('count-cooking').textContent === '%d'`, snapNew, snapCooking)
	kdsWait(t, kds, "the TV resynced to the snapshot", `document.getElementById('conn').dataset.state === 'connected' && `+counts)
	tblWait(t, ipad, "the iPad resynced", `document.querySelector('`+guestCard+` .pill')?.textContent === 'Sent to your waiter'`, 30*time.Second)
	staffGo(t, phone, "#/orders")
	staffWait(t, phone, "the phone resynced", `!!document.querySelector('`+pending+`.needs-confirm')`)
	ids, _ = walkKDSPages(t, kds, "kds-1920-restored")
	for _, o := range []kdsOrderBody{r.paid, r.kitchen[6]} {
		if _, ok := ids[o.ID]; !ok {
			t.Errorf("after the restore, ticket %d of the snapshot is not on the board", o.ID)
		}
	}
	shot(t, laptop, "walk-laptop-1440-restored")
	shot(t, kds, "walk-kds-1920-restored")
}
