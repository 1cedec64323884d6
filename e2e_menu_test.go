package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// menuFind returns the demo item called name and the ids of its options by
// their kitchen names.
func menuFind(t *testing.T, b *testBox, token, name string) (id int64, options map[string]int64) {
	t.Helper()
	var m struct {
		Categories []struct {
			Items []struct {
				ID             int64  `json:"id"`
				Name           string `json:"name"`
				ModifierGroups []struct {
					Options []struct {
						ID   int64  `json:"id"`
						Name string `json:"name"`
					} `json:"options"`
				} `json:"modifier_groups"`
			} `json:"items"`
		} `json:"categories"`
	}
	b.DoJSON(t, http.MethodGet, "/api/menu", token, nil, http.StatusOK, &m)
	options = map[string]int64{}
	for _, c := range m.Categories {
		for _, it := range c.Items {
			if it.Name != name {
				continue
			}
			for _, g := range it.ModifierGroups {
				for _, o := range g.Options {
					options[o.Name] = o.ID
				}
			}
			return it.ID, options
		}
	}
	t.Fatalf("the demo menu has no %s", name)
	return 0, nil
}

// TestMenuOptionsInTheGuestsLanguage: a German guest orders a steak medium
// rare with extra cheese from a menu with photos; the add button says what
// is missing while a required choice is not made, the price follows the
// choices, the kitchen display shows the choices in the kitchen's language,
// the bill has the right price, and once it is settled the iPad is back in
// the restaurant's first language. Screenshots at both iPad sizes.
func TestMenuOptionsInTheGuestsLanguage(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true, Photos: true})
	admin, waiter, _ := tblStaff(t, b)
	table := tblFirstTable(t, b, waiter)
	steak, opts := menuFind(t, b, waiter, "Tagliata di manzo")
	_, url := tblPair(t, b, waiter, table.ID)
	ctx := newBrowser(t, 1180, 820)

	tblDo(t, ctx, "open the table app", chromedp.Navigate(b.URL+url[strings.Index(url, "/t/"):]))
	tblWait(t, ctx, "menu with photos", `document.querySelectorAll('[data-item] img.item-photo').length >= 20`, 15*time.Second)
	tblWait(t, ctx, "photos loaded", `[...document.querySelectorAll('img.item-photo')].slice(0, 6).every((i) => i.complete && i.naturalWidth === 400)`, 15*time.Second)
	tblWait(t, ctx, "three languages offered", `document.querySelectorAll('#langs [data-lang]').length === 3 && !document.getElementById('langs').hidden`, 5*time.Second)
	shot(t, ctx, "menu-photos-1180")

	// German: the app's words and the menu.
	tblDo(t, ctx, "choose German", chromedp.Click(chromedp.CSS(`#langs [data-lang="de"]`)))
	tblWait(t, ctx, "German words", `document.getElementById('btn-waiter').textContent.includes('Bedienung rufen') && document.querySelector('[data-i18n="tab_cart"]').textContent === 'Ihre Bestellung'`, 5*time.Second)
	tblWait(t, ctx, "German menu", `[...document.querySelectorAll('.cat-title')].some((e) => e.textContent.startsWith('Hauptgerichte'))`, 5*time.Second)

	sel := fmt.Sprintf(`[data-item="%d"]`, steak)
	tblDo(t, ctx, "open the steak", chromedp.Click(chromedp.CSS(sel+" .add")))
	tblWait(t, ctx, "steak sheet with its choices", `!document.getElementById('sheet').hidden && document.querySelectorAll('#sheet .mod-group').length === 2 && !!document.querySelector('#sheet img.sheet-photo')`, 5*time.Second)
	if got := tblEval[string](t, ctx, `document.querySelector('#sheet .mod-group .mod-name').textContent`); got != "Garstufe" {
		t.Errorf("first group in German = %q; want Garstufe", got)
	}
	optSel := func(name string) string { return fmt.Sprintf(`#sheet [data-option="%d"]`, opts[name]) }
	// A guest scrolls a choice to the middle before tapping it: the add
	// button's bar stays over the bottom of the sheet.
	scroll := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`document.querySelector('` + optSel(name) + `').scrollIntoView({block: 'center'})`)
	}
	click := func(name string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(optSel(name))) }
	// Medium rare is the default; taking it away leaves the doneness unanswered.
	if on := tblEval[string](t, ctx, `document.querySelector('`+optSel("Medium rare")+`').getAttribute('aria-checked')`); on != "true" {
		t.Errorf("medium rare chosen at first = %s; want the default chosen", on)
	}
	tblDo(t, ctx, "take the default away", scroll("Medium rare"), click("Medium rare"))
	tblWait(t, ctx, "add disabled with the reason", `document.getElementById('sheet-add').disabled && document.getElementById('sheet-add').textContent === 'Bitte wählen: Garstufe'`, 5*time.Second)
	shot(t, ctx, "menu-sheet-required-1180")
	tblDo(t, ctx, "medium rare and extra cheese",
		scroll("Medium rare"), click("Medium rare"),
		scroll("Extra cheese"), click("Extra cheese"),
	)
	price := tblPrice(t, ctx, 2750)
	tblWait(t, ctx, "price with the cheese", `!document.getElementById('sheet-add').disabled && document.getElementById('sheet-add').textContent.includes(`+fmt.Sprintf("%q", price)+`) && document.getElementById('sheet-price').textContent === `+fmt.Sprintf("%q", price), 5*time.Second)
	shot(t, ctx, "menu-sheet-steak-de-1180")
	tblDo(t, ctx, "add the steak", chromedp.Click(chromedp.CSS(`#sheet-add`)))
	tblWait(t, ctx, "the cart shows the choices", `document.getElementById('sheet').hidden && [...document.querySelectorAll('#panel-cart .line-mod')].map((e) => e.textContent).join('|') === 'Medium rare|Extra Käse' && document.getElementById('cart-total').textContent === `+fmt.Sprintf("%q", price), 5*time.Second)
	tblDo(t, ctx, "send", chromedp.Click(chromedp.CSS(`#send`)))

	var order tblOrder
	waitFor(t, 15*time.Second, "the order at the box", func() bool {
		os := tblOrders(t, b, waiter, table.ID)
		if len(os) == 0 {
			return false
		}
		order = os[len(os)-1]
		return true
	})
	var full struct {
		Items []struct {
			Name           string `json:"name"`
			UnitPriceCents int64  `json:"unit_price_cents"`
			Modifiers      []struct {
				Name string `json:"name"`
			} `json:"modifiers"`
		} `json:"items"`
	}
	b.DoJSON(t, http.MethodGet, fmt.Sprintf("/api/orders/%d", order.ID), waiter, nil, http.StatusOK, &full)
	if len(full.Items) != 1 || full.Items[0].Name != "Tagliata di manzo" || full.Items[0].UnitPriceCents != 2750 || len(full.Items[0].Modifiers) != 2 ||
		full.Items[0].Modifiers[0].Name != "Medium rare" || full.Items[0].Modifiers[1].Name != "Extra cheese" {
		t.Fatalf("the German guest's order = %+v; want a Tagliata at 2750, medium rare, extra cheese, in English", full)
	}
	b.DoJSON(t, http.MethodPatch, fmt.Sprintf("/api/orders/%d/status", order.ID), waiter, map[string]string{"status": "confirmed"}, http.StatusOK, nil)

	// The kitchen reads it in the kitchen's language.
	kds := newTab(t, ctx, 1920, 1080)
	kdsRun(t, kds, chromedp.Navigate(b.URL+"/kds"))
	kdsWait(t, kds, "sign-in form", `!document.getElementById('login').hidden`)
	kdsSignIn(t, kds, "marco", "chef123")
	kdsWait(t, kds, "the steak's choices on the ticket", `[...document.querySelectorAll('`+kdsTicketSel(order.ID)+` .mod')].map((e) => e.textContent).join('|') === 'Medium rare|Extra cheese'`)
	shot(t, kds, "menu-kds-choices-1920")

	// The bill in German, at the right price.
	tblDo(t, ctx, "open the bill", chromedp.Click(chromedp.CSS(`#btn-bill`)))
	tblWait(t, ctx, "bill total", `document.querySelector('[data-total="Total"]')?.textContent === `+fmt.Sprintf("%q", price)+` && document.querySelector('#sheet .ol-mods')?.textContent.includes('Extra Käse')`, 10*time.Second)
	shot(t, ctx, "menu-bill-de-1180")
	tblDo(t, ctx, "close the bill", chromedp.Click(chromedp.CSS(`#sheet .sheet-close`)))

	// Portrait: the menu and a sheet with a photo.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(820, 1180)); err != nil {
		t.Fatal(err)
	}
	tblDo(t, ctx, "open the steak again", chromedp.Click(chromedp.CSS(sel+" .item-name")))
	tblWait(t, ctx, "sheet open", `!document.getElementById('sheet').hidden`, 5*time.Second)
	shot(t, ctx, "menu-sheet-steak-de-820")
	tblDo(t, ctx, "close", chromedp.Click(chromedp.CSS(`#sheet .sheet-close`)))
	shot(t, ctx, "menu-photos-de-820")

	// Settling the bill puts the iPad back in English for the next party.
	b.DoJSON(t, http.MethodPost, "/api/payments", admin, map[string]any{"table_id": table.ID, "method": "card", "amount_cents": 2750, "tip_cents": 0}, http.StatusCreated, nil)
	tblWait(t, ctx, "back in the first language", `document.getElementById('btn-waiter').textContent.includes('Call waiter') && document.documentElement.lang === 'en'`, 10*time.Second)
}

// TestMenuOptionsInTheStaffApp: the admin sees the groups of choices, 86es
// one option (the table's iPad sees it sold out, live), uploads a photo
// from a file chooser, and a waiter takes a bottle of sparkling water in
// two taps, with the choice on the order.
func TestMenuOptionsInTheStaffApp(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	admin, waiter, _ := tblStaff(t, b)
	table := tblFirstTable(t, b, waiter)
	steak, opts := menuFind(t, b, waiter, "Tagliata di manzo")
	water, wopts := menuFind(t, b, waiter, "Acqua minerale")

	ctx := newBrowser(t, 1366, 900)
	staffRun(t, ctx, chromedp.Navigate(b.URL+"/"))
	staffWait(t, ctx, "sign-in form", `!document.getElementById('login').hidden`)
	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "the app shell", `!document.getElementById('shell').hidden`)
	staffGo(t, ctx, "#/menu")
	staffWait(t, ctx, "the groups of choices", `document.querySelectorAll('.groups .group').length === 6`)
	shot(t, ctx, "menu-staff-groups-1366")

	// A guest's iPad has the steak sheet open while the kitchen 86es truffle.
	_, url := tblPair(t, b, waiter, table.ID)
	guest := newTab(t, ctx, 1180, 820)
	tblDo(t, guest, "open the table app", chromedp.Navigate(b.URL+url[strings.Index(url, "/t/"):]))
	tblWait(t, guest, "menu", `document.querySelectorAll('[data-item]').length > 0`, 15*time.Second)
	tblDo(t, guest, "open the steak", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-item="%d"] .item-name`, steak))))
	truffle := fmt.Sprintf(`#sheet [data-option="%d"]`, opts["Truffle shavings"])
	tblWait(t, guest, "truffle on offer", `!!document.querySelector('`+truffle+`') && !document.querySelector('`+truffle+`').disabled`, 5*time.Second)

	staffClick(t, ctx, fmt.Sprintf(`.groups [data-option="%d"]`, opts["Truffle shavings"]))
	staffWait(t, ctx, "truffle 86'd", fmt.Sprintf(`document.querySelector('.groups [data-option="%d"]').textContent.includes("86'd")`, opts["Truffle shavings"]))
	tblWait(t, guest, "truffle greyed out on the iPad, live", `document.querySelector('`+truffle+`').disabled && document.querySelector('`+truffle+`').classList.contains('is-out')`, 10*time.Second)
	shot(t, guest, "menu-option-sold-out-1180")

	// A photo from the file chooser (as from an iPad's camera roll).
	staffGo(t, ctx, "#/menu")
	staffWait(t, ctx, "the water's row", fmt.Sprintf(`!!document.querySelector('tr[data-item-id="%d"]')`, water))
	staffRun(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-item-id="%d"] .row-actions button`, water))))
	staffWait(t, ctx, "item dialog with a photo field", `!!document.querySelector('dialog[open] .drop-zone input[type=file]')`)
	// A PNG made in the page, handed to the file input as a picked file.
	staffExec(t, ctx, `(async () => {
		const c = document.createElement('canvas'); c.width = 640; c.height = 480;
		const g = c.getContext('2d'); g.fillStyle = '#3b82f6'; g.fillRect(0, 0, 640, 480); g.fillStyle = '#fff'; g.fillRect(200, 100, 240, 280);
		const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
		const dt = new DataTransfer(); dt.items.add(new File([blob], 'water.png', { type: 'image/png' }));
		const input = document.querySelector('dialog[open] .drop-zone input[type=file]');
		input.files = dt.files; input.dispatchEvent(new Event('change'));
	})()`)
	staffWait(t, ctx, "photo saved", `document.querySelector('dialog[open] .photo-field').textContent.includes('Photo saved') && !document.querySelector('dialog[open] .photo-preview').hidden`)
	shot(t, ctx, "menu-staff-photo-1366")
	var m struct {
		Categories []struct {
			Items []struct {
				ID       int64   `json:"id"`
				ImageURL *string `json:"image_url"`
			} `json:"items"`
		} `json:"categories"`
	}
	b.DoJSON(t, http.MethodGet, "/api/menu", admin, nil, http.StatusOK, &m)
	var photo *string
	for _, c := range m.Categories {
		for _, it := range c.Items {
			if it.ID == water {
				photo = it.ImageURL
			}
		}
	}
	if photo == nil {
		t.Errorf("the water has no image_url after the upload")
	}
	staffRun(t, ctx, chromedp.KeyEvent(kb.Escape))

	// Order entry: the water asks still or sparkling; sparkling adds it.
	staffGo(t, ctx, fmt.Sprintf("#/table/%d/order", table.ID))
	staffClick(t, ctx, fmt.Sprintf(`.dish[data-item-id="%d"]`, water))
	staffWait(t, ctx, "the choice", `!!document.querySelector('dialog[open] .choice-group')`)
	shot(t, ctx, "menu-staff-choice-1366")
	staffClick(t, ctx, fmt.Sprintf(`dialog[open] [data-option="%d"]`, wopts["Sparkling"]))
	staffWait(t, ctx, "in the cart with its choice", `!document.querySelector('dialog[open]') && [...document.querySelectorAll('.cart-line .mod')].map((e) => e.textContent).join() === 'Sparkling'`)
	staffClickText(t, ctx, "button", "Send order")
	waitFor(t, 15*time.Second, "the water order", func() bool {
		os := tblOrders(t, b, waiter, table.ID)
		return len(os) > 0
	})
	var o struct {
		Items []struct {
			Modifiers []struct{ Name string } `json:"modifiers"`
		} `json:"items"`
	}
	os := tblOrders(t, b, waiter, table.ID)
	b.DoJSON(t, http.MethodGet, fmt.Sprintf("/api/orders/%d", os[len(os)-1].ID), waiter, nil, http.StatusOK, &o)
	if len(o.Items) != 1 || len(o.Items[0].Modifiers) != 1 || o.Items[0].Modifiers[0].Name != "Sparkling" {
		t.Errorf("the waiter's water = %+v; want one line, sparkling", o)
	}

	// A fourth language, set in the settings: the item form offers it.
	staffGo(t, ctx, "#/settings")
	staffType(t, ctx, `.settings input[name=languages]`, "en, it, de, fr")
	staffClickText(t, ctx, ".settings button", "Save settings")
	var st struct{ Languages []string }
	waitFor(t, 10*time.Second, "the languages saved", func() bool {
		b.DoJSON(t, http.MethodGet, "/api/settings", admin, nil, http.StatusOK, &st)
		return strings.Join(st.Languages, ",") == "en,it,de,fr"
	})
	staffGo(t, ctx, "#/menu")
	staffWait(t, ctx, "the water's row", fmt.Sprintf(`!!document.querySelector('tr[data-item-id="%d"]')`, water))
	staffRun(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-item-id="%d"] .row-actions button`, water))))
	staffWait(t, ctx, "a French name field", `!!document.querySelector('dialog[open] input[name="tr-name-fr"]')`)
	staffRun(t, ctx, chromedp.KeyEvent(kb.Escape))

	// Desserts only tomorrow evening: the iPad says when, and will not add them.
	rome, _ := time.LoadLocation("Europe/Rome")
	tomorrow := int(time.Now().In(rome).AddDate(0, 0, 1).Weekday())
	if tomorrow == 0 {
		tomorrow = 7
	}
	b.DoJSON(t, http.MethodPatch, "/api/menu/categories/4", admin, map[string]any{"hours": []map[string]any{{"days": []int{tomorrow}, "from": "18:00", "to": "23:00"}}}, http.StatusOK, nil)
	tiramisu, _ := menuFind(t, b, waiter, "Tiramisù")
	tblDo(t, guest, "reload the iPad", chromedp.Reload())
	tblWait(t, guest, "desserts served tomorrow from 18:00", `[...document.querySelectorAll('.cat-hours')].some((e) => e.textContent.includes('18:00'))`+
		fmt.Sprintf(` && document.querySelector('[data-item="%d"] .add').disabled`, tiramisu), 15*time.Second)
	tblDo(t, guest, "to the desserts", chromedp.Evaluate[chromedp.Void](`document.getElementById('cat-4').scrollIntoView()`))
	shot(t, guest, "menu-hours-1180")
	token := tblEval[string](t, guest, `localStorage.getItem('rms.token.table')`)
	if status, raw := b.Do(t, http.MethodPost, "/api/orders", token, map[string]any{"table_id": table.ID, "items": []map[string]any{{"menu_item_id": tiramisu, "quantity": 1}}}); status != http.StatusConflict ||
		!strings.Contains(string(raw), "not available at this time") {
		t.Errorf("a guest's tiramisù out of hours = %d %s; want 409 not available at this time", status, raw)
	}
}
