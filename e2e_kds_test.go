package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestKDS runs the kitchen display in Chromium on a 1080p screen the way a
// kitchen lives by it: a chef signs in once, tickets arrive live with a
// beep, start, cross off, bump and recall change the order over REST and
// on a second kitchen screen at once, the bar sees only its lines, the
// all-day panel counts what is left to cook, a cancelled ticket flashes
// and stays until a cook clears it, tickets age through the colours, and a screen that lost
// the box shows it and gets the missed ticket once the box is back.
func TestKDS(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	menu := kdsMenu(t, box, waiter)

	ctx := newBrowser(t, 1920, 1080)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/kds"))
	kdsWait(t, ctx, "sign-in form", `!document.getElementById('login').hidden`)
	shot(t, ctx, "kds-login-1920")

	// A waiter's login is refused here, in plain words.
	kdsSignIn(t, ctx, "ana", "waiter123")
	kdsWait(t, ctx, "role message", `document.getElementById('login-msg').textContent.includes('chef')`)
	kdsSignIn(t, ctx, "marco", "chef123")
	kdsWait(t, ctx, "live board", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected'`)
	kdsWait(t, ctx, "empty board", `document.querySelector('#tickets .empty')?.textContent.includes('All clear')`)

	// A second kitchen screen in the same browser profile is already signed in.
	ctx2 := newTab(t, ctx, 1920, 1080)
	kdsRun(t, ctx2, chromedp.Navigate(box.URL+"/kds"))
	kdsWait(t, ctx2, "second screen live", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected'`)

	// ---- a new order arrives within 2 s, with its items, notes and allergens ----
	beeps := kdsInt(t, ctx, `Number(document.body.dataset.beeps || 0)`)
	o1 := kdsPlace(t, box, waiter, 1, "Birthday, bring a candle", kdsLine{menu["Spaghetti carbonara"], 2, "no pepper"}, kdsLine{menu["Tiramisù"], 1, ""})
	placed := time.Now()
	kdsWaitWithin(t, ctx, 2*time.Second, "ticket of the new order", kdsTicket(o1.ID)+` && document.querySelectorAll('`+kdsTicketSel(o1.ID)+` .line').length === 2`)
	t.Logf("new order on the kitchen display after %v", time.Since(placed).Round(time.Millisecond))
	text := kdsString(t, ctx, `document.querySelector('`+kdsTicketSel(o1.ID)+`').innerText`)
	for _, want := range []string{"T1", "2×", "Spaghetti carbonara", "no pepper", "Tiramisù", "Birthday, bring a candle", "GL", "EG", "MI", "NEW"} {
		if !strings.Contains(text, want) {
			t.Errorf("ticket text %q lacks %q", text, want)
		}
	}
	// The dish's allergens are small codes, named in full for a screen reader and on hover.
	if got := kdsString(t, ctx, `document.querySelector('`+kdsTicketSel(o1.ID)+` .line .algs').getAttribute('aria-label')`); got != "Allergens: gluten, eggs, milk" {
		t.Errorf("carbonara's allergens are labelled %q; want them in full", got)
	}
	if got := kdsInt(t, ctx, `Number(document.body.dataset.beeps || 0)`); got != beeps+1 {
		t.Errorf("beeps after a new ticket = %d; want %d", got, beeps+1)
	}
	kdsWait(t, ctx, "new-ticket highlight", `document.querySelector('`+kdsTicketSel(o1.ID)+`').classList.contains('flash-new')`)
	kdsWait(t, ctx2, "ticket on the second screen", kdsTicket(o1.ID))
	// A browser that keeps sound off until a first tap gets asked for it,
	// once; one that allows sound (headless Chromium may) is not asked.
	if kdsString(t, ctx, `document.body.dataset.sound`) == "off" {
		kdsWait(t, ctx, "sound request", `!document.getElementById('sound-ask').hidden`)
		kdsRun(t, ctx, chromedp.Click(chromedp.CSS("#sound-ask")))
	}
	kdsWait(t, ctx, "sound on", `document.getElementById('sound-ask').hidden && document.body.dataset.sound === 'on'`)

	// ---- start (touch) ----
	kdsClick(t, ctx, kdsTicketSel(o1.ID)+" .act-start")
	kdsWaitOrder(t, box, waiter, o1.ID, "preparing after Start", func(o kdsOrderBody) bool { return o.Status == "preparing" })
	kdsWait(t, ctx2, "preparing on the second screen", `document.querySelector('`+kdsTicketSel(o1.ID)+`')?.dataset.status === 'preparing'`)

	// ---- cross off a line and undo it (touch) ----
	carbonara := o1.Items[0].ID
	line := fmt.Sprintf(`%s .line[data-item="%d"]`, kdsTicketSel(o1.ID), carbonara)
	kdsClick(t, ctx, line)
	kdsWaitOrder(t, box, waiter, o1.ID, "line done", func(o kdsOrderBody) bool { return o.Items[0].Done })
	kdsWait(t, ctx2, "line crossed off on the second screen", `document.querySelector('`+line+`')?.classList.contains('done')`)
	kdsWait(t, ctx, "all-day without the crossed-off line", kdsAllDay("Spaghetti carbonara")+` === 0 && `+kdsAllDay("Tiramisù")+` === 1`)
	kdsClick(t, ctx, line)
	kdsWaitOrder(t, box, waiter, o1.ID, "line undone", func(o kdsOrderBody) bool { return !o.Items[0].Done })
	kdsWait(t, ctx2, "line back on the second screen", `!document.querySelector('`+line+`')?.classList.contains('done')`)

	// ---- all-day counts items still to cook, by item ----
	o2 := kdsPlace(t, box, waiter, 2, "", kdsLine{menu["Spaghetti carbonara"], 3, ""}, kdsLine{menu["Branzino al forno"], 1, "no potatoes"})
	kdsWait(t, ctx, "second ticket", kdsTicket(o2.ID))
	kdsWait(t, ctx, "all-day counts", kdsAllDay("Spaghetti carbonara")+` === 5 && `+kdsAllDay("Branzino al forno")+` === 1 && `+kdsAllDay("Tiramisù")+` === 1`)
	kdsWait(t, ctx2, "all-day counts on the second screen", kdsAllDay("Spaghetti carbonara")+` === 5`)
	// The oldest ticket comes first.
	if got := kdsString(t, ctx, `[...document.querySelectorAll('#tickets .ticket')].map(e => e.dataset.id).join(',')`); got != fmt.Sprintf("%d,%d", o1.ID, o2.ID) {
		t.Errorf("ticket order = %s; want %d,%d (oldest first)", got, o1.ID, o2.ID)
	}

	// ---- bump with the keyboard (a bump bar): select by number, Enter ----
	pos := kdsString(t, ctx, `document.querySelector('`+kdsTicketSel(o1.ID)+` .pos').textContent`)
	kdsRun(t, ctx, chromedp.KeyEvent(pos))
	kdsWait(t, ctx, "ticket selected", `document.querySelector('`+kdsTicketSel(o1.ID)+`').classList.contains('selected')`)
	kdsRun(t, ctx, chromedp.KeyEvent("\r"))
	kdsWaitOrder(t, box, waiter, o1.ID, "ready after bump", func(o kdsOrderBody) bool { return o.Status == "ready" })
	for _, c := range []context.Context{ctx, ctx2} {
		kdsWait(t, c, "bumped ticket at the pass", `!`+kdsTicket(o1.ID)+` && !!document.querySelector('#pass .chip[data-id="`+fmt.Sprint(o1.ID)+`"]')`)
	}

	// ---- recall the last bumped ticket (R, and R again to confirm) ----
	kdsRun(t, ctx, chromedp.KeyEvent("r"))
	kdsWait(t, ctx, "the recall question", `document.getElementById('confirm').open`)
	kdsRun(t, ctx, chromedp.KeyEvent("r"))
	kdsWaitOrder(t, box, waiter, o1.ID, "preparing after recall", func(o kdsOrderBody) bool { return o.Status == "preparing" })
	kdsWait(t, ctx2, "recalled ticket back on the second screen", kdsTicket(o1.ID)+` && !document.querySelector('#pass .chip[data-id="`+fmt.Sprint(o1.ID)+`"]')`)

	// Cross off with the bump bar: the recalled ticket is selected; down
	// twice moves to its second line, X crosses it off, Z undoes that.
	tiramisu := o1.Items[1].ID
	kdsRun(t, ctx, chromedp.KeyEvent(kb.ArrowDown+kb.ArrowDown+"x"))
	kdsWaitOrder(t, box, waiter, o1.ID, "second line done by key", func(o kdsOrderBody) bool { return o.Items[1].Done && !o.Items[0].Done })
	kdsWait(t, ctx2, "second line crossed off on the second screen", fmt.Sprintf(`document.querySelector('%s .line[data-item="%d"]')?.classList.contains('done')`, kdsTicketSel(o1.ID), tiramisu))
	kdsRun(t, ctx, chromedp.KeyEvent("z"))
	kdsWaitOrder(t, box, waiter, o1.ID, "second line undone by key", func(o kdsOrderBody) bool { return !o.Items[1].Done })

	// Bump by touch on the second screen, recall by touch from the pass strip.
	kdsClick(t, ctx2, kdsTicketSel(o1.ID)+" .act-bump")
	kdsWaitOrder(t, box, waiter, o1.ID, "ready after touch bump", func(o kdsOrderBody) bool { return o.Status == "ready" })
	kdsWait(t, ctx, "pass chip on the first screen", `!!document.querySelector('#pass .chip[data-id="`+fmt.Sprint(o1.ID)+`"]')`)
	kdsClick(t, ctx, `#pass .chip[data-id="`+fmt.Sprint(o1.ID)+`"]`)
	kdsClick(t, ctx, "#confirm-yes")
	kdsWaitOrder(t, box, waiter, o1.ID, "preparing after touch recall", func(o kdsOrderBody) bool { return o.Status == "preparing" })
	kdsWait(t, ctx2, "ticket back after touch recall", kdsTicket(o1.ID))

	// ---- station filter: the bar sees only its lines ----
	o3 := kdsPlace(t, box, waiter, 3, "", kdsLine{menu["Aperol spritz"], 2, "no ice"}, kdsLine{menu["Burrata"], 1, ""})
	bar := newTab(t, ctx, 1920, 1080)
	kdsRun(t, bar, chromedp.Navigate(box.URL+"/kds?station=bar"))
	kdsWait(t, bar, "bar board", kdsTicket(o3.ID)+` && document.getElementById('conn').dataset.state === 'connected'`)
	if got := kdsString(t, bar, `[...document.querySelectorAll('`+kdsTicketSel(o3.ID)+` .line .name')].map(e => e.textContent).join('|')`); got != "Aperol spritz" {
		t.Errorf("bar ticket lines = %q; want only Aperol spritz", got)
	}
	if kdsBool(t, bar, kdsTicket(o1.ID)) || kdsBool(t, bar, kdsTicket(o2.ID)) {
		t.Errorf("bar board shows orders without bar lines")
	}
	kdsWait(t, bar, "bar all-day", kdsAllDay("Aperol spritz")+` === 2 && `+kdsAllDay("Burrata")+` === 0 && `+kdsAllDay("Spaghetti carbonara")+` === 0`)
	// The kitchen's board (its default station, from the settings) has the burrata, not the drinks.
	kdsWait(t, ctx, "kitchen board has the burrata, not the spritz", kdsAllDay("Burrata")+` === 1 && `+kdsAllDay("Aperol spritz")+` === 0`)
	if got := kdsString(t, bar, `document.getElementById('station').textContent`); got != "BAR" {
		t.Errorf("station label = %q; want BAR", got)
	}
	shot(t, bar, "kds-bar-1920")
	// Bumping at the bar (B, with nothing selected: the oldest ticket)
	// finishes the bar's lines; the kitchen still cooks.
	kdsRun(t, bar, chromedp.KeyEvent("b"))
	kdsWaitOrder(t, box, waiter, o3.ID, "bar lines done, burrata not", func(o kdsOrderBody) bool {
		return o.Status == "preparing" && o.Items[0].Done && !o.Items[1].Done
	})
	kdsWait(t, bar, "bar ticket at the bar's pass", `!`+kdsTicket(o3.ID)+` && !!document.querySelector('#pass .chip[data-id="`+fmt.Sprint(o3.ID)+`"]')`)
	kdsWait(t, ctx, "kitchen still has the ticket", kdsTicket(o3.ID)+` && `+kdsAllDay("Burrata")+` === 1`)

	// ---- a cancelled order flashes and stays until a cook clears it ----
	kdsDo(t, box, waiter, http.MethodPost, fmt.Sprintf("/api/orders/%d/cancel", o2.ID), map[string]string{"reason": "guest left"}, http.StatusOK, nil)
	kdsWait(t, ctx, "cancelled flash", `document.querySelector('`+kdsTicketSel(o2.ID)+`')?.dataset.status === 'cancelled' && !!document.querySelector('`+kdsTicketSel(o2.ID)+` .t-ghost')`)
	kdsWait(t, ctx2, "cancelled flash on the second screen", `!!document.querySelector('`+kdsTicketSel(o2.ID)+` .t-ghost')`)
	shot(t, ctx, "kds-cancelled-1920")
	kdsWait(t, ctx, "cancelled line off the all-day", kdsAllDay("Branzino al forno")+` === 0`)
	for _, c := range []context.Context{ctx, ctx2} {
		kdsClick(t, c, kdsTicketSel(o2.ID)+" .act-ack")
		kdsWait(t, c, "cancelled ticket cleared", `!`+kdsTicket(o2.ID))
	}

	// ---- a full service: ten tickets on one screen, readable ----
	dishes := []string{"Tagliatelle al ragù", "Risotto ai funghi", "Pollo alla cacciatora", "Tagliata di manzo", "Gnocchi al pesto", "Linguine alle vongole", "Bruschetta al pomodoro", "Fritto misto"}
	for i, d := range dishes {
		lines := []kdsLine{{menu[d], 1 + i%3, ""}, {menu[dishes[(i+3)%len(dishes)]], 1, map[bool]string{true: "well done", false: ""}[i%2 == 0]}}
		if i%3 == 0 {
			lines = append(lines, kdsLine{menu["Panna cotta"], 2, ""})
		}
		kdsPlace(t, box, waiter, int64(4+i), "", lines...)
	}
	kdsWait(t, ctx, "ten tickets", `document.querySelectorAll('#tickets .ticket').length === 10`)
	kdsWait(t, ctx, "new-ticket highlights over", `!document.querySelector('.flash-new')`)
	if !kdsBool(t, ctx, `document.getElementById('pager').hidden`) {
		t.Errorf("ten tickets paginate; want them on one screen")
	}
	if !kdsBool(t, ctx, `document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth`) {
		t.Errorf("the board scrolls at 1920x1080")
	}
	if got := kdsString(t, ctx, `[...document.querySelectorAll('#tickets .ticket')].filter(e => !e.querySelector('.t-more').hidden).map(e => e.dataset.id).join(',')`); got != "" {
		t.Errorf("tickets %s do not show all their lines", got)
	}
	if px := kdsInt(t, ctx, `Math.round(parseFloat(getComputedStyle(document.querySelector('#tickets .line .name')).fontSize))`); px < 24 {
		t.Errorf("item text is %dpx; want at least 24px, readable from two metres", px)
	}
	kdsWait(t, ctx, "every line visible or marked", kdsNothingClipped)
	shot(t, ctx, "kds-service-1920")

	// ---- ageing colours, settable and remembered ----
	kdsRun(t, ctx, chromedp.Click(chromedp.CSS("#settings-open")))
	kdsWait(t, ctx, "settings dialog", `document.getElementById('settings').open`)
	kdsExec(t, ctx, `document.getElementById('set-warn').value = '3'; document.getElementById('set-late').value = '7'`)
	kdsRun(t, ctx, chromedp.Click(chromedp.CSS("#set-save")))
	kdsWait(t, ctx, "settings closed", `!document.getElementById('settings').open`)
	if !kdsBool(t, ctx, `document.querySelector('`+kdsTicketSel(o1.ID)+`').classList.contains('age-ok')`) {
		t.Errorf("a fresh ticket is not in the normal colour")
	}
	// Move the page's clock on instead of waiting minutes.
	kdsExec(t, ctx, `window.__realNow = window.__realNow || Date.now; Date.now = () => window.__realNow() + 4 * 60000`)
	kdsWait(t, ctx, "warn colour after 4 of 3 minutes", `document.querySelector('`+kdsTicketSel(o1.ID)+`').classList.contains('age-warn')`)
	kdsExec(t, ctx, `Date.now = () => window.__realNow() + 8 * 60000`)
	kdsWait(t, ctx, "late colour after 8 of 7 minutes", `document.querySelector('`+kdsTicketSel(o1.ID)+`').classList.contains('age-late') && parseInt(document.querySelector('`+kdsTicketSel(o1.ID)+` .t-timer').textContent) >= 8`)
	shot(t, ctx, "kds-ageing-1920")
	kdsExec(t, ctx, `Date.now = window.__realNow`)

	// ---- reload: still signed in, settings remembered, nothing twice ----
	kdsRun(t, ctx, chromedp.Reload())
	kdsWait(t, ctx, "board after reload", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected' && document.querySelectorAll('#tickets .ticket').length === 10`)
	if got := kdsString(t, ctx, `localStorage.getItem('rms.kds.warn') + '/' + localStorage.getItem('rms.kds.late')`); got != "3/7" {
		t.Errorf("remembered ageing minutes = %s; want 3/7", got)
	}

	// ---- the box goes away: the banner says so; the missed ticket comes ----
	box.Stop()
	kdsWait(t, ctx, "reconnecting banner", `document.getElementById('conn').dataset.state === 'reconnecting' && !document.getElementById('banner').hidden && document.getElementById('banner').textContent.includes('Reconnecting')`)
	kdsWait(t, ctx, "board laid out again under the banner", kdsNothingClipped)
	shot(t, ctx, "kds-reconnecting-1920")
	box.start(t)
	missed := kdsPlace(t, box, waiter, 12, "", kdsLine{menu["Saltimbocca alla romana"], 1, "sauce on the side"})
	kdsWaitWithin(t, ctx, 15*time.Second, "missed ticket after the box returned", kdsTicket(missed.ID)+` && document.getElementById('conn').dataset.state === 'connected' && document.getElementById('banner').hidden`)
	kdsWait(t, ctx2, "missed ticket on the second screen", kdsTicket(missed.ID))
	// Nothing twice, nothing missing: the board matches the box.
	var active []kdsOrderBody
	kdsDo(t, box, waiter, http.MethodGet, "/api/orders?status=confirmed,preparing", nil, http.StatusOK, &active)
	want := make([]string, 0, len(active))
	for _, o := range active {
		want = append(want, fmt.Sprint(o.ID))
	}
	for _, c := range []context.Context{ctx, ctx2} {
		got := kdsString(t, c, `[...document.querySelectorAll('#tickets .ticket')].map(e => e.dataset.id).sort((a, b) => a - b).join(',')`)
		if got != strings.Join(want, ",") {
			t.Errorf("tickets on screen = %s; want %s", got, strings.Join(want, ","))
		}
	}

	// ---- the manager deactivates the chef: every screen signs out at once ----
	admin := box.Login(t, "admin", "admin123")
	var users []struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	}
	kdsDo(t, box, admin, http.MethodGet, "/api/users", nil, http.StatusOK, &users)
	for _, u := range users {
		if u.Username == "marco" {
			kdsDo(t, box, admin, http.MethodPatch, fmt.Sprintf("/api/users/%d", u.ID), map[string]bool{"active": false}, http.StatusOK, nil)
		}
	}
	for _, c := range []context.Context{ctx, ctx2} {
		kdsWait(t, c, "signed out", `!document.getElementById('login').hidden && document.getElementById('login-msg').textContent.includes('signed out by the manager') && localStorage.getItem('rms.token.kds') === null`)
	}
}

// ---- helpers (prefixed: the root package is shared by every browser test) ----

type kdsMenuItem struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Station   string   `json:"station"`
	Allergens []string `json:"allergens"`
}

type kdsOrderBody struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Items  []struct {
		ID   int64 `json:"id"`
		Done bool  `json:"done"`
	} `json:"items"`
}

type kdsLine struct {
	item     kdsMenuItem
	quantity int
	notes    string
}

func kdsMenu(t *testing.T, box *testBox, token string) map[string]kdsMenuItem {
	t.Helper()
	var m struct {
		Categories []struct {
			Items []kdsMenuItem `json:"items"`
		} `json:"categories"`
	}
	kdsDo(t, box, token, http.MethodGet, "/api/menu", nil, http.StatusOK, &m)
	out := map[string]kdsMenuItem{}
	for _, c := range m.Categories {
		for _, it := range c.Items {
			out[it.Name] = it
		}
	}
	return out
}

// kdsPlace places an order as a waiter (staff orders start confirmed).
func kdsPlace(t *testing.T, box *testBox, token string, tableID int64, notes string, lines ...kdsLine) kdsOrderBody {
	t.Helper()
	items := make([]map[string]any, 0, len(lines))
	for _, l := range lines {
		if l.item.ID == 0 {
			t.Fatalf("order line with an item missing from the demo menu")
		}
		items = append(items, map[string]any{"menu_item_id": l.item.ID, "quantity": l.quantity, "notes": l.notes})
	}
	var o kdsOrderBody
	kdsDo(t, box, token, http.MethodPost, "/api/orders", map[string]any{"table_id": tableID, "items": items, "notes": notes}, http.StatusCreated, &o)
	if o.Status != "confirmed" {
		t.Fatalf("a waiter's new order is %s; want confirmed", o.Status)
	}
	return o
}

func kdsDo(t *testing.T, box *testBox, token, method, path string, body any, want int, out any) {
	t.Helper()
	status, raw := box.Do(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s = %d %s; want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// kdsWaitOrder polls the order over REST until ok holds (5 s).
func kdsWaitOrder(t *testing.T, box *testBox, token string, id int64, what string, ok func(kdsOrderBody) bool) {
	t.Helper()
	var o kdsOrderBody
	deadline := time.Now().Add(5 * time.Second)
	for {
		kdsDo(t, box, token, http.MethodGet, fmt.Sprintf("/api/orders/%d", id), nil, http.StatusOK, &o)
		if ok(o) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d never became %s: last %+v", id, what, o)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kdsNothingClipped holds when no ticket hides lines without saying so
// and the all-day panel does not run off the screen.
const kdsNothingClipped = `[...document.querySelectorAll('#tickets .ticket')].every(t => {
	const i = t.querySelector('.t-items');
	return i.scrollHeight <= i.clientHeight + 1 || !t.querySelector('.t-more').hidden;
}) && (() => { const p = document.querySelector('.allday'); return p.scrollHeight <= p.clientHeight + 1; })()`

func kdsTicketSel(id int64) string { return fmt.Sprintf(`#tickets .ticket[data-id="%d"]`, id) }

func kdsTicket(id int64) string {
	return `!!document.querySelector('` + kdsTicketSel(id) + `')`
}

// kdsAllDay is a JS expression: the all-day count of name, 0 when absent.
func kdsAllDay(name string) string {
	return `Number([...document.querySelectorAll('#allday li')].find(li => li.dataset.name === ` + kdsQuote(name) + `)?.querySelector('.ad-n').textContent || 0)`
}

func kdsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func kdsSignIn(t *testing.T, ctx context.Context, user, password string) {
	t.Helper()
	kdsExec(t, ctx, `document.getElementById('login-user').value = ''; document.getElementById('login-pass').value = ''`)
	kdsRun(t, ctx,
		chromedp.SendKeys("#login-user", user),
		chromedp.SendKeys("#login-pass", password),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
}

func kdsRun(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	pageDo(t, ctx, "kds-failure", steps...)
}

func kdsValue[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return pageEval[T](t, ctx, "kds-failure", expr)
}

func kdsExec(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	kdsValue[chromedp.Void](t, ctx, expr+`; undefined`)
}

func kdsString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	return kdsValue[string](t, ctx, expr)
}

func kdsBool(t *testing.T, ctx context.Context, expr string) bool {
	t.Helper()
	return kdsValue[bool](t, ctx, `!!(`+expr+`)`)
}

func kdsInt(t *testing.T, ctx context.Context, expr string) int64 {
	t.Helper()
	return int64(kdsValue[float64](t, ctx, expr))
}

// kdsWait polls a JavaScript condition for up to 30 s (a reconnect backs
// off for a few seconds, and a shared CI machine may be slow).
func kdsWait(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	kdsWaitWithin(t, ctx, 30*time.Second, what, cond)
}

func kdsWaitWithin(t *testing.T, ctx context.Context, d time.Duration, what, cond string) {
	t.Helper()
	pageWaitFor(t, ctx, d, "kds-failure", "#toast:not([hidden]), #login-msg", what, cond)
}

// kdsClick clicks an element with the mouse once it is visible and enabled.
func kdsClick(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	kdsWait(t, ctx, "clickable "+sel, `(() => { const e = document.querySelector(`+kdsQuote(sel)+`); return !!e && !e.disabled && e.getClientRects().length > 0; })()`)
	kdsRun(t, ctx, chromedp.Click(chromedp.CSS(sel)))
}

// TestKDS720p opens the kitchen display on a TV browser that reports
// 1280x720: the board keeps its 1080p design scaled down to fill the
// screen exactly, with nothing cut off and no scrolling.
func TestKDS720p(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)
	for i, d := range []string{"Burrata", "Fritto misto", "Risotto ai funghi", "Tagliata di manzo", "Tiramisù", "Aperol spritz", "Gnocchi al pesto"} {
		kdsPlace(t, box, waiter, int64(1+i), "", kdsLine{menu[d], 1 + i%2, ""}, kdsLine{menu["Panna cotta"], 1, ""})
	}

	ctx := newBrowser(t, 1280, 720)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/healthz"))
	kdsExec(t, ctx, `localStorage.setItem('rms.token.kds', `+kdsQuote(chef)+`)`)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/kds"))
	kdsWait(t, ctx, "seven tickets", `document.querySelectorAll('#tickets .ticket').length === 7 && document.getElementById('conn').dataset.state === 'connected'`)
	kdsWait(t, ctx, "laid out", kdsNothingClipped)
	if got := kdsString(t, ctx, `(() => { const r = document.getElementById('app').getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)].join('x'); })()`); got != "1280x720" {
		t.Errorf("board covers %s; want the whole 1280x720 screen", got)
	}
	if !kdsBool(t, ctx, `document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth`) {
		t.Errorf("the board scrolls at 1280x720")
	}
	shot(t, ctx, "kds-720p")
}
