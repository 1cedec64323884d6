package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// reportCase sets up one evening on a fresh store (the clock starts on
// 2026-11-27 at 19:00 UTC) and says what the day's report must show.
type reportCase struct {
	name string
	// date is the report's day; empty is 2026-11-27.
	date string
	run  func(t *testing.T, r *reportRig)
	want reportWant
}

type reportWant struct {
	reportSums
	waiters map[string]waiterWant
}

type reportSums struct {
	gross, payments, openCount, open, discounts, rounding, other, tips, voids, comps int64
}

type waiterWant struct{ orders, sales, payments, paid, tips int64 }

// reportRig is a store with two waiters, ana and ben, and their contexts.
type reportRig struct {
	*svc
	ana, ben context.Context
}

func (r *reportRig) orderAs(t *testing.T, ctx context.Context, table int64, lines ...NewOrderItem) Order {
	t.Helper()
	o, _, err := r.CreateOrder(ctx, NewOrder{TableID: table, Items: lines}, RoleWaiter, Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder() err = %v", err)
	}
	return o
}

func (r *reportRig) pay(t *testing.T, ctx context.Context, in NewPayment) {
	t.Helper()
	if in.Method == "" {
		in.Method = MethodCash
	}
	if _, err := r.CreatePayment(ctx, in); err != nil {
		t.Fatalf("CreatePayment(%+v) err = %v", in, err)
	}
}

func (r *reportRig) due(t *testing.T, table int64) int64 {
	t.Helper()
	b, err := r.Bill(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	return b.DueCents
}

// TestDailyReportAddsUp: in every case gross sales are payments plus open
// bills plus discounts (plus tax rounding and other days), each line is the
// amount worked out by hand, and the figures by waiter add up to the day's.
// Soup 800, Steak 2000, Cake 600, Wine 1000; 20% tax included unless said.
func TestDailyReportAddsUp(t *testing.T) {
	seat := func(item, s int64) NewOrderItem { return line(item, 1, s) }
	cases := []reportCase{
		{name: "open bill", run: func(t *testing.T, r *reportRig) {
			r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
		}, want: reportWant{reportSums{gross: 2800, openCount: 1, open: 2800}, map[string]waiterWant{"ana": {orders: 1, sales: 2800}}}},
		{name: "part-paid bill", run: func(t *testing.T, r *reportRig) {
			r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
			r.pay(t, r.ben, NewPayment{TableID: r.table, AmountCents: 1000})
		}, want: reportWant{reportSums{gross: 2800, payments: 1000, openCount: 1, open: 1800}, map[string]waiterWant{"ana": {orders: 1, sales: 2800}, "ben": {payments: 1, paid: 1000}}}},
		{name: "discount", run: func(t *testing.T, r *reportRig) {
			r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
			pct := int64(1000)
			if _, err := r.AddDiscount(r.ana, r.table, NewDiscount{PercentBP: &pct, Reason: "Regular guest"}); err != nil {
				t.Fatal(err)
			}
			r.pay(t, r.ben, NewPayment{TableID: r.table, AmountCents: 2520})
		}, want: reportWant{reportSums{gross: 2800, payments: 2520, discounts: 280}, map[string]waiterWant{"ana": {orders: 1, sales: 2800}, "ben": {payments: 1, paid: 2520}}}},
		{name: "discount on an open bill", run: func(t *testing.T, r *reportRig) {
			r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
			off := int64(500)
			if _, err := r.AddDiscount(r.ana, r.table, NewDiscount{AmountCents: &off, Reason: "Long wait"}); err != nil {
				t.Fatal(err)
			}
			r.pay(t, r.ben, NewPayment{TableID: r.table, AmountCents: 300})
		}, want: reportWant{reportSums{gross: 2800, payments: 300, openCount: 1, open: 2000, discounts: 500}, map[string]waiterWant{"ana": {orders: 1, sales: 2800}, "ben": {payments: 1, paid: 300}}}},
		{name: "void", run: func(t *testing.T, r *reportRig) {
			o := r.orderAs(t, r.ana, r.table, line(r.soup, 2, 0), line(r.steak, 1, 0))
			if _, err := r.VoidLine(r.ana, o.ID, o.Items[0].ID, 1, "Guest changed mind", RoleWaiter); err != nil {
				t.Fatal(err)
			}
			r.pay(t, r.ana, NewPayment{TableID: r.table, AmountCents: 2800})
		}, want: reportWant{reportSums{gross: 2800, payments: 2800, voids: 800}, map[string]waiterWant{"ana": {orders: 1, sales: 2800, payments: 1, paid: 2800}}}},
		{name: "comp", run: func(t *testing.T, r *reportRig) {
			o := r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
			if _, err := r.CompLine(r.ana, o.ID, o.Items[1].ID, "Quality complaint"); err != nil {
				t.Fatal(err)
			}
			r.pay(t, r.ben, NewPayment{TableID: r.table, AmountCents: 800})
		}, want: reportWant{reportSums{gross: 800, payments: 800, comps: 2000}, map[string]waiterWant{"ana": {orders: 1, sales: 800}, "ben": {payments: 1, paid: 800}}}},
		{name: "tip", run: func(t *testing.T, r *reportRig) {
			r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
			r.pay(t, r.ana, NewPayment{TableID: r.table, Method: MethodCard, AmountCents: 2800, TipCents: 300})
		}, want: reportWant{reportSums{gross: 2800, payments: 2800, tips: 300}, map[string]waiterWant{"ana": {orders: 1, sales: 2800, payments: 1, paid: 2800, tips: 300}}}},
		{name: "split by seat", run: func(t *testing.T, r *reportRig) {
			r.orderAs(t, r.ana, r.table, seat(r.soup, 1), seat(r.steak, 2), seat(r.wine, 2))
			one, two := int64(1), int64(2)
			r.pay(t, r.ana, NewPayment{TableID: r.table, AmountCents: 800, Seat: &one})
			r.pay(t, r.ben, NewPayment{TableID: r.table, Method: MethodCard, AmountCents: 3000, TipCents: 200, Seat: &two})
		}, want: reportWant{reportSums{gross: 3800, payments: 3800, tips: 200}, map[string]waiterWant{"ana": {orders: 1, sales: 3800, payments: 1, paid: 800}, "ben": {payments: 1, paid: 3000, tips: 200}}}},
		{name: "two waiters, two tables", run: func(t *testing.T, r *reportRig) {
			r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
			r.orderAs(t, r.ben, r.table2, line(r.cake, 1, 0), line(r.wine, 1, 0))
			r.orderAs(t, r.ana, r.table2, line(r.soup, 1, 0))
			r.pay(t, r.ana, NewPayment{TableID: r.table2, AmountCents: 2400, TipCents: 100})
		}, want: reportWant{reportSums{gross: 5200, payments: 2400, openCount: 1, open: 2800, tips: 100}, map[string]waiterWant{"ana": {orders: 2, sales: 3600, payments: 1, paid: 2400, tips: 100}, "ben": {orders: 1, sales: 1600}}}},
		{name: "a guest's order counts for the waiter who confirmed it", run: func(t *testing.T, r *reportRig) {
			guest := WithActor(context.Background(), Actor{Kind: ActorTable, ID: r.table})
			o, _, err := r.CreateOrder(guest, NewOrder{TableID: r.table, Items: []NewOrderItem{line(r.cake, 1, 0)}}, RoleCustomer, Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.SetOrderStatus(r.ben, o.ID, StatusConfirmed, RoleWaiter); err != nil {
				t.Fatal(err)
			}
			// One placed by the box itself (no staff member) stays apart.
			r.order(t, r.table2, line(r.wine, 1, 0))
		}, want: reportWant{reportSums{gross: 1600, openCount: 2, open: 1600}, map[string]waiterWant{"ben": {orders: 1, sales: 600}, "": {orders: 1, sales: 1000}}}},
		{name: "cancel after a part payment refunds the change", run: func(t *testing.T, r *reportRig) {
			r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
			wine := r.orderAs(t, r.ana, r.table, line(r.wine, 1, 0))
			r.pay(t, r.ben, NewPayment{TableID: r.table, AmountCents: 3000})
			if _, err := r.CancelOrder(r.ana, wine.ID, "guest left", RoleWaiter); err != nil {
				t.Fatal(err)
			}
		}, want: reportWant{reportSums{gross: 2800, payments: 2800}, map[string]waiterWant{"ana": {orders: 1, sales: 2800, payments: 1, paid: -200}, "ben": {payments: 1, paid: 3000}}}},
		{name: "tax on top rounds per order", run: func(t *testing.T, r *reportRig) {
			rate, incl := int64(825), false
			if _, err := r.UpdateSettings(context.Background(), SettingsPatch{TaxRateBP: &rate, PricesIncludeTax: &incl}); err != nil {
				t.Fatal(err)
			}
			// Cake 600 + 49.5 → 650, Wine 1000 + 82.5 → 1083; the bill:
			// 1600 + 132 = 1732.
			r.orderAs(t, r.ana, r.table, line(r.cake, 1, 0))
			r.orderAs(t, r.ana, r.table, line(r.wine, 1, 0))
			r.pay(t, r.ana, NewPayment{TableID: r.table, AmountCents: r.due(t, r.table)})
		}, want: reportWant{reportSums{gross: 1733, payments: 1732, rounding: 1}, map[string]waiterWant{"ana": {orders: 2, sales: 1733, payments: 1, paid: 1732}}}},
		{name: "tax on top with a discount", run: func(t *testing.T, r *reportRig) {
			rate, incl := int64(1000), false
			if _, err := r.UpdateSettings(context.Background(), SettingsPatch{TaxRateBP: &rate, PricesIncludeTax: &incl}); err != nil {
				t.Fatal(err)
			}
			r.orderAs(t, r.ana, r.table, line(r.steak, 1, 0))
			off := int64(500)
			if _, err := r.AddDiscount(r.ana, r.table, NewDiscount{AmountCents: &off, Reason: "Long wait"}); err != nil {
				t.Fatal(err)
			}
			// 2000 − 500 = 1500 + 150 tax: the discount took 550 off 2200.
			r.pay(t, r.ana, NewPayment{TableID: r.table, AmountCents: 1650})
		}, want: reportWant{reportSums{gross: 2200, payments: 1650, discounts: 550}, map[string]waiterWant{"ana": {orders: 1, sales: 2200, payments: 1, paid: 1650}}}},
		{name: "a bill past midnight: the day it was ordered", run: midnightBill,
			want: reportWant{reportSums{gross: 2800, payments: 1000, other: 1800}, map[string]waiterWant{"ana": {orders: 1, sales: 2800}, "ben": {payments: 1, paid: 1000}}}},
		{name: "a bill past midnight: the day it was paid", date: "2026-11-28", run: midnightBill,
			want: reportWant{reportSums{payments: 1800, other: -1800}, map[string]waiterWant{"ben": {payments: 1, paid: 1800}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rig := newReportRig(t)
			c.run(t, rig)
			date := c.date
			if date == "" {
				date = "2026-11-27"
			}
			r, err := rig.DailyReport(context.Background(), date)
			if err != nil {
				t.Fatalf("DailyReport() err = %v", err)
			}
			checkReport(t, r, c.want)
		})
	}
}

// midnightBill is a table ordered at 23:30 and paid partly then, the rest
// after midnight.
func midnightBill(t *testing.T, r *reportRig) {
	r.tick(4*time.Hour + 30*time.Minute)
	r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
	r.pay(t, r.ben, NewPayment{TableID: r.table, AmountCents: 1000})
	r.tick(time.Hour)
	r.pay(t, r.ben, NewPayment{TableID: r.table, AmountCents: 1800})
}

func newReportRig(t *testing.T) *reportRig {
	v := openSvc(t, false)
	r := &reportRig{svc: v}
	for _, u := range []struct {
		dst  *context.Context
		name string
	}{{&r.ana, "ana"}, {&r.ben, "ben"}} {
		user, err := v.CreateUser(context.Background(), NewUser{Username: u.name, Role: RoleAdmin, Password: "secret-password"})
		if err != nil {
			t.Fatalf("CreateUser(%s) err = %v", u.name, err)
		}
		*u.dst = WithActor(context.Background(), Actor{Kind: ActorUser, ID: user.ID, Name: u.name})
	}
	return r
}

func checkReport(t *testing.T, r DailyReport, w reportWant) {
	t.Helper()
	rc := r.Reconciliation
	got := reportWant{reportSums{gross: r.GrossSalesCents, payments: r.PaymentsCents, openCount: r.OpenBillsCount, open: r.OpenBillsCents,
		discounts: rc.DiscountsCents, rounding: rc.RoundingCents, other: rc.OtherDaysCents, tips: r.TipsCents,
		voids: r.Corrections.VoidsCents, comps: r.Corrections.CompsCents}, map[string]waiterWant{}}
	for _, x := range r.ByWaiter {
		got.waiters[x.UserName] = waiterWant{x.OrdersCount, x.SalesCents, x.PaymentsCount, x.PaymentsCents, x.TipsCents}
	}
	if len(w.waiters) != len(got.waiters) {
		t.Errorf("by waiter = %+v; want %+v", got.waiters, w.waiters)
	}
	for name, ww := range w.waiters {
		if got.waiters[name] != ww {
			t.Errorf("waiter %q = %+v; want %+v", name, got.waiters[name], ww)
		}
	}
	if got.reportSums != w.reportSums {
		t.Errorf("report = %+v; want %+v", got.reportSums, w.reportSums)
	}
	// The identity, and the reconciliation's copy of the report's figures.
	if rc.GrossSalesCents != r.GrossSalesCents || rc.PaymentsCents != r.PaymentsCents || rc.OpenBillsCents != r.OpenBillsCents {
		t.Errorf("reconciliation %+v does not carry the report's gross %d, payments %d, open %d", rc, r.GrossSalesCents, r.PaymentsCents, r.OpenBillsCents)
	}
	if sum := rc.PaymentsCents + rc.OpenBillsCents + rc.DiscountsCents + rc.RoundingCents + rc.OtherDaysCents; sum != rc.GrossSalesCents {
		t.Errorf("payments + open + discounts + rounding + other days = %d; gross sales = %d", sum, rc.GrossSalesCents)
	}
	var sales, paid, tips, orders int64
	for _, x := range r.ByWaiter {
		sales, paid, tips, orders = sales+x.SalesCents, paid+x.PaymentsCents, tips+x.TipsCents, orders+x.OrdersCount
	}
	if sales != r.GrossSalesCents || paid != r.PaymentsCents || tips != r.TipsCents || orders != r.OrdersCount {
		t.Errorf("by waiter sums to sales %d, payments %d, tips %d, orders %d; the day has %d, %d, %d, %d",
			sales, paid, tips, orders, r.GrossSalesCents, r.PaymentsCents, r.TipsCents, r.OrdersCount)
	}
}

// TestMigrationFillsWhoTookOrdersAndPayments: a database from before
// migration 0080 learns from the audit log who took each order and payment
// (a guest's order: who confirmed it) and when each payment was settled,
// so its report is the one a box that recorded them live gives.
func TestMigrationFillsWhoTookOrdersAndPayments(t *testing.T) {
	r := newReportRig(t)
	ctx := context.Background()
	r.orderAs(t, r.ana, r.table, line(r.soup, 1, 0), line(r.steak, 1, 0))
	r.pay(t, r.ben, NewPayment{TableID: r.table, AmountCents: 1000})
	r.tick(time.Minute)
	r.pay(t, r.ana, NewPayment{TableID: r.table, AmountCents: 1800, TipCents: 200})
	guest := WithActor(ctx, Actor{Kind: ActorTable, ID: r.table2})
	o, _, err := r.CreateOrder(guest, NewOrder{TableID: r.table2, Items: []NewOrderItem{line(r.cake, 1, 0)}}, RoleCustomer, Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetOrderStatus(r.ben, o.ID, StatusConfirmed, RoleWaiter); err != nil {
		t.Fatal(err)
	}
	r.pay(t, r.ana, NewPayment{TableID: r.table2, AmountCents: 100})
	live, err := r.DailyReport(ctx, "2026-11-27")
	if err != nil {
		t.Fatal(err)
	}

	// Back to the schema before 0080: the columns and their indexes gone.
	path := r.path
	r.Close()
	old, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP INDEX orders_bill", "DROP INDEX payments_bill", "ALTER TABLE orders DROP COLUMN taken_by",
		"ALTER TABLE payments DROP COLUMN taken_by", "ALTER TABLE payments DROP COLUMN settled_at", "DELETE FROM schema_migrations WHERE version = 80"} {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()
	s, err := Open(ctx, path, Options{BcryptCost: 4, Now: func() time.Time { return time.UnixMilli(r.clock.Load()) }})
	if err != nil {
		t.Fatalf("Open(database before 0080) err = %v", err)
	}
	defer s.Close()
	again, err := s.DailyReport(ctx, "2026-11-27")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, live) {
		t.Errorf("report after the migration =\n%+v\nwant the live one\n%+v", again, live)
	}
	if live.OpenBillsCount != 1 || len(live.ByWaiter) != 2 {
		t.Errorf("live report = %+v; want one open bill and two waiters", live)
	}
}

// BenchmarkDailyReport: the report of a busy day, 300 settled bills (two
// orders and two payments each) and 30 open ones, on 30 tables.
func BenchmarkDailyReport(b *testing.B) {
	v := &svc{}
	v.clock.Store(time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC).UnixMilli())
	s, err := Open(context.Background(), b.TempDir()+"/rms.db", Options{BcryptCost: 4, Now: func() time.Time { return time.UnixMilli(v.clock.Load()) }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	catName, name, price := "Dinner", "Soup", int64(800)
	cat, err := s.CreateCategory(ctx, CategoryInput{Name: &catName})
	if err != nil {
		b.Fatal(err)
	}
	item, err := s.CreateItem(ctx, ItemInput{CategoryID: &cat.ID, Name: &name, PriceCents: &price})
	if err != nil {
		b.Fatal(err)
	}
	tables := make([]int64, 30)
	for i := range tables {
		n, seats := fmt.Sprintf("B%d", i), int64(4)
		tb, err := s.CreateTable(ctx, TableInput{Name: &n, Seats: &seats})
		if err != nil {
			b.Fatal(err)
		}
		tables[i] = tb.ID
	}
	for bill := 0; bill < 330; bill++ {
		table := tables[bill%30]
		for range 2 {
			if _, _, err := s.CreateOrder(ctx, NewOrder{TableID: table, Items: []NewOrderItem{line(item.ID, 3, 0)}}, RoleWaiter, Idempotency{}); err != nil {
				b.Fatal(err)
			}
		}
		v.tick(time.Second)
		if bill >= 300 {
			continue
		}
		for _, amount := range []int64{2000, 2800} {
			if _, err := s.CreatePayment(ctx, NewPayment{TableID: table, Method: MethodCash, AmountCents: amount}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		r, err := s.DailyReport(ctx, "2026-11-27")
		if err != nil || r.OpenBillsCount != 30 || r.OrdersCount != 660 {
			b.Fatalf("DailyReport() = %d open bills, %d orders, %v; want 30, 660", r.OpenBillsCount, r.OrdersCount, err)
		}
	}
}
