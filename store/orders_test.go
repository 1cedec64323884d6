package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestCreateOrderInitialStatus: the store, not the handler, decides the
// status an order starts in, reading auto_confirm_orders inside the order's
// transaction.
func TestCreateOrderInitialStatus(t *testing.T) {
	s, tableID, itemID := openTest(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		role string
		auto bool
		want string
	}{
		{RoleCustomer, false, StatusPending},
		{RoleCustomer, true, StatusConfirmed},
		{RoleWaiter, false, StatusConfirmed},
		{RoleAdmin, false, StatusConfirmed},
		{RoleWaiter, true, StatusConfirmed},
	} {
		auto := tc.auto
		if _, err := s.UpdateSettings(ctx, SettingsPatch{AutoConfirmOrders: &auto}); err != nil {
			t.Fatalf("UpdateSettings(auto %v) err = %v", auto, err)
		}
		in := NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 1}}}
		o, _, err := s.CreateOrder(ctx, in, tc.role, Idempotency{})
		if err != nil {
			t.Fatalf("CreateOrder(%s, auto %v) err = %v", tc.role, tc.auto, err)
		}
		if o.Status != tc.want {
			t.Errorf("CreateOrder(%s, auto %v) status = %q; want %q", tc.role, tc.auto, o.Status, tc.want)
		}
	}
}

// TestOrderStateMachine checks every move between every two statuses for
// every role against the contract's machine, written out here on its own:
// a move the machine lacks is ErrConflict, a role that may not make an
// allowed move is ErrForbidden.
func TestOrderStateMachine(t *testing.T) {
	allowed := map[[2]string][]string{
		{StatusPending, StatusConfirmed}:   {RoleAdmin, RoleWaiter},
		{StatusConfirmed, StatusPreparing}: {RoleAdmin, RoleChef},
		{StatusPreparing, StatusReady}:     {RoleAdmin, RoleChef},
		{StatusReady, StatusPreparing}:     {RoleAdmin, RoleChef}, // recalled
		{StatusReady, StatusServed}:        {RoleAdmin, RoleWaiter},
		{StatusPending, StatusCancelled}:   {RoleAdmin, RoleWaiter, RoleCustomer},
		{StatusConfirmed, StatusCancelled}: {RoleAdmin, RoleWaiter},
		{StatusPreparing, StatusCancelled}: {RoleAdmin, RoleWaiter},
	}
	roles := []string{RoleAdmin, RoleWaiter, RoleChef, RoleCustomer}
	for _, from := range OrderStatuses {
		for _, to := range OrderStatuses {
			for _, role := range roles {
				err := checkTransition(from, to, role)
				who, ok := allowed[[2]string{from, to}]
				switch {
				case !ok:
					if !errors.Is(err, ErrConflict) {
						t.Errorf("checkTransition(%s, %s, %s) err = %v; want ErrConflict", from, to, role, err)
					}
				case !slices.Contains(who, role):
					if !errors.Is(err, ErrForbidden) {
						t.Errorf("checkTransition(%s, %s, %s) err = %v; want ErrForbidden", from, to, role, err)
					}
				case err != nil:
					t.Errorf("checkTransition(%s, %s, %s) err = %v; want nil", from, to, role, err)
				}
			}
		}
	}
}

// TestOrderLifecycle walks one order through the store as the floor and the
// kitchen do, with the refusals on the way, and checks the events each step
// commits.
func TestOrderLifecycle(t *testing.T) {
	s, tableID, itemID := openTest(t, Options{})
	ctx := context.Background()
	var mu sync.Mutex
	var names []string
	s.OnCommit(func(evs []Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range evs {
			names = append(names, e.Name)
		}
	})
	o, _, err := s.CreateOrder(ctx, NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 2}}}, RoleCustomer, Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder() err = %v", err)
	}
	steps := []struct {
		to, role   string
		wantErr    error
		wantStatus string
		wantEvents string
	}{
		{StatusPreparing, RoleChef, ErrConflict, StatusPending, ""},
		{StatusConfirmed, RoleChef, ErrForbidden, StatusPending, ""},
		{StatusConfirmed, RoleWaiter, nil, StatusConfirmed, "order:updated"},
		{StatusPaid, RoleAdmin, ErrConflict, StatusConfirmed, ""},
		{StatusPreparing, RoleChef, nil, StatusPreparing, "order:updated"},
		{StatusReady, RoleChef, nil, StatusReady, "order:updated"},
		{StatusPreparing, RoleChef, nil, StatusPreparing, "order:updated"},
		{StatusReady, RoleAdmin, nil, StatusReady, "order:updated"},
		{StatusCancelled, RoleWaiter, ErrConflict, StatusReady, ""},
		{StatusServed, RoleChef, ErrForbidden, StatusReady, ""},
		{StatusServed, RoleWaiter, nil, StatusServed, "order:updated"},
		{StatusPaid, RoleWaiter, ErrConflict, StatusServed, ""},
		{"eaten", RoleWaiter, &ValidationError{}, StatusServed, ""},
	}
	for _, st := range steps {
		mu.Lock()
		names = nil
		mu.Unlock()
		_, err := s.SetOrderStatus(ctx, o.ID, st.to, st.role)
		var ve *ValidationError
		switch {
		case st.wantErr == nil && err != nil,
			st.wantErr == ErrConflict && !errors.Is(err, ErrConflict),
			st.wantErr == ErrForbidden && !errors.Is(err, ErrForbidden),
			st.wantErr != nil && st.wantErr != ErrConflict && st.wantErr != ErrForbidden && !errors.As(err, &ve):
			t.Fatalf("SetOrderStatus(%s as %s) err = %v; want %v", st.to, st.role, err, st.wantErr)
		}
		got, err := s.Order(ctx, o.ID)
		if err != nil {
			t.Fatalf("Order() err = %v", err)
		}
		if got.Status != st.wantStatus {
			t.Errorf("after SetOrderStatus(%s as %s) status = %s; want %s", st.to, st.role, got.Status, st.wantStatus)
		}
		mu.Lock()
		if g := strings.Join(names, " "); g != st.wantEvents {
			t.Errorf("SetOrderStatus(%s as %s) events = %q; want %q", st.to, st.role, g, st.wantEvents)
		}
		mu.Unlock()
	}
}

// TestBill pins the bill maths on real rows: what counts (open orders, not
// cancelled or paid ones), tax on the whole subtotal in both modes, partial
// payments, and settling when the due reaches zero.
func TestBill(t *testing.T) {
	type pay struct {
		amount  int64
		wantErr error // ErrConflict, or a *ValidationError as &ValidationError{}
	}
	tests := []struct {
		name      string
		rate      int64
		inclusive bool
		qtys      []int64 // one order per entry, of the 1200 item
		cancel    int     // cancel the order at this index (-1: none)
		pays      []pay
		want      Bill // subtotal, tax, total, paid, due before the last payment settles
		settled   bool
	}{
		{"exclusive tax, paid in two", 2000, false, []int64{1, 2}, -1,
			[]pay{{1000, nil}, {3320, nil}}, Bill{SubtotalCents: 3600, TaxCents: 720, TotalCents: 4320}, true},
		{"inclusive tax", 1000, true, []int64{1}, -1,
			[]pay{{1200, nil}}, Bill{SubtotalCents: 1200, TaxCents: 109, TotalCents: 1200}, true},
		{"cancelled order not billed", 0, false, []int64{1, 3}, 0,
			[]pay{{3600, nil}}, Bill{SubtotalCents: 3600, TotalCents: 3600}, true},
		{"overpay refused, partial kept open", 0, false, []int64{1}, -1,
			[]pay{{1201, &ValidationError{}}, {200, nil}}, Bill{SubtotalCents: 1200, TotalCents: 1200}, false},
		{"zero while due refused", 0, false, []int64{1}, -1,
			[]pay{{0, &ValidationError{}}}, Bill{SubtotalCents: 1200, TotalCents: 1200}, false},
		{"nothing owed", 0, false, nil, -1,
			[]pay{{100, ErrConflict}}, Bill{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, tableID, itemID := openTest(t, Options{})
			ctx := context.Background()
			rate, incl := tc.rate, tc.inclusive
			if _, err := s.UpdateSettings(ctx, SettingsPatch{TaxRateBP: &rate, PricesIncludeTax: &incl}); err != nil {
				t.Fatalf("UpdateSettings() err = %v", err)
			}
			var ids []int64
			for _, q := range tc.qtys {
				o, _, err := s.CreateOrder(ctx, NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: q}}}, RoleWaiter, Idempotency{})
				if err != nil {
					t.Fatalf("CreateOrder() err = %v", err)
				}
				ids = append(ids, o.ID)
			}
			if tc.cancel >= 0 {
				if _, err := s.CancelOrder(ctx, ids[tc.cancel], "changed their mind", RoleWaiter); err != nil {
					t.Fatalf("CancelOrder() err = %v", err)
				}
			}
			b, err := s.Bill(ctx, tableID)
			if err != nil {
				t.Fatalf("Bill() err = %v", err)
			}
			if b.SubtotalCents != tc.want.SubtotalCents || b.TaxCents != tc.want.TaxCents || b.TotalCents != tc.want.TotalCents || b.DueCents != tc.want.TotalCents || b.PaidCents != 0 {
				t.Errorf("Bill() = subtotal %d tax %d total %d paid %d due %d; want %d %d %d 0 %d",
					b.SubtotalCents, b.TaxCents, b.TotalCents, b.PaidCents, b.DueCents,
					tc.want.SubtotalCents, tc.want.TaxCents, tc.want.TotalCents, tc.want.TotalCents)
			}
			paid := int64(0)
			for _, p := range tc.pays {
				_, err := s.CreatePayment(ctx, NewPayment{TableID: tableID, Method: MethodCash, AmountCents: p.amount})
				var ve *ValidationError
				switch {
				case p.wantErr == nil && err != nil,
					p.wantErr == ErrConflict && !errors.Is(err, ErrConflict),
					p.wantErr != nil && p.wantErr != ErrConflict && !errors.As(err, &ve):
					t.Fatalf("CreatePayment(%d) err = %v; want %v", p.amount, err, p.wantErr)
				}
				if err == nil {
					paid += p.amount
				}
			}
			b, err = s.Bill(ctx, tableID)
			if err != nil {
				t.Fatalf("Bill() after payments err = %v", err)
			}
			if tc.settled {
				if len(b.Orders) != 0 || b.DueCents != 0 || b.PaidCents != 0 {
					t.Errorf("Bill() after paying in full = %d orders, paid %d, due %d; want a closed bill", len(b.Orders), b.PaidCents, b.DueCents)
				}
				for i, id := range ids {
					o, err := s.Order(ctx, id)
					if err != nil {
						t.Fatalf("Order() err = %v", err)
					}
					// Paying is not cooking: a settled order that was not
					// served keeps its kitchen status and gets paid_at.
					if want := StatusConfirmed; i == tc.cancel {
						want = StatusCancelled
						if o.Status != want || o.PaidAt != nil {
							t.Errorf("order %d = %s paid_at %v; want %s, no paid_at", id, o.Status, o.PaidAt, want)
						}
					} else if o.Status != want || o.PaidAt == nil {
						t.Errorf("order %d = %s paid_at %v; want %s with paid_at", id, o.Status, o.PaidAt, want)
					}
				}
			} else if b.PaidCents != paid || b.DueCents != tc.want.TotalCents-paid {
				t.Errorf("Bill() after partial payments = paid %d due %d; want %d, %d", b.PaidCents, b.DueCents, paid, tc.want.TotalCents-paid)
			}
		})
	}
}
