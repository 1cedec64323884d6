package print_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rms/print"
	"rms/print/printertest"
	"rms/store"
)

// kitchen is a small restaurant: a table, two dishes of two stations and a
// drink, in a store on a real file.
type kitchen struct {
	st                    *store.Store
	table                 store.Table
	pizza, tiramisu, wine store.Item
}

func ptr[T any](v T) *T { return &v }

func newKitchen(t *testing.T) *kitchen {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "rms.db"), store.Options{BcryptCost: 4})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	k := &kitchen{st: st}
	if _, err := st.UpdateSettings(ctx, store.SettingsPatch{RestaurantName: ptr("Trattoria Ana"), Currency: ptr("EUR"),
		TaxRateBP: ptr(int64(1000)), PricesIncludeTax: ptr(true), Timezone: ptr("Europe/Rome")}); err != nil {
		t.Fatalf("UpdateSettings: %v", err)
	}
	cat, err := st.CreateCategory(ctx, store.CategoryInput{Name: ptr("Food")})
	if err != nil {
		t.Fatalf("CreateCategory: %v", err)
	}
	mk := func(name string, price int64, station string, allergens []string) store.Item {
		it, err := st.CreateItem(ctx, store.ItemInput{CategoryID: &cat.ID, Name: ptr(name), PriceCents: ptr(price),
			Station: ptr(station), Allergens: &allergens})
		if err != nil {
			t.Fatalf("CreateItem(%s): %v", name, err)
		}
		return it
	}
	k.pizza = mk("Pizza Margherita", 850, "kitchen", []string{"gluten", "milk"})
	k.tiramisu = mk("Tiramisù", 600, "kitchen", []string{"egg"})
	k.wine = mk("House wine", 450, "bar", nil)
	if k.table, err = st.CreateTable(ctx, store.TableInput{Name: ptr("Terrace 4"), Seats: ptr(int64(4))}); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	return k
}

func (k *kitchen) printer(t *testing.T, name, kind, station string) (store.Printer, *printertest.Printer) {
	t.Helper()
	fp, err := printertest.Start()
	if err != nil {
		t.Fatalf("printertest.Start: %v", err)
	}
	t.Cleanup(fp.Close)
	p, err := k.st.CreatePrinter(context.Background(), store.PrinterInput{Name: ptr(name), Address: ptr(fp.Addr()),
		Kind: ptr(kind), Station: ptr(station), WidthChars: ptr(int64(42))})
	if err != nil {
		t.Fatalf("CreatePrinter: %v", err)
	}
	return p, fp
}

// run starts a worker with short timings and stops it at the end of the test.
func (k *kitchen) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := print.New(print.Options{Store: k.st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Probe: 50 * time.Millisecond, Poll: 50 * time.Millisecond, SendTimeout: 500 * time.Millisecond, DialTimeout: 500 * time.Millisecond,
		StatusTimeout: 200 * time.Millisecond})
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
}

func (k *kitchen) order(t *testing.T, notes string, lines ...store.NewOrderItem) store.Order {
	t.Helper()
	o, _, err := k.st.CreateOrder(context.Background(), store.NewOrder{TableID: k.table.ID, Items: lines, Notes: notes}, store.RoleWaiter, store.Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	return o
}

func wait(t *testing.T, fp *printertest.Printer, n int) []printertest.Print {
	t.Helper()
	got, err := fp.Wait(n, 10*time.Second)
	if err != nil {
		t.Fatalf("Wait(%d) = %d prints, %v", n, len(got), err)
	}
	return got
}

// settle waits until the worker has nothing left for a printer: a test
// page queued last comes out, so nothing queued before it can still be on
// its way. It returns everything the printer printed but test pages.
func settle(t *testing.T, k *kitchen, p store.Printer, fp *printertest.Printer) []printertest.Print {
	t.Helper()
	before := len(fp.Prints())
	if _, err := k.st.PrintTest(context.Background(), p.ID); err != nil {
		t.Fatalf("PrintTest: %v", err)
	}
	for n := before + 1; ; n++ {
		got := wait(t, fp, n)
		if strings.Contains(got[n-1].Text(), "TEST PAGE") {
			var out []printertest.Print
			for _, pr := range got {
				if !strings.Contains(pr.Text(), "TEST PAGE") {
					out = append(out, pr)
				}
			}
			return out
		}
	}
}

// waitPrinter waits until the printer's state satisfies ok.
func waitPrinter(t *testing.T, st *store.Store, id int64, what string, ok func(store.Printer) bool) store.Printer {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := st.Printer(context.Background(), id)
		if err != nil {
			t.Fatalf("Printer: %v", err)
		}
		if ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("printer = %+v; want %s", got, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustLine(t *testing.T, p printertest.Print, s string) printertest.Line {
	t.Helper()
	l, ok := p.Find(s)
	if !ok {
		t.Fatalf("print has no line with %q:\n%s", s, p.Text())
	}
	return l
}

func TestKitchenTicket(t *testing.T) {
	k := newKitchen(t)
	_, fp := k.printer(t, "Pass", store.PrinterKitchen, "")
	k.run(t)
	o := k.order(t, "birthday, bring candles",
		store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 2, Notes: "no basil"},
		store.NewOrderItem{MenuItemID: k.tiramisu.ID, Quantity: 1})
	p := wait(t, fp, 1)[0]

	if !p.Has("init") || !p.Has(fmt.Sprintf("codepage %d", print.CodePagePC858)) {
		t.Errorf("commands = %v; want init and codepage %d", p.Commands, print.CodePagePC858)
	}
	if p.Cuts != 1 || p.Commands[len(p.Commands)-1] != "cut" {
		t.Errorf("cuts = %d, last command %q; want one cut at the end", p.Cuts, p.Commands[len(p.Commands)-1])
	}
	table := mustLine(t, p, "Terrace 4")
	if table.Width != 2 || table.Height != 2 || !table.Bold {
		t.Errorf("table line = %+v; want bold at double width and height", table)
	}
	at := mustLine(t, p, ":")
	if !regexpTime(at.Text) || at.Height != 2 {
		t.Errorf("time line = %+v; want HH:MM, double height", at)
	}
	mustLine(t, p, fmt.Sprintf("Order %d", o.ID))
	if l := mustLine(t, p, "2 x Pizza Margherita"); !l.Bold || l.Height != 2 {
		t.Errorf("line %+v; want bold and tall", l)
	}
	mustLine(t, p, "1 x Tiramisù") // a character of PC858 beyond ASCII
	mustLine(t, p, "NOTE: no basil")
	if l := mustLine(t, p, "ALLERGENS: gluten, milk"); !l.Bold {
		t.Errorf("allergens %+v; want bold", l)
	}
	mustLine(t, p, "ALLERGENS: egg")
	mustLine(t, p, "ORDER NOTE: birthday, bring candles")
	if strings.Contains(p.Text(), "House wine") {
		t.Errorf("ticket has a line that was not ordered:\n%s", p.Text())
	}
}

// money formats euro cents as the prints do.
func money(c int64) string { return fmt.Sprintf("€%d.%02d", c/100, c%100) }

func regexpTime(s string) bool {
	s = strings.TrimSpace(s)
	_, err := time.Parse("15:04", s)
	return err == nil
}

// TestStations: each kitchen printer gets only its station's lines; one
// with no station gets all; a pending order prints nothing until confirmed;
// a disabled printer gets nothing.
func TestStations(t *testing.T) {
	k := newKitchen(t)
	ctx := context.Background()
	_, kitchenFP := k.printer(t, "Kitchen", store.PrinterKitchen, "kitchen")
	bar, barFP := k.printer(t, "Bar", store.PrinterKitchen, "bar")
	pass, passFP := k.printer(t, "Pass", store.PrinterKitchen, "")
	off, offFP := k.printer(t, "Spare", store.PrinterKitchen, "")
	if _, err := k.st.UpdatePrinter(ctx, off.ID, store.PrinterInput{Enabled: ptr(false)}); err != nil {
		t.Fatalf("UpdatePrinter: %v", err)
	}
	k.run(t)
	o, _, err := k.st.CreateOrder(ctx, store.NewOrder{TableID: k.table.ID, Items: []store.NewOrderItem{
		{MenuItemID: k.pizza.ID, Quantity: 1}, {MenuItemID: k.wine.ID, Quantity: 3}}}, store.RoleCustomer, store.Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	if got := settle(t, k, pass, passFP); len(got) != 0 {
		t.Fatalf("a pending order printed %d tickets; want none until it is confirmed", len(got))
	}
	if _, err := k.st.SetOrderStatus(ctx, o.ID, store.StatusConfirmed, store.RoleWaiter); err != nil {
		t.Fatalf("SetOrderStatus: %v", err)
	}
	kp := wait(t, kitchenFP, 1)[0]
	if _, ok := kp.Find("Pizza"); !ok || strings.Contains(kp.Text(), "wine") {
		t.Errorf("kitchen ticket:\n%s\nwant the pizza only", kp.Text())
	}
	mustLine(t, kp, "KITCHEN")
	bp := wait(t, barFP, 1)[0]
	if _, ok := bp.Find("3 x House wine"); !ok || strings.Contains(bp.Text(), "Pizza") {
		t.Errorf("bar ticket:\n%s\nwant the wine only", bp.Text())
	}
	// Confirmed again (no: it moves on) — moving along the kitchen does
	// not print the same lines again.
	if _, err := k.st.SetOrderStatus(ctx, o.ID, store.StatusPreparing, store.RoleChef); err != nil {
		t.Fatalf("SetOrderStatus: %v", err)
	}
	got := settle(t, k, pass, passFP)
	if len(got) != 1 || !strings.Contains(got[0].Text(), "Pizza") || !strings.Contains(got[0].Text(), "House wine") {
		t.Fatalf("pass printed %d tickets; want one with every line", len(got))
	}
	if n := len(offFP.Prints()); n != 0 {
		t.Errorf("disabled printer printed %d; want 0", n)
	}
	if n := len(settle(t, k, bar, barFP)); n != 1 {
		t.Errorf("bar printed %d tickets; want 1", n)
	}
}

func TestReprintAndCancelTickets(t *testing.T) {
	k := newKitchen(t)
	ctx := context.Background()
	_, fp := k.printer(t, "Pass", store.PrinterKitchen, "")
	k.run(t)
	o := k.order(t, "", store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 1})
	wait(t, fp, 1)
	jobs, err := k.st.ReprintTickets(ctx, o.ID, "", 0)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("ReprintTickets = %d jobs, %v; want 1", len(jobs), err)
	}
	re := wait(t, fp, 2)[1]
	if l := mustLine(t, re, "REPRINT"); !l.Reverse {
		t.Errorf("reprint banner %+v; want white on black", l)
	}
	mustLine(t, re, "1 x Pizza Margherita")
	if _, err := k.st.ReprintTickets(ctx, o.ID, "bar", 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ReprintTickets(station bar) err = %v; want ErrConflict (nothing of that station)", err)
	}
	if _, err := k.st.CancelOrder(ctx, o.ID, "guest left", store.RoleWaiter); err != nil {
		t.Fatalf("CancelOrder: %v", err)
	}
	c := wait(t, fp, 3)[2]
	if l := mustLine(t, c, "CANCELLED"); !l.Reverse || l.Width != 2 {
		t.Errorf("cancel banner %+v; want big, white on black", l)
	}
	mustLine(t, c, "1 x Pizza Margherita")
	pending, _, err := k.st.CreateOrder(ctx, store.NewOrder{TableID: k.table.ID, Items: []store.NewOrderItem{{MenuItemID: k.pizza.ID, Quantity: 1}}},
		store.RoleCustomer, store.Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	if _, err := k.st.ReprintTickets(ctx, pending.ID, "", 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ReprintTickets(pending order) err = %v; want ErrConflict", err)
	}
}

func TestBillAndReceipt(t *testing.T) {
	for _, incl := range []bool{true, false} {
		t.Run(fmt.Sprintf("prices_include_tax=%v", incl), func(t *testing.T) {
			k := newKitchen(t)
			ctx := context.Background()
			if _, err := k.st.UpdateSettings(ctx, store.SettingsPatch{PricesIncludeTax: &incl, PrintReceipts: ptr(true)}); err != nil {
				t.Fatalf("UpdateSettings: %v", err)
			}
			p, fp := k.printer(t, "Till", store.PrinterReceipt, "")
			k.run(t)
			k.order(t, "", store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 2}, store.NewOrderItem{MenuItemID: k.wine.ID, Quantity: 1})
			if _, err := k.st.PrintBill(ctx, k.table.ID, 0); err != nil {
				t.Fatalf("PrintBill: %v", err)
			}
			b := wait(t, fp, 1)[0]
			if !bytes.Contains(b.Raw, []byte{0xD5}) {
				t.Errorf("bill bytes have no 0xD5, the euro sign of PC858")
			}
			mustLine(t, b, "Trattoria Ana")
			mustLine(t, b, "BILL")
			mustLine(t, b, "Table Terrace 4")
			if l := mustLine(t, b, "2 x Pizza Margherita"); !strings.HasSuffix(l.Text, "€17.00") {
				t.Errorf("line %q; want €17.00 flush right", l.Text)
			}
			mustLine(t, b, "@ €8.50")
			if l := mustLine(t, b, "1 x House wine"); len([]rune(l.Text)) != 42 {
				t.Errorf("line %q is %d wide; want 42", l.Text, len([]rune(l.Text)))
			}
			if incl {
				// 21.50 including 10%: tax 1.95 (21.50 - 21.50/1.1, half up).
				mustLine(t, b, "TOTAL")
				if l := mustLine(t, b, "TOTAL"); !strings.HasSuffix(l.Text, "€21.50") || !l.Bold {
					t.Errorf("total %+v; want bold €21.50", l)
				}
				if l := mustLine(t, b, "incl. tax 10%"); !strings.HasSuffix(l.Text, "€1.95") {
					t.Errorf("tax %q; want €1.95", l.Text)
				}
			} else {
				if l := mustLine(t, b, "Subtotal"); !strings.HasSuffix(l.Text, "€21.50") {
					t.Errorf("subtotal %q; want €21.50", l.Text)
				}
				if l := mustLine(t, b, "Tax 10%"); !strings.HasSuffix(l.Text, "€2.15") {
					t.Errorf("tax %q; want €2.15", l.Text)
				}
				if l := mustLine(t, b, "TOTAL"); !strings.HasSuffix(l.Text, "€23.65") {
					t.Errorf("total %q; want €23.65", l.Text)
				}
			}
			if b.Cuts != 1 {
				t.Errorf("bill cuts = %d; want 1", b.Cuts)
			}
			bill, err := k.st.Bill(ctx, k.table.ID)
			if err != nil {
				t.Fatalf("Bill: %v", err)
			}
			if _, err := k.st.CreatePayment(ctx, store.NewPayment{TableID: k.table.ID, Method: "card", AmountCents: 1000, TipCents: 0}); err != nil {
				t.Fatalf("CreatePayment: %v", err)
			}
			if _, err := k.st.CreatePayment(ctx, store.NewPayment{TableID: k.table.ID, Method: "cash", AmountCents: bill.TotalCents - 1000, TipCents: 250,
				TenderedCents: bill.TotalCents - 1000 + 250 + 1235}); err != nil {
				t.Fatalf("CreatePayment: %v", err)
			}
			got := settle(t, k, p, fp)
			if len(got) != 2 {
				t.Fatalf("%d prints; want the bill and one receipt", len(got))
			}
			r := got[1]
			mustLine(t, r, "RECEIPT")
			if l := mustLine(t, r, "Paid by card"); !strings.HasSuffix(l.Text, "€10.00") {
				t.Errorf("payment %q; want €10.00", l.Text)
			}
			mustLine(t, r, "Paid by cash")
			if l := mustLine(t, r, "tip"); !strings.HasSuffix(l.Text, "€2.50") {
				t.Errorf("tip %q; want €2.50", l.Text)
			}
			mustLine(t, r, "Total with tips")
			if l := mustLine(t, r, "cash given"); !strings.HasSuffix(l.Text, money(bill.TotalCents-1000+250+1235)) {
				t.Errorf("cash given %q; want %s", l.Text, money(bill.TotalCents-1000+250+1235))
			}
			if l := mustLine(t, r, "change"); !strings.HasSuffix(l.Text, "€12.35") {
				t.Errorf("change %q; want €12.35", l.Text)
			}
			if _, ok := r.Find("DUE"); ok {
				t.Errorf("receipt shows something due:\n%s", r.Text())
			}
		})
	}
}

func TestBillErrors(t *testing.T) {
	k := newKitchen(t)
	ctx := context.Background()
	if _, err := k.st.PrintBill(ctx, k.table.ID, 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PrintBill(no receipt printer) err = %v; want ErrConflict", err)
	}
	p, _ := k.printer(t, "Till", store.PrinterReceipt, "")
	if _, err := k.st.PrintBill(ctx, k.table.ID, 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PrintBill(empty bill) err = %v; want ErrConflict", err)
	}
	var ve *store.ValidationError
	if _, err := k.st.PrintBill(ctx, k.table.ID, p.ID+100); !errors.As(err, &ve) {
		t.Errorf("PrintBill(unknown printer) err = %v; want a ValidationError", err)
	}
	if _, err := k.st.PrintBill(ctx, k.table.ID+100, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PrintBill(unknown table) err = %v; want ErrNotFound", err)
	}
}

func TestTestPage(t *testing.T) {
	k := newKitchen(t)
	_, err := k.st.UpdateSettings(context.Background(), store.SettingsPatch{Currency: ptr("GBP")})
	if err != nil {
		t.Fatal(err)
	}
	p, fp := k.printer(t, "Bar", store.PrinterKitchen, "bar")
	k.run(t)
	if got := settle(t, k, p, fp); len(got) != 0 {
		t.Fatalf("%d prints besides the test page; want 0", len(got))
	}
	tp := fp.Prints()[0]
	mustLine(t, tp, "Bar")
	mustLine(t, tp, fp.Addr())
	mustLine(t, tp, "station bar")
	mustLine(t, tp, "£12.50  € £ ¥")
	mustLine(t, tp, "àéîõü")
	ruler := mustLine(t, tp, "1234567890")
	if len(ruler.Text) != 42 || !strings.HasSuffix(ruler.Text, "2") {
		t.Errorf("ruler %q; want 42 digits", ruler.Text)
	}
	if tp.Cuts != 1 {
		t.Errorf("cuts = %d; want 1", tp.Cuts)
	}
}

// TestQueueWhileOffline: a printer that is off keeps its jobs, queued and
// shown so; when it comes back each prints once, in order.
func TestQueueWhileOffline(t *testing.T) {
	k := newKitchen(t)

	p, fp := k.printer(t, "Pass", store.PrinterKitchen, "")
	fp.Off()
	k.run(t)
	var ids []int64
	for range 3 {
		ids = append(ids, k.order(t, "", store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 1}).ID)
	}
	waitPrinter(t, k.st, p.ID, "offline with 3 queued", func(p store.Printer) bool {
		return p.Status == store.PrinterOffline && p.Queued == 3 && strings.Contains(p.StatusMessage, "cannot reach")
	})
	// Let the worker retry a few times while it is off.
	time.Sleep(300 * time.Millisecond)
	if err := fp.On(); err != nil {
		t.Fatalf("On: %v", err)
	}
	got := settle(t, k, p, fp)
	if len(got) != 3 {
		t.Fatalf("%d prints; want 3", len(got))
	}
	for i, pr := range got {
		mustLine(t, pr, fmt.Sprintf("Order %d", ids[i]))
		if _, ok := pr.Find("REPEAT"); ok {
			t.Errorf("print %d says REPEAT; it was never sent before", i)
		}
	}
	waitPrinter(t, k.st, p.ID, "ok with nothing queued", func(p store.Printer) bool {
		return p.Status == store.PrinterOK && p.Queued == 0
	})
}

// TestInterruptedSend: a job whose send began but never finished (the box
// died, or the printer jammed) is sent again, headed as a possible repeat.
func TestInterruptedSend(t *testing.T) {
	k := newKitchen(t)

	p, fp := k.printer(t, "Pass", store.PrinterKitchen, "")
	fp.Jam(true)
	k.run(t)
	k.order(t, "", store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 1})
	waitPrinter(t, k.st, p.ID, "error with the job queued", func(p store.Printer) bool {
		return p.Status == store.PrinterError && p.Queued == 1
	})
	fp.Jam(false)
	got := settle(t, k, p, fp)
	if len(got) != 1 {
		t.Fatalf("%d prints; want 1", len(got))
	}
	mustLine(t, got[0], "REPEAT: MAY BE A DUPLICATE")
	mustLine(t, got[0], "1 x Pizza Margherita")
}

// TestDeletedPrinterCancelsJobs: deleting a printer drops what it had
// queued; nothing prints there later.
func TestDeletedPrinterCancelsJobs(t *testing.T) {
	k := newKitchen(t)
	ctx := context.Background()
	p, fp := k.printer(t, "Pass", store.PrinterKitchen, "")
	fp.Off()
	o := k.order(t, "", store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 1})
	_ = o
	if err := k.st.DeletePrinter(ctx, p.ID); err != nil {
		t.Fatalf("DeletePrinter: %v", err)
	}
	counts, err := k.st.PrintJobCounts(ctx)
	if err != nil || counts[store.JobCancelled] != 1 || counts[store.JobQueued] != 0 {
		t.Errorf("PrintJobCounts = %v, %v; want 1 cancelled, 0 queued", counts, err)
	}
	if _, err := k.st.Printer(ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Printer(deleted) err = %v; want ErrNotFound", err)
	}
}

// TestCoursesVoidsCompsDiscounts: tickets print each fired course under
// its heading, a void of a printed line tells the kitchen, and the bill
// shows comps, voids and discounts with the tax worked out after them.
func TestCoursesVoidsCompsDiscounts(t *testing.T) {
	k := newKitchen(t)
	ctx := context.Background()
	if _, err := k.st.UpdateSettings(ctx, store.SettingsPatch{Courses: &[]string{"Starters", "Mains", "Desserts"}, FireCourses: ptr(true)}); err != nil {
		t.Fatalf("UpdateSettings: %v", err)
	}
	pass, fp := k.printer(t, "Pass", store.PrinterKitchen, "")
	tillP, till := k.printer(t, "Till", store.PrinterReceipt, "")
	k.run(t)
	seat := int64(2)
	o := k.order(t, "",
		store.NewOrderItem{MenuItemID: k.wine.ID, Quantity: 2, Course: ptr(int64(1))},
		store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 1, Course: ptr(int64(2)), Seat: &seat},
		store.NewOrderItem{MenuItemID: k.tiramisu.ID, Quantity: 2, Course: ptr(int64(3))})
	first := wait(t, fp, 1)[0]
	mustLine(t, first, "-- 1: STARTERS --")
	mustLine(t, first, "2 x House wine")
	if strings.Contains(first.Text(), "Pizza") || strings.Contains(first.Text(), "Tiramis") {
		t.Errorf("first ticket has held courses:\n%s", first.Text())
	}
	if _, err := k.st.FireCourse(ctx, o.ID, 2); err != nil {
		t.Fatalf("FireCourse: %v", err)
	}
	mains := wait(t, fp, 2)[1]
	mustLine(t, mains, "-- 2: MAINS --")
	mustLine(t, mains, "1 x Pizza Margherita")
	mustLine(t, mains, "seat 2")
	// The kitchen display reprints one fired course.
	if _, err := k.st.ReprintTickets(ctx, o.ID, "", 3); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ReprintTickets(held course 3) err = %v; want ErrConflict", err)
	}
	if jobs, err := k.st.ReprintTickets(ctx, o.ID, "", 2); err != nil || len(jobs) != 1 {
		t.Fatalf("ReprintTickets(course 2) = %d jobs, %v; want 1", len(jobs), err)
	}
	again := wait(t, fp, 3)[2]
	mustLine(t, again, "REPRINT")
	if _, ok := again.Find("Pizza"); !ok || strings.Contains(again.Text(), "wine") {
		t.Errorf("course 2 reprint:\n%s\nwant the pizza only", again.Text())
	}

	// A void of a printed line goes to the kitchen; one of a held line not.
	var wine, tiramisu store.OrderItem
	for _, it := range o.Items {
		switch it.MenuItemID {
		case k.wine.ID:
			wine = it
		case k.tiramisu.ID:
			tiramisu = it
		}
	}
	if _, err := k.st.VoidLine(ctx, o.ID, wine.ID, 1, "spilled", store.RoleAdmin); err != nil {
		t.Fatalf("VoidLine: %v", err)
	}
	v := wait(t, fp, 4)[3]
	if l := mustLine(t, v, "VOID"); !l.Reverse {
		t.Errorf("void banner %+v; want white on black", l)
	}
	mustLine(t, v, "1 x House wine")
	if _, err := k.st.VoidLine(ctx, o.ID, tiramisu.ID, 1, "changed mind", store.RoleAdmin); err != nil {
		t.Fatalf("VoidLine: %v", err)
	}
	if got := settle(t, k, pass, fp); len(got) != 4 {
		t.Errorf("%d kitchen prints; want 4 (a held line's void prints nothing)", len(got))
	}

	var pizza store.OrderItem
	for _, it := range o.Items {
		if it.MenuItemID == k.pizza.ID {
			pizza = it
		}
	}
	if _, err := k.st.CompLine(ctx, o.ID, pizza.ID, "birthday"); err != nil {
		t.Fatalf("CompLine: %v", err)
	}
	pct := int64(1000)
	if _, err := k.st.AddDiscount(ctx, k.table.ID, store.NewDiscount{PercentBP: &pct, Reason: "regulars"}); err != nil {
		t.Fatalf("AddDiscount: %v", err)
	}
	bill, err := k.st.Bill(ctx, k.table.ID)
	if err != nil {
		t.Fatalf("Bill: %v", err)
	}
	if _, err := k.st.PrintBill(ctx, k.table.ID, tillP.ID); err != nil {
		t.Fatalf("PrintBill: %v", err)
	}
	b := wait(t, till, 1)[0]
	if l := mustLine(t, b, "1 x Pizza Margherita"); !strings.HasSuffix(l.Text, "€0.00") {
		t.Errorf("comped line %q; want €0.00", l.Text)
	}
	mustLine(t, b, "on the house: birthday")
	mustLine(t, b, "1 x House wine")
	mustLine(t, b, "1 x Tiramisù")
	mustLine(t, b, "VOID 1 x House wine")
	mustLine(t, b, "VOID 1 x Tiramisù")
	mustLine(t, b, "spilled")
	if l := mustLine(t, b, "Discount 10% (regulars)"); !strings.HasSuffix(l.Text, "-"+money(bill.DiscountCents)) {
		t.Errorf("discount %q; want -%s", l.Text, money(bill.DiscountCents))
	}
	if l := mustLine(t, b, "TOTAL"); !strings.HasSuffix(l.Text, money(bill.TotalCents)) {
		t.Errorf("total %q; want %s", l.Text, money(bill.TotalCents))
	}
	if bill.DiscountCents == 0 || bill.TotalCents != bill.SubtotalCents-bill.DiscountCents {
		t.Errorf("bill %+v; want the discount taken off the total (prices include tax)", bill)
	}
}

// TestPaperAndCover: a printer out of paper or with its cover open says so
// when asked; the ticket waits, unsent, shown as an error, and prints once
// (not as a repeat) when the paper is in and the cover shut. A printer that
// does not answer status requests prints all the same.
func TestPaperAndCover(t *testing.T) {
	k := newKitchen(t)
	p, fp := k.printer(t, "Pass", store.PrinterKitchen, "")
	fp.SetPaper(false)
	k.run(t)
	k.order(t, "", store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 1})
	waitPrinter(t, k.st, p.ID, "error: out of paper, 1 queued", func(p store.Printer) bool {
		return p.Status == store.PrinterError && p.StatusMessage == "out of paper" && p.Queued == 1
	})
	fp.SetPaper(true)
	fp.SetCoverOpen(true)
	waitPrinter(t, k.st, p.ID, "error: cover open", func(p store.Printer) bool {
		return p.Status == store.PrinterError && p.StatusMessage == "the cover is open" && p.Queued == 1
	})
	if n := len(fp.Prints()); n != 0 {
		t.Fatalf("%d prints while it could not print; want 0", n)
	}
	fp.SetCoverOpen(false)
	got := wait(t, fp, 1)
	if _, ok := got[0].Find("REPEAT"); ok {
		t.Errorf("ticket:\n%s\nis marked REPEAT; nothing was sent while the paper was out", got[0].Text())
	}
	waitPrinter(t, k.st, p.ID, "ok", func(p store.Printer) bool { return p.Status == store.PrinterOK && p.Queued == 0 })
	fp.SetSilent(true)
	k.order(t, "", store.NewOrderItem{MenuItemID: k.wine.ID, Quantity: 1})
	got = wait(t, fp, 2)
	mustLine(t, got[1], "1 x House wine")
}

// TestModifiers: every choice prints under its line on the ticket (an
// allergy choice white on black), and on the bill with its price.
func TestModifiers(t *testing.T) {
	k := newKitchen(t)
	ctx := context.Background()
	g, err := k.st.CreateModifierGroup(ctx, store.ModifierGroupInput{Name: ptr("Extras"), Min: ptr(int64(0)), Max: ptr(int64(3)),
		Options: &[]store.ModifierOptionInput{{Name: "Extra cheese", PriceDeltaCents: 150}, {Name: "No gluten", Allergy: true}}})
	if err != nil {
		t.Fatalf("CreateModifierGroup: %v", err)
	}
	if _, err := k.st.UpdateItem(ctx, k.pizza.ID, store.ItemInput{ModifierGroupIDs: &[]int64{g.ID}}); err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	_, fp := k.printer(t, "Pass", store.PrinterKitchen, "")
	till, tillFP := k.printer(t, "Till", store.PrinterReceipt, "")
	k.run(t)
	k.order(t, "", store.NewOrderItem{MenuItemID: k.pizza.ID, Quantity: 2,
		Modifiers: []store.NewModifier{{OptionID: g.Options[0].ID}, {OptionID: g.Options[1].ID}}})
	p := wait(t, fp, 1)[0]
	if l := mustLine(t, p, "+ Extras: Extra cheese"); !l.Bold {
		t.Errorf("modifier %+v; want bold", l)
	}
	if l := mustLine(t, p, "ALLERGY + Extras: No gluten"); !l.Reverse {
		t.Errorf("allergy choice %+v; want white on black", l)
	}
	if _, err := k.st.PrintBill(ctx, k.table.ID, till.ID); err != nil {
		t.Fatalf("PrintBill: %v", err)
	}
	b := wait(t, tillFP, 1)[0]
	if l := mustLine(t, b, "2 x Pizza Margherita"); !strings.HasSuffix(l.Text, "€20.00") {
		t.Errorf("line %q; want €20.00 (8.50 + 1.50, twice)", l.Text)
	}
	if l := mustLine(t, b, "+ Extra cheese"); !strings.HasSuffix(l.Text, "+€1.50") {
		t.Errorf("modifier %q; want +€1.50", l.Text)
	}
	mustLine(t, b, "+ No gluten")
}
