package main

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

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The guest's iPad through a full service (issue 22, items 6 to 9), in
// Chromium at the iPad's sizes, opened as http://rms.local:PORT/t/ (not a
// secure context): what the progress says, the words every error becomes,
// the portrait layout and the allergen filter. Expected words come from
// the app's own message files, so a test in Italian checks the Italian.

// gstItem is a demo dish with what the tests choose by.
type gstItem struct {
	ID             int64    `json:"id"`
	CategoryID     int64    `json:"category_id"`
	Name           string   `json:"name"`
	Available      bool     `json:"available"`
	Allergens      []string `json:"allergens"`
	ModifierGroups []any    `json:"modifier_groups"`
}

// gstMenu lists the demo's dishes; plain ones (no choices) are added with +.
func gstMenu(t *testing.T, b *testBox, token string) (all, plain []gstItem) {
	t.Helper()
	var m struct {
		Categories []struct {
			Items []gstItem `json:"items"`
		} `json:"categories"`
	}
	tblJSON(t, b, http.MethodGet, "/api/menu", token, nil, http.StatusOK, &m)
	for _, c := range m.Categories {
		for _, it := range c.Items {
			all = append(all, it)
			if len(it.ModifierGroups) == 0 && it.Available {
				plain = append(plain, it)
			}
		}
	}
	if len(plain) < 6 {
		t.Fatalf("the demo has %d plain dishes; want at least 6", len(plain))
	}
	return all, plain
}

// gstWords reads the table app's message file of lang.
func gstWords(t *testing.T, lang string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("web", "t", "i18n", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// gstSay is the message key of words with vars filled in, as the page's t() does.
func gstSay(t *testing.T, words map[string]any, key string, vars map[string]any) string {
	t.Helper()
	var s string
	switch v := words[key].(type) {
	case string:
		s = v
	case map[string]any:
		if n, ok := vars["n"].(int); ok && n == 1 {
			s, _ = v["one"].(string)
		} else {
			s, _ = v["other"].(string)
		}
	default:
		t.Fatalf("no words for %q", key)
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", fmt.Sprint(v))
	}
	return s
}

// gstOpen opens the table app signed in as the table, in lang, at w×h.
func gstOpen(t *testing.T, b *testBox, token, lang string, w, h int) context.Context {
	t.Helper()
	ctx := newBrowser(t, w, h)
	tblDo(t, ctx, "open", chromedp.Navigate(b.URL+"/t/"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.token.table', %q); localStorage.setItem('rms.table.lang', %q)`, token, `"`+lang+`"`)),
		chromedp.Reload())
	tblWait(t, ctx, "live menu", `document.querySelectorAll('[data-item]').length > 0 && document.getElementById('conn').hidden`, 15*time.Second)
	if tblEval[bool](t, ctx, `window.isSecureContext`) {
		t.Fatal("the page is a secure context; an iPad on http://rms.local is not")
	}
	return ctx
}

// gstToast waits for a toast that says exactly want.
func gstToast(t *testing.T, ctx context.Context, what, want string) {
	t.Helper()
	tblWait(t, ctx, what, fmt.Sprintf(`[...document.querySelectorAll('.toast')].some((e) => e.textContent === %q)`, want), 10*time.Second)
}

// gstNoDevText fails when anything on screen carries words of the box's
// own messages (English, for developers) rather than the guests'.
func gstNoDevText(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	text := tblEval[string](t, ctx, `document.body.innerText`)
	for _, dev := range []string{"Idempotency", "idempotency", "must be at most", "must have at most", "not available right now:", "not available at this time:",
		"open orders, the most", "too many", "invalid input", "HTTP ", "Bad Gateway", "request body", "conflict", "validation", "undefined", "[object"} {
		if strings.Contains(text, dev) {
			t.Errorf("%s: the screen shows developer text %q:\n%s", where, dev, text)
		}
	}
}

// gstSend adds the dishes by their + and taps Send, opening the drawer of a portrait iPad first.
func gstSend(t *testing.T, ctx context.Context, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		tblDo(t, ctx, "add", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, id))))
	}
	gstCart(t, ctx)
	tblDo(t, ctx, "send", chromedp.Click(chromedp.CSS(`#send`)))
}

// gstCart shows the cart: its tab beside the menu, or the drawer in portrait.
func gstCart(t *testing.T, ctx context.Context) {
	t.Helper()
	tblDo(t, ctx, "show the cart", chromedp.Evaluate[chromedp.Void](`(() => {
		const p = document.getElementById('panel-cart');
		if (p.hidden || p.getClientRects().length === 0) document.getElementById('tab-cart').click();
	})()`))
	tblWait(t, ctx, "cart on screen", `document.getElementById('panel-cart').getClientRects().length > 0`, 3*time.Second)
}

func gstSettings(t *testing.T, b *testBox, admin string, patch map[string]any) {
	t.Helper()
	tblJSON(t, b, http.MethodPatch, "/api/settings", admin, patch, http.StatusOK, nil)
}

// TestGuestProgressSaysWhoItWaitsFor: an order a guest sends waits for a
// waiter, and the iPad says so ("sent to your waiter", waiting for them);
// once confirmed it is "in the kitchen", then ready and served, each with
// who it waits for. In English landscape and German portrait.
func TestGuestProgressSaysWhoItWaitsFor(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	admin, waiter, chef := tblStaff(t, b)
	gstSettings(t, b, admin, map[string]any{"auto_confirm_orders": false})
	_, plain := gstMenu(t, b, waiter)
	for i, run := range []struct {
		lang string
		w, h int
	}{{"en", 1180, 820}, {"de", 820, 1180}, {"de", 1180, 820}} {
		table := int64(i + 4)
		token := b.PairTable(t, waiter, table)
		words := gstWords(t, run.lang)
		ctx := gstOpen(t, b, token, run.lang, run.w, run.h)
		size := fmt.Sprintf("%s-%dx%d", run.lang, run.w, run.h)
		gstSend(t, ctx, plain[0].ID)
		gstToast(t, ctx, size+" sent toast", gstSay(t, words, "order_sent_waiter", nil))
		orders := tblOrders(t, b, waiter, table)
		if len(orders) != 1 || orders[0].Status != "pending" {
			t.Fatalf("%s: orders = %+v; want one pending order", size, orders)
		}
		o := orders[0]
		for _, st := range []struct{ status, token string }{{"pending", ""}, {"confirmed", waiter}, {"preparing", chef}, {"ready", chef}, {"served", waiter}} {
			if st.token != "" {
				tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", o.ID), st.token, map[string]string{"status": st.status}, http.StatusOK, nil)
			}
			pill, wait := gstSay(t, words, "st_"+st.status, nil), gstSay(t, words, "wait_"+st.status, nil)
			tblWait(t, ctx, size+" "+st.status, fmt.Sprintf(`(() => {
				const card = document.querySelector('[data-order="%d"]');
				const now = card && card.querySelector('.step-dot.now .step-label');
				return card && card.querySelector('.pill').textContent === %q && card.querySelector('.order-wait').textContent === %q && now && now.textContent === %q;
			})()`, o.ID, pill, wait, pill), 5*time.Second)
			if over := tblEval[string](t, ctx, fmt.Sprintf(`(() => { const c = document.querySelector('[data-order="%d"]'), p = document.getElementById('panel-orders').getBoundingClientRect(), r = c.getBoundingClientRect(); return c.scrollWidth > c.clientWidth || r.right > p.right + 1 ? c.scrollWidth + '>' + c.clientWidth + ' right ' + r.right + '>' + p.right : ''; })()`, o.ID)); over != "" {
				t.Errorf("%s %s: the order card runs past its panel (%s)", size, st.status, over)
			}
			if st.status == "pending" || st.status == "confirmed" {
				shot(t, ctx, "guest-progress-"+st.status+"-"+size)
			}
		}
		if run.lang == "en" {
			// The words themselves: the waiter first, then the kitchen.
			if p := gstSay(t, words, "st_pending", nil); p != "Sent to your waiter" {
				t.Errorf("pending says %q; want %q", p, "Sent to your waiter")
			}
			if p := gstSay(t, words, "st_confirmed", nil); p != "In the kitchen" {
				t.Errorf("confirmed says %q; want %q", p, "In the kitchen")
			}
		}
		gstNoDevText(t, ctx, size)
	}
	// A restaurant that confirms by itself: the order is in the kitchen at once.
	gstSettings(t, b, admin, map[string]any{"auto_confirm_orders": true})
	token := b.PairTable(t, waiter, 3)
	ctx := gstOpen(t, b, token, "it", 1180, 820)
	gstSend(t, ctx, plain[1].ID)
	gstToast(t, ctx, "auto-confirmed toast", gstSay(t, gstWords(t, "it"), "order_sent_kitchen", nil))
}

// gstFulfill answers a held request in the browser itself, as a proxy in
// front of the box would (a 502 page that is not the box's JSON).
func gstFulfill(t *testing.T, ctx context.Context, p tblPaused, status int64, body string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
		RequestID: p.RequestID, ResponseCode: status,
		ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}},
		Body:            []byte(body),
	}); err != nil {
		t.Fatalf("fulfill %s: %v", p.Request.URL, err)
	}
}

// gstThrough lets one held order through both ways and returns the box's status.
func gstThrough(t *testing.T, x *tblInterceptor) (key string, status int64) {
	t.Helper()
	req := x.next(t, false)
	key = req.key()
	x.pass(t, req)
	res := x.next(t, true)
	x.pass(t, res)
	return key, res.ResponseStatusCode
}

// TestGuestErrorsInGuestWords makes the box refuse a guest's order in each
// way a guest can meet (an item 86'd between adding and sending, the
// table's open orders at their limit, a note over the table's limit, too
// many orders a minute, a body over 1 MiB, the network gone, a proxy's 502,
// a cancel that comes too late, the iPad unpaired) and checks that each becomes the guests' words in
// Italian, never the box's message; then the stale saved cart of an iPad
// browser restart goes through once without a word, and the same cart
// restored again orders nothing twice.
func TestGuestErrorsInGuestWords(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	admin, waiter, chef := tblStaff(t, b)
	gstSettings(t, b, admin, map[string]any{"auto_confirm_orders": false})
	_, plain := gstMenu(t, b, waiter)
	const table = 1
	token := b.PairTable(t, waiter, table)
	it := gstWords(t, "it")
	ctx := gstOpen(t, b, token, "it", 1180, 820)
	x := tblIntercept(t, ctx, "*/api/orders*")
	ordersOf := func(id int64) (n int) {
		for _, o := range tblOrders(t, b, waiter, table) {
			for _, l := range o.Items {
				if l.MenuItemID == id {
					n++
				}
			}
		}
		return n
	}
	refused := func(what string, want int64) {
		t.Helper()
		if _, got := gstThrough(t, x); got != want {
			t.Fatalf("%s: the box answered %d; want %d", what, got, want)
		}
	}

	// 409: a dish 86'd between adding and sending leaves; the rest goes back.
	gone, kept := plain[0], plain[1]
	name := tblEval[string](t, ctx, fmt.Sprintf(`document.querySelector('[data-item="%d"] .item-name').textContent`, gone.ID))
	gstSend(t, ctx, gone.ID, kept.ID)
	held := x.next(t, false)
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d/availability", gone.ID), chef, map[string]bool{"available": false}, http.StatusOK, nil)
	x.pass(t, held)
	res := x.next(t, true)
	if res.ResponseStatusCode != http.StatusConflict {
		t.Fatalf("an order with an 86'd dish: %d; want 409", res.ResponseStatusCode)
	}
	x.pass(t, res)
	gstToast(t, ctx, "86'd dish", gstSay(t, it, "taken_off", map[string]any{"names": name, "n": 1}))
	gstNoDevText(t, ctx, "409 86'd")
	shot(t, ctx, "guest-error-409-86-it-1180x820")
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d/availability", gone.ID), chef, map[string]bool{"available": true}, http.StatusOK, nil)
	tblDo(t, ctx, "send the rest", chromedp.Click(chromedp.CSS(`#send`)))
	refused("the rest", http.StatusCreated)
	gstToast(t, ctx, "sent", gstSay(t, it, "order_sent_waiter", nil))

	// 409: the table's open orders at their limit: a waiter must help.
	gstSettings(t, b, admin, map[string]any{"table_max_open_orders": 1})
	gstSend(t, ctx, plain[2].ID)
	refused("open orders at the limit", http.StatusConflict)
	gstToast(t, ctx, "open orders at the limit", gstSay(t, it, "order_needs_waiter", nil))
	gstNoDevText(t, ctx, "409 open orders")
	shot(t, ctx, "guest-error-409-limit-it-1180x820")

	// 422: a note longer than the table may send.
	gstSettings(t, b, admin, map[string]any{"table_max_open_orders": 50, "table_max_note_chars": 5})
	gstCart(t, ctx)
	tblDo(t, ctx, "a long note", chromedp.SendKeys(chromedp.CSS(`#order-note`), "senza cipolla"), chromedp.Click(chromedp.CSS(`#send`)))
	refused("a long note", http.StatusUnprocessableEntity)
	gstToast(t, ctx, "422 note", gstSay(t, it, "note_too_long", nil))
	gstNoDevText(t, ctx, "422")
	shot(t, ctx, "guest-error-422-it-1180x820")
	gstSettings(t, b, admin, map[string]any{"table_max_note_chars": 200})

	// 429: too many orders a minute: the order waits on the iPad, says
	// why, and goes by itself once the box takes it.
	gstSettings(t, b, admin, map[string]any{"table_max_orders_per_minute": 1})
	gstCart(t, ctx)
	tblDo(t, ctx, "send", chromedp.Click(chromedp.CSS(`#send`)))
	refused("too many a minute", http.StatusTooManyRequests)
	tblWait(t, ctx, "429 waits", fmt.Sprintf(`(() => { const o = document.querySelector('.outbox.is-waiting'); return o && o.querySelector('.outbox-title').textContent === %q && o.querySelector('.outbox-text').textContent === %q; })()`,
		gstSay(t, it, "busy_title", nil), gstSay(t, it, "busy_text", nil)), 5*time.Second)
	gstNoDevText(t, ctx, "429")
	shot(t, ctx, "guest-error-429-it-1180x820")
	gstSettings(t, b, admin, map[string]any{"table_max_orders_per_minute": 60})
	refused("the retry after 429", http.StatusCreated)
	gstToast(t, ctx, "sent after 429", gstSay(t, it, "order_sent_waiter", nil))
	if n := ordersOf(plain[2].ID); n != 1 {
		t.Fatalf("orders with %s after the 429 = %d; want 1", plain[2].Name, n)
	}

	// The network gone, then a proxy's 502: the order waits, saying which.
	gstSend(t, ctx, plain[3].ID)
	x.fail(t, x.next(t, false), network.ErrorReasonInternetDisconnected)
	tblWait(t, ctx, "offline waits", fmt.Sprintf(`(() => { const o = document.querySelector('.outbox.is-waiting .outbox-title'); return o && o.textContent === %q; })()`, gstSay(t, it, "not_sent_title", nil)), 5*time.Second)
	gstFulfill(t, ctx, x.next(t, false), http.StatusBadGateway, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	tblWait(t, ctx, "502 waits", fmt.Sprintf(`(() => { const o = document.querySelector('.outbox.is-waiting'); return o && o.querySelector('.outbox-title').textContent === %q && o.querySelector('.outbox-text').textContent === %q; })()`,
		gstSay(t, it, "server_title", nil), gstSay(t, it, "server_text", nil)), 5*time.Second)
	gstNoDevText(t, ctx, "502")
	shot(t, ctx, "guest-error-502-it-1180x820")
	refused("the retry after 502", http.StatusCreated)
	gstToast(t, ctx, "sent after 502", gstSay(t, it, "order_sent_waiter", nil))
	if n := ordersOf(plain[3].ID); n != 1 {
		t.Fatalf("orders with %s after the outage = %d; want 1", plain[3].Name, n)
	}

	// 413: a saved order over 1 MiB (no guest can type one; an old or
	// broken cart can hold one) comes back to the cart with guest words.
	big := strings.Repeat("x", 1<<20)
	tblDo(t, ctx, "a saved order over 1 MiB", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.table.outbox', JSON.stringify({table_id: %d, key: 'big-1',
		body: {table_id: %d, items: [{menu_item_id: %d, quantity: 1, notes: '', modifiers: []}], notes: %q},
		lines: [{menu_item_id: %d, quantity: 1, notes: '', modifiers: [], name: 'x', price_cents: 1}], state: 'waiting'}))`, table, table, plain[4].ID, big, plain[4].ID)), chromedp.Reload())
	refused("over 1 MiB", http.StatusRequestEntityTooLarge)
	gstToast(t, ctx, "413", gstSay(t, it, "order_too_big", nil))
	gstNoDevText(t, ctx, "413")
	shot(t, ctx, "guest-error-413-it-1180x820")
	tblDo(t, ctx, "empty the cart", chromedp.Evaluate[chromedp.Void](`localStorage.removeItem('rms.table.cart'); localStorage.removeItem('rms.table.outbox')`), chromedp.Reload())
	tblWait(t, ctx, "menu", `document.querySelectorAll('[data-item]').length > 0 && document.getElementById('cart-count').textContent === ''`, 10*time.Second)

	// The stale saved cart: its key was used for another order (the iPad's
	// storage lost the cart that followed it). It goes through once, silently.
	stale := plain[4]
	tblDo(t, ctx, "send a cart", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.table.cart', JSON.stringify({table_id: %d, key: 'stale-key-0001', lines: [{menu_item_id: %d, quantity: 1, notes: '', modifiers: []}], notes: ''}))`, table, plain[5].ID)), chromedp.Reload())
	tblWait(t, ctx, "saved cart", `document.getElementById('cart-count').textContent === '1' && !!document.querySelector('#send:not([disabled])')`, 10*time.Second)
	tblDo(t, ctx, "send", chromedp.Click(chromedp.CSS(`#send`)))
	if key, got := gstThrough(t, x); key != "stale-key-0001" || got != http.StatusCreated {
		t.Fatalf("first send of the saved cart: key %q, status %d; want its key and 201", key, got)
	}
	gstToast(t, ctx, "sent", gstSay(t, it, "order_sent_waiter", nil))
	tblDo(t, ctx, "the browser restarts with the older cart, other dishes under the spent key", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.table.cart', JSON.stringify({table_id: %d, key: 'stale-key-0001', lines: [{menu_item_id: %d, quantity: 2, notes: '', modifiers: []}], notes: ''}))`, table, stale.ID)), chromedp.Reload())
	tblWait(t, ctx, "stale cart", `document.getElementById('cart-count').textContent === '2' && !!document.querySelector('#send:not([disabled])')`, 10*time.Second)
	tblDo(t, ctx, "send the stale cart", chromedp.Click(chromedp.CSS(`#send`)))
	if key, got := gstThrough(t, x); key != "stale-key-0001" || got != http.StatusConflict {
		t.Fatalf("stale cart: key %q, status %d; want the spent key refused with 409", key, got)
	}
	key, got := gstThrough(t, x)
	if key == "stale-key-0001" || len(key) < 16 || got != http.StatusCreated {
		t.Fatalf("stale cart's retry: key %q, status %d; want a fresh key and 201", key, got)
	}
	gstToast(t, ctx, "stale cart sent", gstSay(t, it, "order_sent_waiter", nil))
	if n := tblEval[int](t, ctx, `document.querySelectorAll('.toast-error, .toast-warn').length`); n != 0 {
		t.Errorf("the stale cart showed %d error toasts; want none", n)
	}
	gstNoDevText(t, ctx, "stale cart")
	shot(t, ctx, "guest-stale-cart-it-1180x820")
	if n := ordersOf(stale.ID); n != 1 {
		t.Fatalf("orders of the stale cart's %s = %d; want exactly 1", stale.Name, n)
	}
	// The same cart under the same key again (restored once more): the box
	// replays the order it made, nothing is ordered twice.
	before := len(tblOrders(t, b, waiter, table))
	tblDo(t, ctx, "the first cart restored again", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('rms.table.cart', JSON.stringify({table_id: %d, key: 'stale-key-0001', lines: [{menu_item_id: %d, quantity: 1, notes: '', modifiers: []}], notes: ''}))`, table, plain[5].ID)), chromedp.Reload())
	tblWait(t, ctx, "restored cart", `document.getElementById('cart-count').textContent === '1' && !!document.querySelector('#send:not([disabled])')`, 10*time.Second)
	tblDo(t, ctx, "send it", chromedp.Click(chromedp.CSS(`#send`)))
	if key, got := gstThrough(t, x); key != "stale-key-0001" || got != http.StatusCreated {
		t.Fatalf("the same cart again: key %q, status %d; want its key replayed (201)", key, got)
	}
	tblWait(t, ctx, "cart empty", `document.getElementById('cart-count').textContent === ''`, 5*time.Second)
	if after := len(tblOrders(t, b, waiter, table)); after != before {
		t.Fatalf("orders after the same cart was sent again = %d; want %d (replayed, not doubled)", after, before)
	}
	// A changed cart has a new key at once.
	tblDo(t, ctx, "add", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, plain[5].ID))))
	k1 := tblEval[string](t, ctx, `JSON.parse(localStorage.getItem('rms.table.cart')).key`)
	tblDo(t, ctx, "add again", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, plain[5].ID))))
	if k2 := tblEval[string](t, ctx, `JSON.parse(localStorage.getItem('rms.table.cart')).key`); k2 == k1 || len(k2) < 16 {
		t.Errorf("cart key after a change = %q (before %q); want a fresh key", k2, k1)
	}

	// Too late to cancel: a waiter confirms while the guests' cancel is on its way (403).
	var pending int64
	for _, o := range tblOrders(t, b, waiter, table) {
		if o.Status == "pending" && o.ID > pending {
			pending = o.ID
		}
	}
	cancel := fmt.Sprintf(`[data-cancel="%d"]`, pending)
	tblDo(t, ctx, "cancel, twice", chromedp.Click(chromedp.CSS(`#tab-orders`)), chromedp.Click(chromedp.CSS(cancel)))
	tblWait(t, ctx, "armed", fmt.Sprintf(`document.querySelector('%s').classList.contains('is-armed')`, cancel), 3*time.Second)
	tblDo(t, ctx, "confirm the cancel", chromedp.Click(chromedp.CSS(cancel)))
	held = x.next(t, false)
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", pending), waiter, map[string]string{"status": "confirmed"}, http.StatusOK, nil)
	x.pass(t, held)
	if res := x.next(t, true); res.ResponseStatusCode != http.StatusForbidden {
		t.Fatalf("a guest's cancel of a confirmed order: %d; want 403", res.ResponseStatusCode)
	} else {
		x.pass(t, res)
	}
	gstToast(t, ctx, "too late to cancel", gstSay(t, it, "cancel_too_late", nil))
	gstNoDevText(t, ctx, "403 cancel")

	// Unpaired: staff pair the table anew; this iPad says so in Italian.
	b.PairTable(t, waiter, table)
	tblWait(t, ctx, "pairing screen", fmt.Sprintf(`!document.getElementById('pair').hidden && document.getElementById('pair-msg').textContent === %q && document.getElementById('pair-title').textContent === %q`,
		gstSay(t, it, "revoked_text", nil), gstSay(t, it, "pair_title", nil)), 10*time.Second)
	gstNoDevText(t, ctx, "unpaired")
	shot(t, ctx, "guest-error-unpaired-it-1180x820")
}

// TestGuestServiceRequestErrors: "Call waiter" that cannot reach the box,
// or reaches a proxy's 503, says so in the guests' words (German), and
// goes through when tapped again.
func TestGuestServiceRequestErrors(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	_, waiter, _ := tblStaff(t, b)
	de := gstWords(t, "de")
	ctx := gstOpen(t, b, b.PairTable(t, waiter, 1), "de", 820, 1180)
	x := tblIntercept(t, ctx, "*/requests")
	tblDo(t, ctx, "call a waiter", chromedp.Click(chromedp.CSS(`#btn-waiter`)))
	x.fail(t, x.next(t, false), network.ErrorReasonInternetDisconnected)
	gstToast(t, ctx, "no connection", gstSay(t, de, "err_network", nil))
	tblWait(t, ctx, "button back", `!document.getElementById('btn-waiter').disabled`, 3*time.Second)
	tblDo(t, ctx, "call again", chromedp.Click(chromedp.CSS(`#btn-waiter`)))
	gstFulfill(t, ctx, x.next(t, false), http.StatusServiceUnavailable, "<h1>503 Service Unavailable</h1>")
	gstToast(t, ctx, "a proxy's 503", gstSay(t, de, "err_server", nil))
	gstNoDevText(t, ctx, "503 request")
	shot(t, ctx, "guest-request-503-de-820x1180")
	tblWait(t, ctx, "button back", `!document.getElementById('btn-waiter').disabled`, 3*time.Second)
	tblDo(t, ctx, "call once more", chromedp.Click(chromedp.CSS(`#btn-waiter`)))
	if _, got := gstThrough(t, x); got/100 != 2 {
		t.Fatalf("Call waiter: the box answered %d; want 2xx", got)
	}
	gstToast(t, ctx, "waiter coming", gstSay(t, de, "waiter_coming", nil))
}
