package main

// The kitchen TV (1920x1080) during a rush, issue 22 items 4 and 5: a fixed
// grid that bumping and recalling do not reflow, and less noise (compact
// allergen codes, the kitchen's station by default, new and cooking
// counted apart, 86 from the TV, recall with a confirming step).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
)

// kdsSlot is a ticket where the board shows it: its slot number and box.
type kdsSlot struct {
	ID   int64   `json:"id"`
	Pos  string  `json:"pos"`
	X, Y float64 // rounded CSS pixels
}

// kdsSlots lists the tickets in slot order.
func kdsSlots(t *testing.T, ctx context.Context) []kdsSlot {
	t.Helper()
	raw := kdsString(t, ctx, `JSON.stringify([...document.querySelectorAll('#tickets .ticket')].map(e => {
		const r = e.getBoundingClientRect();
		return {id: Number(e.dataset.id), pos: e.querySelector('.pos').textContent, X: Math.round(r.left), Y: Math.round(r.top)};
	}).sort((a, b) => Number(a.pos) - Number(b.pos)))`)
	var out []kdsSlot
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("slots %s: %v", raw, err)
	}
	return out
}

// kdsColumns is the number of columns of the ticket grid.
const kdsColumns = `getComputedStyle(document.getElementById('tickets')).gridTemplateColumns.split(' ').length`

// kdsOpen opens /kds (with query) signed in as the chef, live.
func kdsOpen(t *testing.T, box *testBox, ctx context.Context, chef, query string) {
	t.Helper()
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/healthz"))
	kdsExec(t, ctx, `localStorage.setItem('rms.token.kds', `+kdsQuote(chef)+`)`)
	kdsRun(t, ctx, chromedp.Navigate(box.URL+"/kds"+query))
	kdsWait(t, ctx, "the live board", `document.getElementById('login').hidden && document.getElementById('conn').dataset.state === 'connected'`)
	// Sound on (the first tap of the service), so its bar leaves the board.
	if kdsString(t, ctx, `document.body.dataset.sound`) == "off" {
		kdsClick(t, ctx, "#sound-ask")
	}
	kdsWait(t, ctx, "sound on", `document.getElementById('sound-ask').hidden`)
}

// TestKDSFixedGrid: eight tickets on the TV; bumping slot 2 leaves slot 1
// where it was, moves each later ticket back by one slot (into the place
// the one before it had), and keeps the columns; recalling it puts every
// ticket back where it was.
func TestKDSFixedGrid(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)
	dishes := []string{"Tagliatelle al ragù", "Risotto ai funghi", "Pollo alla cacciatora", "Tagliata di manzo", "Gnocchi al pesto", "Linguine alle vongole", "Bruschetta al pomodoro", "Fritto misto"}
	for i, d := range dishes {
		lines := []kdsLine{{menu[d], 1 + i%2, ""}}
		if i%3 == 0 {
			lines = append(lines, kdsLine{menu["Panna cotta"], 1, ""})
		}
		kdsPlace(t, box, waiter, int64(1+i), "", lines...)
	}
	kds := newBrowser(t, 1920, 1080)
	kdsOpen(t, box, kds, chef, "")
	kdsWait(t, kds, "eight tickets", `document.querySelectorAll('#tickets .ticket').length === 8`)
	before := kdsSlots(t, kds)
	cols := kdsInt(t, kds, kdsColumns)
	if cols != 6 {
		t.Errorf("a 1080p board has %d columns; want 6, fixed for the screen", cols)
	}
	shot(t, kds, "kds-grid-8-before-bump-1920")

	// Slot 2, by the keyboard: 2 selects it, Enter bumps it.
	kdsRun(t, kds, chromedp.KeyEvent("2"))
	kdsWait(t, kds, "slot 2 selected", `document.querySelector('`+kdsTicketSel(before[1].ID)+`').classList.contains('selected')`)
	pressed := time.Now()
	kdsRun(t, kds, chromedp.KeyEvent("\r"))
	kdsWait(t, kds, "seven tickets", `document.querySelectorAll('#tickets .ticket').length === 7`)
	t.Logf("bump key to the board redrawn: %v (box round trip included)", time.Since(pressed).Round(time.Millisecond))
	kdsWaitOrder(t, box, chef, before[1].ID, "ready after the bump", func(o kdsOrderBody) bool { return o.Status == "ready" })
	after := kdsSlots(t, kds)
	shot(t, kds, "kds-grid-7-after-bump-1920")
	if after[0] != before[0] {
		t.Errorf("slot 1 after bumping slot 2 = %+v; want it untouched, %+v", after[0], before[0])
	}
	for k := 1; k < len(after); k++ {
		want := kdsSlot{ID: before[k+1].ID, Pos: before[k].Pos, X: before[k].X, Y: before[k].Y}
		if after[k] != want {
			t.Errorf("slot %d after the bump = %+v; want the ticket of slot %d moved there by one, %+v", k+1, after[k], k+2, want)
		}
	}
	if got := kdsInt(t, kds, kdsColumns); got != cols {
		t.Errorf("columns after the bump = %d; want %d, unchanged", got, cols)
	}

	// Recall it (R, then Enter to confirm): every ticket goes back to its slot.
	kdsRun(t, kds, chromedp.KeyEvent("r"))
	kdsWait(t, kds, "the recall question", `document.getElementById('confirm').open`)
	kdsRun(t, kds, chromedp.KeyEvent("\r"))
	kdsWaitOrder(t, box, chef, before[1].ID, "preparing after the recall", func(o kdsOrderBody) bool { return o.Status == "preparing" })
	kdsWait(t, kds, "eight tickets again", `document.querySelectorAll('#tickets .ticket').length === 8 && !document.getElementById('confirm').open`)
	again := kdsSlots(t, kds)
	for k := range again {
		if again[k] != before[k] {
			t.Errorf("slot %d after the recall = %+v; want %+v as before the bump", k+1, again[k], before[k])
		}
	}
	if got := kdsInt(t, kds, kdsColumns); got != cols {
		t.Errorf("columns after the recall = %d; want %d", got, cols)
	}
	shot(t, kds, "kds-grid-8-after-recall-1920")
}

// TestKDSLessNoise is the kitchen TV (1920x1080) with less noise: new and
// cooking counted apart, a dish's allergens as small codes with a legend
// on demand while a guest's allergy note is loud, recall only after a
// confirming tap or key, the kitchen's station by default (the setting
// chooses; ?station=bar still shows the bar), and 86 from the TV reaching
// other clients over the menu room (a socket, a guest's iPad), with new
// orders of the dish refused.
func TestKDSLessNoise(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)

	a := kdsPlace(t, box, waiter, 1, "", kdsLine{menu["Spaghetti carbonara"], 1, "NUT ALLERGY"}, kdsLine{menu["Tiramisù"], 1, ""})
	b := kdsPlace(t, box, waiter, 2, "", kdsLine{menu["Risotto ai funghi"], 2, ""})
	drinks := kdsPlace(t, box, waiter, 3, "", kdsLine{menu["Aperol spritz"], 2, ""})
	kds := newBrowser(t, 1920, 1080)
	kdsOpen(t, box, kds, chef, "")
	kdsWait(t, kds, "the kitchen's two tickets", kdsTicket(a.ID)+" && "+kdsTicket(b.ID))

	// ---- (b) the default board is the kitchen's: the drinks-only ticket is not on it ----
	if kdsBool(t, kds, kdsTicket(drinks.ID)) {
		t.Errorf("the default board shows the drinks-only ticket; want it on the bar's screen only")
	}
	if got := kdsString(t, kds, `document.getElementById('station').textContent`); got != "KITCHEN" {
		t.Errorf("station label = %q; want KITCHEN", got)
	}
	// The display settings say where that comes from.
	kdsClick(t, kds, "#settings-open")
	if got := kdsString(t, kds, `document.getElementById('settings-stations').textContent`); !strings.Contains(got, "kitchen station") || !strings.Contains(got, "Kitchen display stations") {
		t.Errorf("display settings say %q; want the kitchen station and the setting named", got)
	}
	kdsClick(t, kds, "#settings button[value=cancel]")
	kdsWait(t, kds, "display settings closed", `!document.getElementById('settings').open`)
	bar := newTab(t, kds, 1920, 1080)
	kdsRun(t, bar, chromedp.Navigate(box.URL+"/kds?station=bar"))
	kdsWait(t, bar, "the bar's board with the drinks", kdsTicket(drinks.ID)+` && document.getElementById('conn').dataset.state === 'connected' && document.getElementById('station').textContent === 'BAR'`)
	if kdsBool(t, bar, kdsTicket(b.ID)) {
		t.Errorf("the bar's board shows the risotto ticket")
	}

	// ---- (c) the header counts new and cooking apart ----
	counts := `['new', 'cooking', 'ready'].map(k => document.getElementById('count-' + k).textContent).join(',')`
	kdsWait(t, kds, "two new", counts+` === '2,0,0'`)
	kdsClick(t, kds, kdsTicketSel(b.ID)+" .act-start")
	kdsWait(t, kds, "one new, one cooking", counts+` === '1,1,0'`)
	shot(t, kds, "kds-counts-new-cooking-1920")
	kdsClick(t, kds, kdsTicketSel(b.ID)+" .act-bump")
	kdsWaitOrder(t, box, chef, b.ID, "ready", func(o kdsOrderBody) bool { return o.Status == "ready" })
	kdsWait(t, kds, "one new, one ready", counts+` === '1,0,1'`)

	// ---- (a) allergens as codes, the guest's allergy loud ----
	sel := kdsTicketSel(a.ID)
	if got := kdsString(t, kds, `[...document.querySelectorAll('`+sel+` .line')][0].querySelector('.algs').textContent`); got != "GLEGMI" {
		t.Errorf("carbonara's allergen codes = %q; want GL EG MI", got)
	}
	note := `document.querySelector('` + sel + ` .line .note')`
	if !kdsBool(t, kds, note+`.classList.contains('note-allergy') && `+note+`.textContent.includes('NUT ALLERGY')`) {
		t.Errorf("the guest's allergy note is not marked loud")
	}
	// The note is bigger than the codes and not smaller than 24px; the codes are small.
	notePx := kdsInt(t, kds, `parseFloat(getComputedStyle(`+note+`).fontSize)`)
	codePx := kdsInt(t, kds, `parseFloat(getComputedStyle(document.querySelector('`+sel+` .alg')).fontSize)`)
	if notePx < 24 || codePx >= notePx {
		t.Errorf("allergy note %dpx, allergen codes %dpx; want the note at least 24px and the codes smaller", notePx, codePx)
	}
	shot(t, kds, "kds-allergen-codes-1920")
	// The legend on demand: H opens the help with every code; Escape closes it.
	kdsRun(t, kds, chromedp.KeyEvent("h"))
	kdsWait(t, kds, "the help with the legend", `document.getElementById('help').open && document.querySelectorAll('#legend li').length === 14`)
	if got := kdsString(t, kds, `document.querySelector('#legend li[data-allergen="nuts"]').textContent`); got != "NUnuts" {
		t.Errorf("legend of nuts = %q; want NU nuts", got)
	}
	shot(t, kds, "kds-help-legend-1920")
	kdsRun(t, kds, chromedp.KeyEvent("\x1b"))
	kdsWait(t, kds, "help closed", `!document.getElementById('help').open`)

	// ---- (e) recall asks first, and does nothing without a yes ----
	chip := `#pass .chip[data-id="` + fmt.Sprint(b.ID) + `"]`
	kdsClick(t, kds, chip)
	kdsWait(t, kds, "the recall question", `document.getElementById('confirm').open && document.getElementById('confirm-title').textContent.includes('#`+fmt.Sprint(b.ID)+`')`)
	shot(t, kds, "kds-recall-confirm-1920")
	time.Sleep(time.Second)
	kdsWaitOrder(t, box, chef, b.ID, "still ready while asked", func(o kdsOrderBody) bool { return o.Status == "ready" })
	kdsRun(t, kds, chromedp.KeyEvent("\x1b"))
	kdsWait(t, kds, "question closed by Escape", `!document.getElementById('confirm').open`)
	kdsRun(t, kds, chromedp.KeyEvent("r"))
	kdsWait(t, kds, "asked again by R", `document.getElementById('confirm').open`)
	kdsRun(t, kds, chromedp.KeyEvent("n"))
	kdsWait(t, kds, "question closed by N", `!document.getElementById('confirm').open`)
	kdsClick(t, kds, chip)
	kdsClick(t, kds, "#confirm-no")
	kdsWait(t, kds, "question closed by Cancel", `!document.getElementById('confirm').open && !!document.querySelector('`+chip+`')`)
	kdsWaitOrder(t, box, chef, b.ID, "still ready after three noes", func(o kdsOrderBody) bool { return o.Status == "ready" })
	kdsClick(t, kds, chip)
	kdsClick(t, kds, "#confirm-yes")
	kdsWaitOrder(t, box, chef, b.ID, "preparing after the yes", func(o kdsOrderBody) bool { return o.Status == "preparing" })
	kdsWait(t, kds, "the ticket back on the board", kdsTicket(b.ID)+` && `+counts+` === '1,1,0'`)

	// ---- (d) 86 from the TV: another client hears it, new orders are refused ----
	_, ws := dialScreen(t, box, waiter)
	defer ws.CloseNow()
	wctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ws.Write(wctx, websocket.MessageText, []byte(`{"event":"subscribe:menu","id":1}`)); err != nil {
		t.Fatal(err)
	}
	tiramisu := menu["Tiramisù"].ID
	heard := func(available bool) {
		t.Helper()
		for {
			_, raw, err := ws.Read(wctx)
			if err != nil {
				t.Fatalf("waiting for menu:updated of the tiramisù (available %v): %v", available, err)
			}
			var f struct {
				Event string `json:"event"`
				Data  struct {
					ID        int64 `json:"id"`
					Available bool  `json:"available"`
				} `json:"data"`
			}
			if json.Unmarshal(raw, &f) == nil && f.Event == "menu:updated" && f.Data.ID == tiramisu {
				if f.Data.Available != available {
					t.Fatalf("menu:updated of the tiramisù says available %v; want %v", f.Data.Available, available)
				}
				return
			}
		}
	}
	// A guest's iPad has the menu open meanwhile.
	_, url := tblPair(t, box, waiter, 5)
	guest := newTab(t, kds, 1180, 820)
	tblDo(t, guest, "open the table app", chromedp.Navigate(box.URL+url[strings.Index(url, "/t/"):]))
	onIPad := fmt.Sprintf(`document.querySelector('[data-item="%d"]')`, tiramisu)
	tblWait(t, guest, "the tiramisù on offer", `!!`+onIPad+` && !`+onIPad+`.classList.contains('is-out')`, 15*time.Second)
	item := fmt.Sprintf(`#e86-list [data-item-id="%d"]`, tiramisu)
	kdsClick(t, kds, "#e86-open")
	kdsWait(t, kds, "the 86 list of the kitchen's dishes", `document.getElementById('e86').open && !!document.querySelector('`+item+`') && !document.querySelector('#e86-list [data-item-id="`+fmt.Sprint(menu["Aperol spritz"].ID)+`"]')`)
	kdsClick(t, kds, item)
	kdsWait(t, kds, "the 86 question", `document.getElementById('confirm').open && document.getElementById('confirm-title').textContent === '86 Tiramisù?'`)
	shot(t, kds, "kds-86-confirm-1920")
	kdsClick(t, kds, "#confirm-no")
	kdsWait(t, kds, "no 86 without a yes", `!document.getElementById('confirm').open && document.querySelector('`+item+`').getAttribute('aria-pressed') === 'false'`)
	kdsClick(t, kds, item)
	kdsClick(t, kds, "#confirm-yes")
	heard(false)
	kdsWait(t, kds, "86'd in the list and counted in the header", `document.querySelector('`+item+`').getAttribute('aria-pressed') === 'true' && document.getElementById('e86-open').textContent === '86 · 1'`)
	shot(t, kds, "kds-86-list-1920")
	tblWait(t, guest, "sold out on the iPad, live", onIPad+`.classList.contains('is-out')`, 10*time.Second)
	status, raw := box.Do(t, http.MethodPost, "/api/orders", waiter, map[string]any{"table_id": 4, "items": []map[string]any{{"menu_item_id": tiramisu, "quantity": 1, "notes": ""}}})
	if status != http.StatusConflict || !strings.Contains(string(raw), "Tiramis") {
		t.Errorf("ordering the 86'd tiramisù = %d %s; want 409 naming it", status, raw)
	}
	// Bring it back by keyboard: Escape, M, the 86'd dish has the focus, Enter, Enter.
	kdsRun(t, kds, chromedp.KeyEvent("\x1b"))
	kdsWait(t, kds, "the 86 list closed", `!document.getElementById('e86').open`)
	kdsRun(t, kds, chromedp.KeyEvent("m"))
	kdsWait(t, kds, "the 86 list, the 86'd dish focused", `document.getElementById('e86').open && document.activeElement === document.querySelector('`+item+`')`)
	kdsRun(t, kds, chromedp.KeyEvent("\r"))
	kdsWait(t, kds, "the bring-back question", `document.getElementById('confirm').open && document.getElementById('confirm-title').textContent === 'Bring back Tiramisù?'`)
	kdsRun(t, kds, chromedp.KeyEvent("\r"))
	heard(true)
	kdsWait(t, kds, "back in the list and the header", `document.querySelector('`+item+`').getAttribute('aria-pressed') === 'false' && document.getElementById('e86-open').textContent === '86'`)
	tblWait(t, guest, "on offer again on the iPad", `!`+onIPad+`.classList.contains('is-out')`, 10*time.Second)
	kdsDo(t, box, waiter, http.MethodPost, "/api/orders", map[string]any{"table_id": 4, "items": []map[string]any{{"menu_item_id": tiramisu, "quantity": 1, "notes": ""}}}, http.StatusCreated, nil)
	kdsRun(t, kds, chromedp.KeyEvent("\x1b"))

	// ---- (b) the setting chooses: every station, then the kitchen again from the staff app ----
	admin := box.Login(t, "admin", "admin123")
	kdsDo(t, box, admin, http.MethodPatch, "/api/settings", map[string]any{"kds_stations": []string{}}, http.StatusOK, nil)
	kdsRun(t, kds, chromedp.Reload())
	kdsWait(t, kds, "every station: the drinks on the default board", kdsTicket(drinks.ID)+` && document.getElementById('station').hidden`)
	staff := newTab(t, kds, 1440, 900)
	staffRun(t, staff, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, staff, "admin", "admin123")
	staffGo(t, staff, "#/settings")
	staffWait(t, staff, "the stations field, empty", `document.querySelector('input[name=kds_stations]')?.value === ''`)
	staffExec(t, staff, `document.querySelector('input[name=kds_stations]').value = 'kitchen'`)
	shot(t, staff, "kds-stations-setting-staff-1440")
	staffClick(t, staff, "form.settings button[type=submit]")
	var st struct {
		KDSStations []string `json:"kds_stations"`
	}
	waitFor(t, 10*time.Second, "kds_stations saved from the staff app", func() bool {
		kdsDo(t, box, admin, http.MethodGet, "/api/settings", nil, http.StatusOK, &st)
		return len(st.KDSStations) == 1 && st.KDSStations[0] == "kitchen"
	})
	kdsRun(t, kds, chromedp.Reload())
	kdsWait(t, kds, "the kitchen's board again", kdsTicket(a.ID)+` && !`+kdsTicket(drinks.ID)+` && document.getElementById('station').textContent === 'KITCHEN'`)
}

// TestAccessibilityKDSDialogs runs axe-core on the kitchen board with an
// allergy note, the recall question, the help with the allergen legend and
// the 86 list.
func TestAccessibilityKDSDialogs(t *testing.T) {
	requireAxe(t)
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	menu := kdsMenu(t, box, waiter)
	a := kdsPlace(t, box, waiter, 1, "Coeliac guest", kdsLine{menu["Spaghetti carbonara"], 1, "NUT ALLERGY"})
	b := kdsPlace(t, box, waiter, 2, "", kdsLine{menu["Tiramisù"], 1, ""})
	for _, st := range []string{"preparing", "ready"} {
		kdsDo(t, box, chef, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", b.ID), map[string]string{"status": st}, http.StatusOK, nil)
	}
	ctx := newBrowser(t, 1920, 1080)
	kdsOpen(t, box, ctx, chef, "")
	kdsWait(t, ctx, "the ticket and the pass", kdsTicket(a.ID)+` && !!document.querySelector('#pass .chip')`)
	axeCheck(t, ctx, "kds board with an allergy note")
	kdsClick(t, ctx, "#pass .chip")
	kdsWait(t, ctx, "the recall question", `document.getElementById('confirm').open`)
	axeCheck(t, ctx, "kds recall question")
	kdsClick(t, ctx, "#confirm-no")
	kdsClick(t, ctx, "#help-open")
	kdsWait(t, ctx, "the help", `document.getElementById('help').open`)
	axeCheck(t, ctx, "kds help and allergen legend")
	kdsRun(t, ctx, chromedp.KeyEvent("\x1b"))
	kdsClick(t, ctx, "#e86-open")
	kdsWait(t, ctx, "the 86 list", `document.getElementById('e86').open && document.querySelectorAll('#e86-list .e86-item').length > 0`)
	axeCheck(t, ctx, "kds 86 list")
}
