package main

// The kitchen TV (1920x1080) during a rush, issue 22 items 4 and 5: a fixed
// grid that bumping and recalling do not reflow, and less noise (compact
// allergen codes, the kitchen's station by default, new and cooking
// counted apart, 86 from the TV, recall with a confirming step).

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
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
	kdsRun(t, kds, chromedp.KeyEvent("\r"))
	kdsWaitOrder(t, box, chef, before[1].ID, "ready after the bump", func(o kdsOrderBody) bool { return o.Status == "ready" })
	kdsWait(t, kds, "seven tickets", `document.querySelectorAll('#tickets .ticket').length === 7`)
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
