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
	}{{"en", 1180, 820}, {"de", 820, 1180}} {
		table := int64(i + 1)
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

// gstRect is an element's box on screen.
type gstRect struct{ Left, Top, Right, Bottom, Width, Height float64 }

func gstBox(t *testing.T, ctx context.Context, sel string) gstRect {
	t.Helper()
	return tblEval[gstRect](t, ctx, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom, Width: r.width, Height: r.height}; })()`, sel))
}

// TestGuestPortraitLayout: on a portrait iPad (820×1180) the menu has the
// whole width (two columns), the cart is a bar at the bottom that opens as
// a drawer and closes again, and a category bar wider than the screen
// fades at the edge where more chips are, with a chip cut there; landscape
// (1180×820) keeps the side cart.
func TestGuestPortraitLayout(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	_, waiter, _ := tblStaff(t, b)
	_, plain := gstMenu(t, b, waiter)
	token := b.PairTable(t, waiter, 1)
	// German names are long: the bar is wider than the screen.
	ctx := gstOpen(t, b, token, "de", 820, 1180)
	tblDo(t, ctx, "fill the cart", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, plain[0].ID))), chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .add`, plain[1].ID))))

	menu, side := gstBox(t, ctx, "#menu"), gstBox(t, ctx, "#side")
	t.Logf("820x1180: menu %.0fpx wide (%.0f%%), cart bar %.0fx%.0fpx at the bottom", menu.Width, 100*menu.Width/820, side.Width, side.Height)
	if menu.Width < 0.95*820 {
		t.Errorf("menu is %.0fpx wide on a portrait iPad; want the whole width (≥ 779px)", menu.Width)
	}
	if side.Height > 80 || side.Bottom < 1179 || side.Width < 819 {
		t.Errorf("the closed cart is %+v; want a bar at most 80px tall across the bottom", side)
	}
	if cols := tblEval[int](t, ctx, `new Set([...document.querySelector('.cat-section .grid').children].map((e) => Math.round(e.getBoundingClientRect().left))).size`); cols != 2 {
		t.Errorf("menu columns in portrait = %d; want 2", cols)
	}
	if got := tblEval[string](t, ctx, `document.getElementById('cart-count').textContent`); got != "2" {
		t.Errorf("the bar's cart count = %q; want 2", got)
	}

	// The category bar says it scrolls.
	cats := gstBox(t, ctx, "#cats")
	over := tblEval[int](t, ctx, `(() => { const n = document.getElementById('cats'); return n.scrollWidth - n.clientWidth; })()`)
	if over <= 0 {
		t.Fatalf("the German category bar fits at 820px (%d); the test needs one wider than the screen", over)
	}
	fade := tblEval[string](t, ctx, `(() => { const s = getComputedStyle(document.getElementById('cats')); return s.maskImage || s.webkitMaskImage || 'none'; })()`)
	cut := tblEval[string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#cats .cat')].filter((c) => { const r = c.getBoundingClientRect(); return r.left < %f && r.right > %f; }).map((c) => c.textContent).join()`, cats.Right-8, cats.Right))
	t.Logf("category bar: %dpx more to scroll, fade %q, chip cut at the edge %q", over, fade, cut)
	if !tblEval[bool](t, ctx, `document.getElementById('cats').classList.contains('is-more-end')`) || fade == "none" || fade == "" {
		t.Errorf("the category bar's end does not fade (mask %q)", fade)
	}
	if cut == "" {
		t.Errorf("no category chip is cut by the bar's edge; want the next one partly visible")
	}
	shot(t, ctx, "guest-portrait-menu-de-820x1180")
	tblDo(t, ctx, "scroll the bar to its end", chromedp.Evaluate[chromedp.Void](`(() => { const n = document.getElementById('cats'); n.scrollLeft = n.scrollWidth; })()`))
	tblWait(t, ctx, "fade at the start", `(() => { const n = document.getElementById('cats').classList; return n.contains('is-more-start') && !n.contains('is-more-end'); })()`, 3*time.Second)
	shot(t, ctx, "guest-portrait-cats-end-de-820x1180")

	// The drawer opens on the cart, Send in reach, and closes three ways.
	for _, closer := range []string{"toggle", "scrim", "escape"} {
		tblDo(t, ctx, "open the drawer", chromedp.Click(chromedp.CSS(`#tab-cart`)))
		tblWait(t, ctx, "drawer open", `document.getElementById('app').classList.contains('side-open') && document.getElementById('side-toggle').getAttribute('aria-expanded') === 'true'`, 3*time.Second)
		open := gstBox(t, ctx, "#side")
		send := gstBox(t, ctx, "#send")
		if send.Bottom > 1180 || send.Top < 0 || open.Top < 100 {
			t.Errorf("open drawer %+v, Send %+v; want Send on screen and the header above the drawer", open, send)
		}
		if closer == "toggle" {
			t.Logf("820x1180: open drawer %.0fpx tall (top at %.0fpx)", open.Height, open.Top)
			shot(t, ctx, "guest-portrait-drawer-de-820x1180")
			tblCheckTouch(t, ctx, "portrait drawer")
		}
		switch closer {
		case "toggle":
			tblDo(t, ctx, "close", chromedp.Click(chromedp.CSS(`#side-toggle`)))
		case "scrim":
			tblDo(t, ctx, "close", chromedp.MouseClickXY(400, 300))
		case "escape":
			tblDo(t, ctx, "close", chromedp.KeyEvent("\u001b"))
		}
		tblWait(t, ctx, "drawer closed by "+closer, `!document.getElementById('app').classList.contains('side-open') && document.getElementById('side-scrim').hidden`, 3*time.Second)
	}
	// Call waiter stays in reach over an open drawer.
	tblDo(t, ctx, "open the drawer", chromedp.Click(chromedp.CSS(`#tab-orders`)))
	tblDo(t, ctx, "call a waiter over the drawer", chromedp.Click(chromedp.CSS(`#btn-waiter`)))
	tblWait(t, ctx, "waiter called", `document.getElementById('btn-waiter').classList.contains('is-sent')`, 5*time.Second)

	// Landscape keeps the side cart.
	tblDo(t, ctx, "landscape", chromedp.EmulateViewport(1180, 820))
	tblWait(t, ctx, "landscape layout", `innerWidth === 1180 && !document.getElementById('app').classList.contains('side-open')`, 3*time.Second)
	menu, side = gstBox(t, ctx, "#menu"), gstBox(t, ctx, "#side")
	t.Logf("1180x820: menu %.0fpx, side cart %.0fpx (%.0f%%)", menu.Width, side.Width, 100*side.Width/1180)
	if side.Width > 0.35*1180 || side.Height < 700 || menu.Width+side.Width < 1179 {
		t.Errorf("landscape: menu %+v, side %+v; want a side cart of at most 35%% beside the menu", menu, side)
	}
	if tblEval[bool](t, ctx, `document.getElementById('side-toggle').getClientRects().length > 0 || document.getElementById('panel-orders').getClientRects().length === 0`) {
		t.Errorf("landscape: the drawer's toggle shows or the panel is hidden; want the side cart as before")
	}
	shot(t, ctx, "guest-landscape-de-1180x820")
}

// TestGuestAllergenFilter: guests choose what they avoid from the EU's
// fourteen (translated chips, nothing else), the dishes containing any of
// them are hidden with a count, the filter is plainly on and clears with one
// tap, it persists across a reload for the table's visit and ends with it;
// allergen chips on dishes come from the list only and are at least 4.5:1.
func TestGuestAllergenFilter(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	admin, waiter, _ := tblStaff(t, b)
	all, _ := gstMenu(t, b, waiter)
	// A dish whose allergens carry free text: only the list's are shown.
	var odd gstItem
	for _, it := range all {
		if len(it.Allergens) == 1 && it.Allergens[0] == "milk" && it.Available {
			odd = it
			break
		}
	}
	tblJSON(t, b, http.MethodPatch, fmt.Sprintf("/api/menu/items/%d", odd.ID), admin, map[string]any{"allergens": []string{"milk", "house spice mix"}}, http.StatusOK, nil)
	list := []string{"gluten", "crustaceans", "eggs", "fish", "peanuts", "soy", "milk", "nuts", "celery", "mustard", "sesame", "sulphites", "lupin", "molluscs"}
	for i, run := range []struct {
		lang string
		w, h int
	}{{"en", 820, 1180}, {"it", 1180, 820}} {
		table := int64(i + 1)
		size := fmt.Sprintf("%s-%dx%d", run.lang, run.w, run.h)
		words := gstWords(t, run.lang)
		ctx := gstOpen(t, b, b.PairTable(t, waiter, table), run.lang, run.w, run.h)
		// Chips on dishes: the list's words, never free text, readable.
		chips := tblEval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('[data-item="%d"] .allergen')].map((e) => e.textContent)`, odd.ID))
		if want := gstSay(t, words, "al_milk", nil); len(chips) != 1 || chips[0] != want {
			t.Errorf("%s: allergen chips of %s = %q; want only %q", size, odd.Name, chips, want)
		}
		if strings.Contains(tblEval[string](t, ctx, `document.body.innerText`), "house spice mix") {
			t.Errorf("%s: a free-text allergen reached the screen", size)
		}
		worst := tblEval[float64](t, ctx, `(() => {
			const lum = (c) => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map((v) => { v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
			let worst = 99;
			for (const e of document.querySelectorAll('.item:not(.is-out):not(.is-closed) .allergen')) {
				const s = getComputedStyle(e); const a = lum(s.color), b = lum(s.backgroundColor);
				worst = Math.min(worst, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
			}
			return worst;
		})()`)
		t.Logf("%s: the faintest allergen chip on a dish is %.2f:1", size, worst)
		if worst < 4.5 {
			t.Errorf("%s: allergen chips at %.2f:1; want at least 4.5:1", size, worst)
		}

		// The filter's sheet: the fourteen, translated, and the word about the kitchen.
		tblDo(t, ctx, "open the filter", chromedp.Click(chromedp.CSS(`#btn-allergy`)))
		tblWait(t, ctx, "filter sheet", `document.querySelectorAll('#sheet .avoid-chip').length > 0`, 3*time.Second)
		got := tblEval[[]string](t, ctx, `[...document.querySelectorAll('#sheet .avoid-chip')].map((e) => e.dataset.avoid + '=' + e.textContent)`)
		var want []string
		for _, a := range list {
			want = append(want, a+"="+gstSay(t, words, "al_"+a, nil))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: filter chips = %q; want the EU's 14 %q", size, got, want)
		}
		if tell := tblEval[string](t, ctx, `document.querySelector('#sheet .allergy-tell p').textContent`); tell != gstSay(t, words, "allergy_tell", nil) {
			t.Errorf("%s: the sheet says %q about the kitchen; want %q", size, tell, gstSay(t, words, "allergy_tell", nil))
		}
		tblDo(t, ctx, "no nuts, no gluten", chromedp.Click(chromedp.CSS(`[data-avoid="nuts"]`)), chromedp.Click(chromedp.CSS(`[data-avoid="gluten"]`)))
		tblWait(t, ctx, "chosen", `document.querySelectorAll('#sheet .avoid-chip[aria-pressed="true"]').length === 2`, 3*time.Second)
		shot(t, ctx, "guest-allergy-sheet-"+size)
		tblCheckTouch(t, ctx, size+" allergy sheet")
		tblDo(t, ctx, "show the dishes", chromedp.Click(chromedp.CSS(`#allergy-done`)))

		var hidden, shown []int64
		for _, it := range all {
			has := strings.Contains(","+strings.Join(it.Allergens, ",")+",", ",nuts,") || strings.Contains(","+strings.Join(it.Allergens, ",")+",", ",gluten,")
			if has {
				hidden = append(hidden, it.ID)
			} else {
				shown = append(shown, it.ID)
			}
		}
		check := func(when string) {
			t.Helper()
			tblWait(t, ctx, when+": filter on", fmt.Sprintf(`(() => { const h = document.getElementById('filter-hidden'); return h && h.textContent === %q && document.getElementById('btn-allergy').getAttribute('aria-pressed') === 'true' && document.getElementById('btn-allergy').textContent.includes(%q); })()`,
				gstSay(t, words, "filter_hidden", map[string]any{"n": len(hidden)}), gstSay(t, words, "allergy_on", map[string]any{"n": 2})), 5*time.Second)
			ids := tblEval[[]int64](t, ctx, `[...document.querySelectorAll('[data-item]')].map((e) => +e.dataset.item)`)
			on := map[int64]bool{}
			for _, id := range ids {
				on[id] = true
			}
			for _, id := range hidden {
				if on[id] {
					t.Errorf("%s %s: dish %d contains nuts or gluten and is still on the menu", size, when, id)
				}
			}
			for _, id := range shown {
				if !on[id] {
					t.Errorf("%s %s: dish %d fits and is not on the menu", size, when, id)
				}
			}
		}
		check("after choosing")
		t.Logf("%s: no nuts, no gluten: %d dishes hidden, %d shown", size, len(hidden), len(shown))
		shot(t, ctx, "guest-allergy-filtered-"+size)
		tblDo(t, ctx, "reload", chromedp.Reload())
		tblWait(t, ctx, "menu after reload", `document.querySelectorAll('[data-item]').length > 0`, 10*time.Second)
		check("after a reload")

		// One tap clears it.
		tblDo(t, ctx, "clear", chromedp.Click(chromedp.CSS(`#filter-clear`)))
		tblWait(t, ctx, "all dishes back", fmt.Sprintf(`document.querySelectorAll('[data-item]').length === %d && !document.getElementById('filter-bar') && document.getElementById('btn-allergy').getAttribute('aria-pressed') === 'false' && localStorage.getItem('rms.table.avoid') === null`, len(all)), 3*time.Second)
		gstNoDevText(t, ctx, size)
	}

	// The filter is the visit's: the table cleared after the bill, the next party starts without it.
	ctx := gstOpen(t, b, b.PairTable(t, waiter, 3), "en", 820, 1180)
	tblJSON(t, b, http.MethodPatch, "/api/tables/3/status", waiter, map[string]string{"status": "occupied"}, http.StatusOK, nil)
	tblDo(t, ctx, "avoid milk", chromedp.Click(chromedp.CSS(`#btn-allergy`)), chromedp.Click(chromedp.CSS(`[data-avoid="milk"]`)), chromedp.Click(chromedp.CSS(`#allergy-done`)))
	tblWait(t, ctx, "filter on", `!!document.getElementById('filter-bar')`, 3*time.Second)
	tblJSON(t, b, http.MethodPatch, "/api/tables/3/status", waiter, map[string]string{"status": "cleaning"}, http.StatusOK, nil)
	tblWait(t, ctx, "filter gone with the party", `!document.getElementById('filter-bar') && localStorage.getItem('rms.table.avoid') === null`, 5*time.Second)
}

// TestAccessibilityGuestIPad runs axe-core (WCAG 2.2 AA) over what items 6
// to 9 added: a pending order's progress with who it waits for, the
// portrait cart drawer, the allergen sheet and the filtered menu.
func TestAccessibilityGuestIPad(t *testing.T) {
	requireAxe(t)
	b := startBox(t, boxOptions{Demo: true})
	admin, waiter, _ := tblStaff(t, b)
	gstSettings(t, b, admin, map[string]any{"auto_confirm_orders": false})
	_, plain := gstMenu(t, b, waiter)
	ctx := gstOpen(t, b, b.PairTable(t, waiter, 1), "en", 820, 1180)
	gstSend(t, ctx, plain[0].ID)
	tblWait(t, ctx, "pending progress", `!!document.querySelector('.order-wait[data-wait="pending"]')`, 10*time.Second)
	axeCheck(t, ctx, "table portrait drawer with a pending order")
	tblDo(t, ctx, "close the drawer", chromedp.Click(chromedp.CSS(`#side-toggle`)))
	tblDo(t, ctx, "open the filter", chromedp.Click(chromedp.CSS(`#btn-allergy`)), chromedp.Click(chromedp.CSS(`[data-avoid="nuts"]`)))
	tblWait(t, ctx, "filter sheet", `document.querySelectorAll('#sheet .avoid-chip[aria-pressed="true"]').length === 1`, 3*time.Second)
	axeCheck(t, ctx, "table allergen sheet")
	tblDo(t, ctx, "show the dishes", chromedp.Click(chromedp.CSS(`#allergy-done`)))
	tblWait(t, ctx, "filtered menu", `!!document.getElementById('filter-bar') && document.getElementById('sheet').hidden`, 3*time.Second)
	axeCheck(t, ctx, "table filtered menu, portrait")
}
