package store

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// TestPayingIsNotCooking: a table that pays before its food is cooked keeps
// that food on the kitchen's list (active, same status, paid_at set); the
// order becomes paid when served, the bill shows nothing due meanwhile, a
// later order opens a new bill, and the table becomes cleaning only once
// nothing is left to serve.
func TestPayingIsNotCooking(t *testing.T) {
	s, tableID, itemID := openTest(t, Options{})
	ctx := context.Background()
	var mu sync.Mutex
	var events []string
	s.OnCommit(func(evs []Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range evs {
			events = append(events, e.Name)
		}
	})
	took := func() string {
		mu.Lock()
		defer mu.Unlock()
		g := strings.Join(events, " ")
		events = nil
		return g
	}
	place := func() Order {
		t.Helper()
		o, _, err := s.CreateOrder(ctx, NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 1}}}, RoleWaiter, Idempotency{})
		if err != nil {
			t.Fatalf("CreateOrder() err = %v", err)
		}
		return o
	}
	move := func(id int64, to, role string) Order {
		t.Helper()
		o, err := s.SetOrderStatus(ctx, id, to, role)
		if err != nil {
			t.Fatalf("SetOrderStatus(%d, %s as %s) err = %v", id, to, role, err)
		}
		return o
	}
	kitchen := func() map[int64]Order {
		t.Helper()
		list, _, err := s.Orders(ctx, OrderFilter{Active: true})
		if err != nil {
			t.Fatalf("Orders(active) err = %v", err)
		}
		m := map[int64]Order{}
		for _, o := range list {
			m[o.ID] = o
		}
		return m
	}
	tableStatus := func() string {
		t.Helper()
		tb, err := s.Table(ctx, tableID)
		if err != nil {
			t.Fatalf("Table() err = %v", err)
		}
		return tb.Status
	}

	// The carbonara (not started) and a served starter, paid by card.
	carbonara := place()
	starter := place()
	move(starter.ID, StatusPreparing, RoleChef)
	move(starter.ID, StatusReady, RoleChef)
	move(starter.ID, StatusServed, RoleWaiter)
	took()
	if _, err := s.CreatePayment(ctx, NewPayment{TableID: tableID, Method: MethodCard, AmountCents: 2400}); err != nil {
		t.Fatalf("CreatePayment(2400) err = %v", err)
	}
	if got, want := took(), "order:updated order:updated payment:completed"; got != want {
		t.Errorf("settling emitted %q; want %q (no table change while food is owed)", got, want)
	}
	k := kitchen()
	c, ok := k[carbonara.ID]
	if !ok || c.Status != StatusConfirmed || c.PaidAt == nil {
		t.Fatalf("after paying, active orders hold carbonara = %v (%s, paid_at %v); want it confirmed with paid_at", ok, c.Status, c.PaidAt)
	}
	if _, ok := k[starter.ID]; ok {
		t.Errorf("the served starter is still active after paying; want it paid")
	}
	if o, _ := s.Order(ctx, starter.ID); o.Status != StatusPaid || o.PaidAt == nil {
		t.Errorf("served starter after paying = %s paid_at %v; want paid with paid_at", o.Status, o.PaidAt)
	}
	if st := tableStatus(); st != TableOccupied {
		t.Errorf("table after paying with food owed = %s; want occupied", st)
	}
	b, err := s.Bill(ctx, tableID)
	if err != nil {
		t.Fatalf("Bill() err = %v", err)
	}
	if b.DueCents != 0 || len(b.Orders) != 0 || b.PaidCents != 0 {
		t.Errorf("bill of the settled table = due %d, %d orders, paid %d; want nothing due", b.DueCents, len(b.Orders), b.PaidCents)
	}
	if _, err := s.CreatePayment(ctx, NewPayment{TableID: tableID, Method: MethodCash, AmountCents: 100}); err == nil {
		t.Errorf("CreatePayment on a settled bill err = nil; want a conflict")
	}
	// A settled order is not corrected or moved; the guest cannot cancel it.
	if _, err := s.VoidLine(ctx, carbonara.ID, carbonara.Items[0].ID, 0, "oops", RoleWaiter); err == nil {
		t.Errorf("VoidLine on a settled order err = nil; want a conflict")
	}

	// The kitchen cooks it; the dessert ordered meanwhile opens a new bill.
	move(carbonara.ID, StatusPreparing, RoleChef)
	move(carbonara.ID, StatusReady, RoleChef)
	dessert := place()
	if b, _ := s.Bill(ctx, tableID); b.DueCents != 1200 || len(b.Orders) != 1 || b.Orders[0].ID != dessert.ID {
		t.Errorf("bill after a later order = due %d, %d orders; want the dessert alone, 1200 due", b.DueCents, len(b.Orders))
	}
	took()
	served := move(carbonara.ID, StatusServed, RoleWaiter)
	if served.Status != StatusPaid || served.PaidAt == nil {
		t.Errorf("serving the settled carbonara = %s paid_at %v; want paid", served.Status, served.PaidAt)
	}
	if got, want := took(), "order:updated"; got != want {
		t.Errorf("serving it emitted %q; want %q (the dessert is still owed)", got, want)
	}
	if _, ok := kitchen()[carbonara.ID]; ok {
		t.Errorf("the served, settled carbonara is still on the kitchen's list")
	}
	if st := tableStatus(); st != TableOccupied {
		t.Errorf("table with a dessert owed = %s; want occupied", st)
	}

	// The dessert paid before it is served, then served: now the table is done.
	if _, err := s.CreatePayment(ctx, NewPayment{TableID: tableID, Method: MethodCash, AmountCents: 1200}); err != nil {
		t.Fatalf("CreatePayment(dessert) err = %v", err)
	}
	if st := tableStatus(); st != TableOccupied {
		t.Errorf("table after paying the unserved dessert = %s; want occupied", st)
	}
	move(dessert.ID, StatusPreparing, RoleChef)
	move(dessert.ID, StatusReady, RoleChef)
	took()
	move(dessert.ID, StatusServed, RoleWaiter)
	if got, want := took(), "order:updated table:updated"; got != want {
		t.Errorf("serving the last settled order emitted %q; want %q", got, want)
	}
	if st := tableStatus(); st != TableCleaning {
		t.Errorf("table with nothing left to serve = %s; want cleaning", st)
	}
}

// TestCancellingASettledOrder: a guest cannot cancel what is paid for;
// staff can (the kitchen ran out), and the table is done once nothing is
// left to serve.
func TestCancellingASettledOrder(t *testing.T) {
	s, tableID, itemID := openTest(t, Options{})
	ctx := context.Background()
	o, _, err := s.CreateOrder(ctx, NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 1}}}, RoleCustomer, Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder() err = %v", err)
	}
	if _, err := s.CreatePayment(ctx, NewPayment{TableID: tableID, Method: MethodCash, AmountCents: 1200}); err != nil {
		t.Fatalf("CreatePayment() err = %v", err)
	}
	if _, err := s.CancelOrder(ctx, o.ID, "", RoleCustomer); err == nil {
		t.Errorf("CancelOrder(settled, as customer) err = nil; want a conflict")
	}
	if got, _ := s.Order(ctx, o.ID); got.Status != StatusPending || got.PaidAt == nil {
		t.Errorf("settled pending order = %s paid_at %v; want pending with paid_at", got.Status, got.PaidAt)
	}
	if _, err := s.CancelOrder(ctx, o.ID, "out of lasagne", RoleWaiter); err != nil {
		t.Fatalf("CancelOrder(settled, as waiter) err = %v", err)
	}
	if tb, _ := s.Table(ctx, tableID); tb.Status != TableCleaning {
		t.Errorf("table after its last settled order was cancelled = %s; want cleaning", tb.Status)
	}
}
