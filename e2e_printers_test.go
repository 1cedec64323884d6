package main

// Printers in the browser: the admin adds a kitchen printer and prints a
// test page; a printer that goes off is loud on the staff app and on the
// kitchen display, and everything waiting prints when it is back; a ticket
// is reprinted from the kitchen display; the bill goes to the receipt
// printer, or to paper from the browser with the print stylesheet.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"rms/print/printertest"
	"rms/store"
)

func TestPrintersInTheApps(t *testing.T) {
	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	waiter := box.Login(t, "ana", "waiter123")
	menu := kdsMenu(t, box, waiter)
	pass, err := printertest.Start()
	if err != nil {
		t.Fatalf("printertest.Start: %v", err)
	}
	defer pass.Close()
	till, err := printertest.Start()
	if err != nil {
		t.Fatalf("printertest.Start: %v", err)
	}
	defer till.Close()

	ctx := newBrowser(t, 1440, 900)
	staffRun(t, ctx, chromedp.Navigate(box.URL+"/"))
	staffSignIn(t, ctx, "admin", "admin123")
	staffWait(t, ctx, "signed in", `!document.getElementById('shell').hidden`)
	staffGo(t, ctx, "#/printers")
	staffWait(t, ctx, "no printers yet", `document.querySelector('#view .empty')?.textContent.includes('No printers')`)

	// ---- add the pass printer from the form, print a test page ----
	staffClickText(t, ctx, "#view button", "+ Printer")
	staffType(t, ctx, `dialog form input[name=name]`, "Pass")
	staffType(t, ctx, `dialog form input[name=address]`, pass.Addr())
	staffExec(t, ctx, `document.querySelector('dialog form input[name=station]').value = ''`)
	staffClick(t, ctx, `dialog form button[type=submit]`)
	row := `document.querySelector('#view tr[data-printer-id]')`
	staffWait(t, ctx, "the new printer printing", row+`?.dataset.status === 'ok' && `+row+`.textContent.includes('Tickets: every station')`)
	shot(t, ctx, "printers-staff-list")
	staffClickText(t, ctx, "#view button", "Test page")
	got, err := pass.Wait(1, 20*time.Second)
	if err != nil || !strings.Contains(got[0].Text(), "TEST PAGE") || got[0].Cuts != 1 {
		t.Fatalf("pass printed %d, %v; want the test page", len(got), err)
	}

	// The receipt printer, and receipts on settling, set up over the API.
	var tillP store.Printer
	if status, body := box.Do(t, http.MethodPost, "/api/printers", admin, map[string]any{"name": "Till", "address": till.Addr(), "kind": "receipt"}); status != http.StatusCreated {
		t.Fatalf("POST /api/printers = %d %s", status, body)
	} else {
		staffJSON(t, body, &tillP)
	}
	staffGo(t, ctx, "#/settings")
	staffClick(t, ctx, `#view input[name=print_receipts]`)
	staffClickText(t, ctx, "#view button", "Save settings")
	waitFor(t, 20*time.Second, "print_receipts saved", func() bool {
		_, body := box.Do(t, http.MethodGet, "/api/settings", admin, nil)
		return strings.Contains(string(body), `"print_receipts":true`)
	})

	// ---- the pass printer goes off: tickets wait, and both apps say so ----
	pass.Off()
	o := kdsPlace(t, box, waiter, 1, "", kdsLine{menu["Spaghetti carbonara"], 2, "no pepper"})
	alert := `document.getElementById('printer-alert')`
	staffGo(t, ctx, "#/floor")
	staffWait(t, ctx, "the printer alert", `!`+alert+`.hidden && `+alert+`.textContent.includes('Printer Pass is offline') && `+alert+`.textContent.includes('1 print waiting')`)
	shot(t, ctx, "printers-staff-offline")

	kds := newTab(t, ctx, 1920, 1080)
	kdsRun(t, kds, chromedp.Navigate(box.URL+"/kds"))
	kdsWait(t, kds, "sign-in form", `!document.getElementById('login').hidden`)
	kdsSignIn(t, kds, "marco", "chef123")
	kdsWait(t, kds, "the printer alert on the board", `!`+alert+`.hidden && `+alert+`.textContent.includes('Printer Pass is offline')`)
	kdsWait(t, kds, "the ticket with its reprint button", kdsTicket(o.ID)+` && document.querySelector('`+kdsTicketSel(o.ID)+` .act-reprint')`)
	shot(t, kds, "printers-kds-offline")

	// ---- back on: the waiting ticket prints once, the alerts go ----
	if err := pass.On(); err != nil {
		t.Fatalf("On: %v", err)
	}
	got, err = pass.Wait(2, 40*time.Second)
	if err != nil {
		t.Fatalf("after the printer came back %d prints, %v; want the ticket", len(got), err)
	}
	if _, ok := got[1].Find("2 x Spaghetti carbonara"); !ok {
		t.Errorf("ticket:\n%s\nwant 2 x Spaghetti carbonara", got[1].Text())
	}
	kdsWait(t, kds, "the board's alert gone", alert+`.hidden`)
	staffWait(t, ctx, "the staff alert gone", alert+`.hidden`)

	// ---- the kitchen reprints the ticket ----
	kdsClick(t, kds, kdsTicketSel(o.ID)+` .act-reprint`)
	got, err = pass.Wait(3, 20*time.Second)
	if err != nil {
		t.Fatalf("reprint: %d prints, %v", len(got), err)
	}
	if _, ok := got[2].Find("REPRINT"); !ok {
		t.Errorf("reprinted ticket:\n%s\nwant it headed REPRINT", got[2].Text())
	}

	// ---- the bill: on the till, and on paper from the browser ----
	staffGo(t, ctx, "#/table/1/bill")
	staffClickText(t, ctx, "#view button", "Print bill")
	bills, err := till.Wait(1, 20*time.Second)
	if err != nil || !strings.Contains(bills[0].Text(), "BILL") || !strings.Contains(bills[0].Text(), "€29.00") {
		t.Fatalf("till printed %d, %v; want the bill of €29.00", len(bills), err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatalf("emulate print media: %v", err)
	}
	staffWait(t, ctx, "the bill alone on paper", `getComputedStyle(document.querySelector('.topbar')).display === 'none' && getComputedStyle(document.querySelector('.pay')).display === 'none' && getComputedStyle(document.querySelector('.bill-letterhead')).display !== 'none' && document.querySelector('.bill-letterhead').textContent.includes('Trattoria Demo')`)
	shot(t, ctx, "printers-bill-print-media")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatalf("emulate screen media: %v", err)
	}

	// ---- settling prints the receipt with the change ----
	staffType(t, ctx, `#view form.pay input[name=tendered]`, "50")
	staffClick(t, ctx, `#view form.pay button[type=submit]`)
	bills, err = till.Wait(2, 20*time.Second)
	if err != nil {
		t.Fatalf("receipt: %d prints, %v", len(bills), err)
	}
	r := bills[1]
	for _, want := range []string{"RECEIPT", "Paid by cash", "cash given", "€50.00", "change", "€21.00"} {
		if !strings.Contains(r.Text(), want) {
			t.Errorf("receipt:\n%s\nlacks %q", r.Text(), want)
		}
	}
	t.Logf("printers: %s", fmt.Sprint(len(pass.Prints()), " on the pass, ", len(till.Prints()), " on the till"))
}
