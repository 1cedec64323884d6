package store

import (
	"context"
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
