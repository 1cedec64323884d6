package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// svc is a store with a small menu in three courses and a clock the test
// moves.
type svc struct {
	*Store
	clock             atomic.Int64 // Unix ms
	table, table2     int64
	soup, steak, cake int64 // course 1, 2, 3; soup 800, steak 2000, cake 600
	wine              int64 // no course, 1000
}

func openSvc(t *testing.T, fireCourses bool) *svc {
	t.Helper()
	v := &svc{}
	v.clock.Store(time.Date(2026, 11, 27, 19, 0, 0, 0, time.UTC).UnixMilli())
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "rms.db"), Options{BcryptCost: 4,
		Now: func() time.Time { return time.UnixMilli(v.clock.Load()) }})
	if err != nil {
		t.Fatalf("Open() err = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	v.Store = s
	ctx := context.Background()
	if _, err := s.UpdateSettings(ctx, SettingsPatch{FireCourses: &fireCourses}); err != nil {
		t.Fatalf("UpdateSettings() err = %v", err)
	}
	for i, p := range []*int64{&v.table, &v.table2} {
		name, seats := fmt.Sprintf("T%d", i+1), int64(4)
		tb, err := s.CreateTable(ctx, TableInput{Name: &name, Seats: &seats})
		if err != nil {
			t.Fatalf("CreateTable() err = %v", err)
		}
		*p = tb.ID
	}
	catName := "Dinner"
	cat, err := s.CreateCategory(ctx, CategoryInput{Name: &catName})
	if err != nil {
		t.Fatalf("CreateCategory() err = %v", err)
	}
	for _, it := range []struct {
		dst    *int64
		name   string
		price  int64
		course int64
	}{{&v.soup, "Soup", 800, 1}, {&v.steak, "Steak", 2000, 2}, {&v.cake, "Cake", 600, 3}, {&v.wine, "Wine", 1000, 0}} {
		name, price, course := it.name, it.price, it.course
		item, err := s.CreateItem(ctx, ItemInput{CategoryID: &cat.ID, Name: &name, PriceCents: &price, Course: &course})
		if err != nil {
			t.Fatalf("CreateItem(%s) err = %v", name, err)
		}
		*it.dst = item.ID
	}
	return v
}

func (v *svc) tick(d time.Duration) { v.clock.Add(d.Milliseconds()) }

func (v *svc) order(t *testing.T, table int64, lines ...NewOrderItem) Order {
	t.Helper()
	o, _, err := v.CreateOrder(context.Background(), NewOrder{TableID: table, Items: lines}, StatusConfirmed, Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder() err = %v", err)
	}
	return o
}

func line(item, qty int64, seat int64) NewOrderItem {
	l := NewOrderItem{MenuItemID: item, Quantity: qty}
	if seat > 0 {
		l.Seat = &seat
	}
	return l
}

func (v *svc) status(t *testing.T, o *Order, to, role string) {
	t.Helper()
	var err error
	if *o, err = v.SetOrderStatus(context.Background(), o.ID, to, role); err != nil {
		t.Fatalf("SetOrderStatus(%s) err = %v", to, err)
	}
}

func (v *svc) done(t *testing.T, o *Order, lines ...int) {
	t.Helper()
	for _, i := range lines {
		var err error
		if *o, err = v.SetOrderItemDone(context.Background(), o.ID, o.Items[i].ID, true); err != nil {
			t.Fatalf("SetOrderItemDone(%s) err = %v", o.Items[i].Name, err)
		}
	}
}

// TestCourses runs the course rules as steps on an order of soup (course
// 1), steak (2), cake (3) and wine (no course).
func TestCourses(t *testing.T) {
	type step struct {
		do      string // "fire N", "done I", "status S", "serve"
		want    string // the order's status after it
		wantErr error
	}
	cases := []struct {
		name        string
		fireCourses bool
		wantHeld    []int64
		steps       []step
	}{
		{"without fire_courses everything goes at once", false, nil, []step{
			{do: "status preparing", want: StatusPreparing},
			{do: "done 0", want: StatusPreparing},
			{do: "done 1", want: StatusPreparing},
			{do: "done 2", want: StatusPreparing},
			{do: "done 3", want: StatusReady},
		}},
		{"later courses wait; the order is ready only when nothing is held", true, []int64{2, 3}, []step{
			{do: "status preparing", want: StatusPreparing},
			{do: "done 1", wantErr: ErrConflict}, // the steak is held
			{do: "done 0", want: StatusPreparing},
			{do: "done 3", want: StatusPreparing}, // starters and wine done, mains held
			{do: "status ready", wantErr: ErrConflict},
			{do: "fire 2", want: StatusPreparing},
			{do: "done 1", want: StatusPreparing},
			{do: "fire 3", want: StatusPreparing},
			{do: "done 2", want: StatusReady},
		}},
		{"a refire after ready sends the course back and the order to preparing", true, []int64{2, 3}, []step{
			{do: "fire 2", want: StatusConfirmed},
			{do: "fire 3", want: StatusConfirmed},
			{do: "status preparing", want: StatusPreparing},
			{do: "done 0", want: StatusPreparing},
			{do: "done 1", want: StatusPreparing},
			{do: "done 2", want: StatusPreparing},
			{do: "done 3", want: StatusReady},
			{do: "fire 2", want: StatusPreparing},
			{do: "done 1", want: StatusReady},
			{do: "serve", want: StatusServed},
			{do: "fire 3", want: StatusPreparing},
		}},
		{"a course with nothing in it cannot be fired", true, []int64{2, 3}, []step{
			{do: "fire 4", wantErr: ErrNotFound}, // no line of course 4: validation
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := openSvc(t, tc.fireCourses)
			ctx := context.Background()
			var seq int64
			v.OnCommit(func(evs []Event) {
				for _, e := range evs {
					if e.Name == "order:updated" {
						atomic.AddInt64(&seq, 1)
					}
				}
			})
			o := v.order(t, v.table, line(v.soup, 2, 0), line(v.steak, 2, 0), line(v.cake, 2, 0), line(v.wine, 1, 0))
			if got := o.HeldCourses(); fmt.Sprint(got) != fmt.Sprint(tc.wantHeld) {
				t.Fatalf("HeldCourses() = %v; want %v", got, tc.wantHeld)
			}
			for _, st := range tc.steps {
				var err error
				var n int64
				fmt.Sscanf(st.do, "fire %d", &n)
				switch {
				case n > 0:
					before := atomic.LoadInt64(&seq)
					var got Order
					got, err = v.FireCourse(ctx, o.ID, n)
					if err == nil {
						o = got
						if atomic.LoadInt64(&seq) == before {
							t.Errorf("%s: no order:updated", st.do)
						}
						for _, it := range o.Items {
							if it.Course != nil && *it.Course == n && (it.FiredAt == nil || it.Done) {
								t.Errorf("%s: line %s fired_at %v done %v; want fired, not done", st.do, it.Name, it.FiredAt, it.Done)
							}
						}
					}
				case st.do == "serve":
					var got Order
					if got, err = v.SetOrderStatus(ctx, o.ID, StatusServed, RoleWaiter); err == nil {
						o = got
					}
				default:
					var i int
					var to string
					if _, e := fmt.Sscanf(st.do, "done %d", &i); e == nil {
						var got Order
						if got, err = v.SetOrderItemDone(ctx, o.ID, o.Items[i].ID, true); err == nil {
							o = got
						}
					} else if _, e := fmt.Sscanf(st.do, "status %s", &to); e == nil {
						var got Order
						if got, err = v.SetOrderStatus(ctx, o.ID, to, RoleChef); err == nil {
							o = got
						}
					}
				}
				if st.wantErr != nil {
					var ve *ValidationError
					if !errors.Is(err, st.wantErr) && !(st.wantErr == ErrNotFound && errors.As(err, &ve)) {
						t.Fatalf("%s: err = %v; want %v", st.do, err, st.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: err = %v", st.do, err)
				}
				if o.Status != st.want {
					t.Fatalf("%s: status = %s; want %s", st.do, o.Status, st.want)
				}
				stored, _ := v.Order(ctx, o.ID)
				if stored.Status != o.Status {
					t.Fatalf("%s: stored status %s; returned %s", st.do, stored.Status, o.Status)
				}
			}
		})
	}
}

// TestNextCourseByGuest: the guest's "ready for the next course" fires the
// lowest held course of the table, once per tap until staff clear it.
func TestNextCourseByGuest(t *testing.T) {
	v := openSvc(t, true)
	ctx := WithActor(context.Background(), Actor{Kind: ActorTable, ID: 1})
	o := v.order(t, v.table, line(v.soup, 1, 0), line(v.steak, 1, 0), line(v.cake, 1, 0))
	if _, err := v.SetTableRequest(ctx, v.table, RequestNextCourse); err != nil {
		t.Fatalf("SetTableRequest(next_course) err = %v", err)
	}
	got, _ := v.Order(ctx, o.ID)
	if h := got.HeldCourses(); fmt.Sprint(h) != "[3]" {
		t.Fatalf("held after the guest's tap = %v; want [3]", h)
	}
	tb, _ := v.SetTableRequest(ctx, v.table, RequestNextCourse) // a second tap
	if got, _ = v.Order(ctx, o.ID); fmt.Sprint(got.HeldCourses()) != "[3]" || tb.OpenRequest.Kind != RequestNextCourse {
		t.Fatalf("a second tap: held %v, request %+v; want dessert still held, the request open", got.HeldCourses(), tb.OpenRequest)
	}
	v.ClearTableRequest(ctx, v.table)
	v.SetTableRequest(ctx, v.table, RequestNextCourse)
	v.ClearTableRequest(ctx, v.table)
	if _, err := v.SetTableRequest(ctx, v.table, RequestNextCourse); !errors.Is(err, ErrConflict) {
		t.Fatalf("next_course with nothing held err = %v; want ErrConflict", err)
	}
	rows, _ := v.Audit(context.Background(), AuditFilter{OrderID: o.ID})
	fires := 0
	for _, r := range rows {
		if r.Action == "order.fire" && r.Actor.Kind == ActorTable && r.Actor.Name == "T1" {
			fires++
		}
	}
	if fires != 2 {
		t.Errorf("audit rows of guest fires = %d; want 2 by table T1 (%+v)", fires, rows)
	}
}

func TestVoidRules(t *testing.T) {
	cases := []struct {
		name     string
		prepare  func(t *testing.T, v *svc, o *Order) // moves the order along
		line     int
		quantity int64
		reason   string
		role     string
		wantErr  error
	}{
		{"a waiter voids a line of an order the kitchen has not started", nil, 0, 0, "Wrong order", RoleWaiter, nil},
		{"a waiter voids part of a line", nil, 0, 1, "Guest changed mind", RoleWaiter, nil},
		{"a waiter may not void a line the kitchen started", func(t *testing.T, v *svc, o *Order) { v.status(t, o, StatusPreparing, RoleChef) }, 0, 0, "Wrong order", RoleWaiter, ErrForbidden},
		{"a waiter may not void a line that is done", func(t *testing.T, v *svc, o *Order) { v.done(t, o, 0) }, 0, 0, "Wrong order", RoleWaiter, ErrForbidden},
		{"a waiter voids a held course while the kitchen cooks the first", func(t *testing.T, v *svc, o *Order) { v.status(t, o, StatusPreparing, RoleChef) }, 1, 0, "Guest changed mind", RoleWaiter, nil},
		{"an admin voids a started line", func(t *testing.T, v *svc, o *Order) { v.status(t, o, StatusPreparing, RoleChef) }, 0, 0, "Quality complaint", RoleAdmin, nil},
		{"a reason is required", nil, 0, 0, "", RoleAdmin, &ValidationError{}},
		{"no more than is left", nil, 0, 3, "Wrong order", RoleAdmin, &ValidationError{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := openSvc(t, true)
			ctx := WithActor(context.Background(), Actor{Kind: ActorUser, ID: 7, Name: "ana"})
			o := v.order(t, v.table, line(v.soup, 2, 0), line(v.steak, 2, 0))
			if tc.prepare != nil {
				tc.prepare(t, v, &o)
			}
			l := o.Items[tc.line]
			got, err := v.VoidLine(ctx, o.ID, l.ID, tc.quantity, tc.reason, tc.role)
			if tc.wantErr != nil {
				var ve *ValidationError
				if _, isVE := tc.wantErr.(*ValidationError); isVE && !errors.As(err, &ve) || !isVE && !errors.Is(err, tc.wantErr) {
					t.Fatalf("VoidLine() err = %v; want %T %v", err, tc.wantErr, tc.wantErr)
				}
				if after, _ := v.Order(ctx, o.ID); after.SubtotalCents != o.SubtotalCents {
					t.Errorf("a refused void changed the subtotal to %d", after.SubtotalCents)
				}
				if rows, _ := v.Audit(ctx, AuditFilter{OrderID: o.ID}); len(rows) > 0 && rows[0].Action == "line.void" {
					t.Errorf("a refused void left an audit row %+v", rows[0])
				}
				return
			}
			if err != nil {
				t.Fatalf("VoidLine() err = %v", err)
			}
			q := tc.quantity
			if q == 0 {
				q = l.Quantity
			}
			gl := got.Items[tc.line]
			if gl.Quantity != l.Quantity-q || gl.VoidedQuantity != q || got.SubtotalCents != o.SubtotalCents-q*l.UnitPriceCents {
				t.Errorf("after the void: quantity %d voided %d subtotal %d; want %d, %d, %d", gl.Quantity, gl.VoidedQuantity, got.SubtotalCents,
					l.Quantity-q, q, o.SubtotalCents-q*l.UnitPriceCents)
			}
			rows, _ := v.Audit(ctx, AuditFilter{OrderID: o.ID, UserID: 7})
			if len(rows) == 0 || rows[0].Action != "line.void" || rows[0].Reason != tc.reason || rows[0].Actor.Name != "ana" {
				t.Errorf("audit = %+v; want line.void by ana for %q", rows, tc.reason)
			}
			b, _ := v.Bill(ctx, v.table)
			if len(b.Corrections) != 1 || b.Corrections[0].Kind != "void" || b.Corrections[0].AmountCents != q*l.UnitPriceCents {
				t.Errorf("bill corrections = %+v; want the void", b.Corrections)
			}
		})
	}
}

func TestVoidingEverythingCancelsTheOrder(t *testing.T) {
	v := openSvc(t, false)
	ctx := context.Background()
	o := v.order(t, v.table, line(v.soup, 1, 0))
	got, err := v.VoidLine(ctx, o.ID, o.Items[0].ID, 0, "Wrong order", RoleWaiter)
	if err != nil || got.Status != StatusCancelled || got.CancelReason == nil {
		t.Fatalf("VoidLine(last line) = %s %v, err %v; want cancelled with a reason", got.Status, got.CancelReason, err)
	}
}

// TestBillMaths checks discounts and comps with tax in both modes.
func TestBillMaths(t *testing.T) {
	cases := []struct {
		name         string
		inclusive    bool
		percentBP    int64
		amount       int64
		comp         bool
		wantSubtotal int64
		wantDiscount int64
		wantTax      int64
		wantTotal    int64
	}{
		// Soup 2 × 800 + steak 2 × 2000 = 5600; the rate is 20 %.
		{"tax included, no discount", true, 0, 0, false, 5600, 0, 933, 5600},
		{"tax added, no discount", false, 0, 0, false, 5600, 0, 1120, 6720},
		{"tax included, 10 % off", true, 1000, 0, false, 5600, 560, 840, 5040},
		{"tax added, 10 % off", false, 1000, 0, false, 5600, 560, 1008, 6048},
		{"tax added, 5.00 off", false, 0, 500, false, 5600, 500, 1020, 6120},
		{"tax included, a discount larger than the bill", true, 0, 9000, false, 5600, 5600, 0, 0},
		{"tax added, the soups comped", false, 0, 0, true, 4000, 0, 800, 4800},
		{"tax included, the soups comped and 12.5 % off", true, 1250, 0, true, 4000, 500, 583, 3500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := openSvc(t, false)
			ctx := context.Background()
			v.UpdateSettings(ctx, SettingsPatch{PricesIncludeTax: &tc.inclusive})
			o := v.order(t, v.table, line(v.soup, 2, 0), line(v.steak, 2, 0))
			if tc.comp {
				if _, err := v.CompLine(ctx, o.ID, o.Items[0].ID, "Long wait"); err != nil {
					t.Fatalf("CompLine() err = %v", err)
				}
			}
			if tc.percentBP > 0 || tc.amount > 0 {
				in := NewDiscount{Reason: "Regular guest"}
				if tc.percentBP > 0 {
					in.PercentBP = &tc.percentBP
				} else {
					in.AmountCents = &tc.amount
				}
				if _, err := v.AddDiscount(ctx, v.table, in); err != nil {
					t.Fatalf("AddDiscount() err = %v", err)
				}
			}
			b, err := v.Bill(ctx, v.table)
			if err != nil {
				t.Fatal(err)
			}
			if b.SubtotalCents != tc.wantSubtotal || b.DiscountCents != tc.wantDiscount || b.TaxCents != tc.wantTax || b.TotalCents != tc.wantTotal || b.DueCents != tc.wantTotal {
				t.Errorf("Bill() = subtotal %d discount %d tax %d total %d due %d; want %d %d %d %d %d", b.SubtotalCents, b.DiscountCents, b.TaxCents, b.TotalCents, b.DueCents,
					tc.wantSubtotal, tc.wantDiscount, tc.wantTax, tc.wantTotal, tc.wantTotal)
			}
		})
	}
}

// TestSplitBySeat pays a dinner for four seat by seat, in both tax modes
// and with a discount: each seat pays its share, the last pays exactly
// what is left, and the bill settles.
func TestSplitBySeat(t *testing.T) {
	for _, inclusive := range []bool{true, false} {
		t.Run(fmt.Sprintf("prices_include_tax=%v", inclusive), func(t *testing.T) {
			v := openSvc(t, false)
			ctx := context.Background()
			v.UpdateSettings(ctx, SettingsPatch{PricesIncludeTax: &inclusive})
			v.order(t, v.table, line(v.soup, 1, 1), line(v.steak, 1, 1), line(v.soup, 1, 2), line(v.cake, 1, 3), line(v.steak, 1, 4), line(v.wine, 1, 0))
			pct := int64(333)
			v.AddDiscount(ctx, v.table, NewDiscount{PercentBP: &pct, Reason: "Regular guest"})
			var paid int64
			b0, _ := v.Bill(ctx, v.table)
			for seat := int64(1); seat <= 4; seat++ {
				b, _ := v.Bill(ctx, v.table)
				var want int64
				for _, sd := range b.Seats {
					if sd.Seat == seat {
						want = sd.AmountCents
					}
				}
				if _, err := v.CreatePayment(ctx, NewPayment{TableID: v.table, Method: MethodCard, AmountCents: want + 1, Seat: &seat}); err == nil {
					t.Fatalf("seat %d paying a cent too much: no error", seat)
				}
				p, err := v.CreatePayment(ctx, NewPayment{TableID: v.table, Method: MethodCard, AmountCents: want, TipCents: 100, Seat: &seat})
				if err != nil {
					t.Fatalf("seat %d: CreatePayment(%d) err = %v", seat, want, err)
				}
				paid += p.AmountCents
				if len(p.LineIDs) == 0 {
					t.Errorf("seat %d: payment names no lines", seat)
				}
			}
			b, _ := v.Bill(ctx, v.table)
			for _, o := range b.Orders {
				for _, it := range o.Items {
					if it.Seat != nil && !it.Paid {
						t.Errorf("line %s of seat %d is not paid", it.Name, *it.Seat)
					}
				}
			}
			// The shared wine is what is left; paying it settles the bill.
			wine := b.Orders[0].Items[5]
			p, err := v.CreatePayment(ctx, NewPayment{TableID: v.table, Method: MethodCash, AmountCents: b.DueCents, LineIDs: []int64{wine.ID}})
			if err != nil {
				t.Fatalf("paying the wine: %v", err)
			}
			if paid += p.AmountCents; paid != b0.TotalCents {
				t.Errorf("the parts add up to %d; want the bill's %d", paid, b0.TotalCents)
			}
			if after, _ := v.Bill(ctx, v.table); len(after.Orders) != 0 {
				t.Errorf("after every seat paid the bill still has %d orders", len(after.Orders))
			}
		})
	}
}

// TestLinePaidOnceWhenPaymentsRace: two terminals take the same line at
// once; one payment wins, the other is a conflict, the money counts once.
func TestLinePaidOnceWhenPaymentsRace(t *testing.T) {
	v := openSvc(t, false)
	ctx := context.Background()
	o := v.order(t, v.table, line(v.soup, 1, 1), line(v.steak, 1, 2))
	b, _ := v.Bill(ctx, v.table)
	want := b.Seats[0].AmountCents
	const racers = 8
	var wg sync.WaitGroup
	var ok, conflicts atomic.Int32
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := v.CreatePayment(ctx, NewPayment{TableID: v.table, Method: MethodCard, AmountCents: want, LineIDs: []int64{o.Items[0].ID}})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrConflict):
				conflicts.Add(1)
			default:
				t.Errorf("CreatePayment() err = %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || conflicts.Load() != racers-1 {
		t.Fatalf("%d payments succeeded and %d conflicted; want 1 and %d", ok.Load(), conflicts.Load(), racers-1)
	}
	after, _ := v.Bill(ctx, v.table)
	if after.PaidCents != want {
		t.Errorf("paid = %d; want %d once", after.PaidCents, want)
	}
}

func TestMoveAndMerge(t *testing.T) {
	v := openSvc(t, false)
	ctx := context.Background()
	var events []Event
	v.OnCommit(func(evs []Event) { events = append(events, evs...) })
	a := v.order(t, v.table, line(v.soup, 1, 0))
	moved, err := v.MoveOrder(ctx, a.ID, v.table2)
	if err != nil || moved.TableID != v.table2 {
		t.Fatalf("MoveOrder() = table %d, err %v; want table %d", moved.TableID, err, v.table2)
	}
	tables := map[string]bool{}
	for _, e := range events {
		if e.Name == "table:updated" {
			tables[e.Rooms[1]] = true
		}
	}
	if !tables[TableRoom(v.table)] || !tables[TableRoom(v.table2)] {
		t.Errorf("table:updated went to %v; want both tables", tables)
	}
	if t1, _ := v.Table(ctx, v.table); t1.Status != TableCleaning {
		t.Errorf("the table left behind is %s; want cleaning", t1.Status)
	}
	if _, err := v.MoveOrder(ctx, a.ID, v.table2); err == nil {
		t.Error("moving an order to its own table: no error")
	}
	// Merge: a part-paid table moves with its payment.
	v.order(t, v.table, line(v.steak, 1, 0))
	v.CreatePayment(ctx, NewPayment{TableID: v.table, Method: MethodCash, AmountCents: 500})
	if _, err := v.MergeTables(ctx, v.table, v.table2); err != nil {
		t.Fatalf("MergeTables() err = %v", err)
	}
	b, _ := v.Bill(ctx, v.table2)
	if len(b.Orders) != 2 || b.PaidCents != 500 || b.DueCents != 2800-500 {
		t.Errorf("merged bill: %d orders, paid %d, due %d; want 2, 500, 2300", len(b.Orders), b.PaidCents, b.DueCents)
	}
	if _, err := v.MergeTables(ctx, v.table, v.table2); !errors.Is(err, ErrConflict) {
		t.Errorf("merging an empty table err = %v; want ErrConflict", err)
	}
}

// TestAuditRecordsTheActorInTheSameTransaction: a write's audit row is
// there exactly when the write committed.
func TestAuditRecordsTheActorInTheSameTransaction(t *testing.T) {
	v := openSvc(t, false)
	ana := WithActor(context.Background(), Actor{Kind: ActorUser, ID: 3, Name: "ana"})
	o := v.order(t, v.table, line(v.soup, 1, 0))
	before, _ := v.Audit(ana, AuditFilter{})
	if _, err := v.CancelOrder(ana, o.ID, "", RoleChef); !errors.Is(err, ErrForbidden) {
		t.Fatalf("CancelOrder as chef err = %v; want ErrForbidden", err)
	}
	if after, _ := v.Audit(ana, AuditFilter{}); len(after) != len(before) {
		t.Fatalf("a refused cancel added %d audit rows", len(after)-len(before))
	}
	if _, err := v.CancelOrder(ana, o.ID, "guest left", RoleWaiter); err != nil {
		t.Fatal(err)
	}
	rows, _ := v.Audit(ana, AuditFilter{UserID: 3})
	if len(rows) != 1 || rows[0].Action != "order.cancel" || rows[0].Reason != "guest left" || *rows[0].OrderID != o.ID || rows[0].Actor != (Actor{Kind: ActorUser, ID: 3, Name: "ana"}) {
		t.Fatalf("audit of ana = %+v; want one order.cancel", rows)
	}
	v.tick(401 * 24 * time.Hour)
	if n, err := v.PruneAudit(context.Background(), time.UnixMilli(v.clock.Load()).Add(-AuditRetention)); err != nil || n == 0 {
		t.Fatalf("PruneAudit() = %d, %v; want the old rows gone", n, err)
	}
}

func TestPINLockOut(t *testing.T) {
	v := openSvc(t, false)
	ctx := context.Background()
	u, err := v.CreateUser(ctx, NewUser{Username: "ana", Role: RoleWaiter, Password: "secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	pin := "2468"
	if _, err := v.UpdateUser(ctx, u.ID, UserPatch{Pin: &pin}); err != nil {
		t.Fatalf("UpdateUser(pin) err = %v", err)
	}
	other, _ := v.CreateUser(ctx, NewUser{Username: "bo", Role: RoleWaiter, Password: "secret-1"})
	if _, err := v.UpdateUser(ctx, other.ID, UserPatch{Pin: &pin}); !errors.Is(err, ErrConflict) {
		t.Fatalf("a second user with the same PIN err = %v; want ErrConflict", err)
	}
	e, _ := v.CreateTerminal(ctx, "Bar")
	tm, err := v.EnrollTerminal(ctx, e.Code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.EnrollTerminal(ctx, e.Code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a code used twice err = %v; want ErrNotFound", err)
	}
	for _, wantLock := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		for i := 1; i <= PINFailures; i++ {
			_, _, err := v.SignInWithPIN(ctx, tm.ID, tm.TokenVersion, tm.TokenKey, "0000")
			var le *LockedError
			if i < PINFailures && !errors.Is(err, ErrBadCredentials) || i == PINFailures && !errors.As(err, &le) {
				t.Fatalf("wrong PIN %d err = %v", i, err)
			}
			if le != nil && le.Until.Sub(time.UnixMilli(v.clock.Load())) != wantLock {
				t.Fatalf("locked for %v; want %v", le.Until.Sub(time.UnixMilli(v.clock.Load())), wantLock)
			}
		}
		var le *LockedError
		if _, _, err := v.SignInWithPIN(ctx, tm.ID, tm.TokenVersion, tm.TokenKey, pin); !errors.As(err, &le) {
			t.Fatalf("the right PIN while locked err = %v; want locked", err)
		}
		v.tick(wantLock)
	}
	got, s1, err := v.SignInWithPIN(ctx, tm.ID, tm.TokenVersion, tm.TokenKey, pin)
	if err != nil || got.ID != u.ID {
		t.Fatalf("SignInWithPIN() = %v, %v", got, err)
	}
	if _, _, err := v.SignInWithPIN(ctx, tm.ID, tm.TokenVersion+1, tm.TokenKey, pin); !errors.Is(err, ErrUnknownTerminal) {
		t.Fatalf("an old terminal token err = %v; want ErrUnknownTerminal", err)
	}
	if err := v.LockTerminal(ctx, tm.ID, tm.TokenVersion, tm.TokenKey); err != nil {
		t.Fatal(err)
	}
	after, _ := v.Terminal(ctx, tm.ID)
	if after.Session == s1 || after.SignedIn != nil || after.LockedUntil != nil {
		t.Errorf("after the lock: session %d (was %d), signed in %v, locked until %v", after.Session, s1, after.SignedIn, after.LockedUntil)
	}
}
