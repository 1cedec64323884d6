package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestStatementCacheIsolatesCancelledCallers puts two writes in one batch
// of group commit, using the same cached statements. The first caller's
// context is cancelled in the middle of its write: that write fails, and
// the second must still commit (a statement bound to the first caller's
// context would fail it too).
func TestStatementCacheIsolatesCancelledCallers(t *testing.T) {
	s, tableID, itemID := openTest(t, Options{})
	ctx := context.Background()
	in := NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 1}}}
	// Two orders: the first makes the statements wanted, the second runs
	// them prepared.
	for i := 0; i < 2; i++ {
		if _, _, err := s.CreateOrder(ctx, in, RoleWaiter, Idempotency{}); err != nil {
			t.Fatalf("CreateOrder() err = %v", err)
		}
	}
	if len(s.stmts) == 0 {
		t.Fatalf("no statements cached after two orders")
	}

	release := make(chan struct{})
	blocked := make(chan struct{})
	go s.write(ctx, func(*txn) error { close(blocked); <-release; return nil })
	<-blocked
	queued := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			s.queueMu.Lock()
			got := len(s.queue)
			s.queueMu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("queue has %d writes; want %d", got, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	errA, errB := make(chan error, 1), make(chan error, 1)
	go func() {
		errA <- s.write(cctx, func(tx *txn) error {
			cancel()
			_, err := tx.createOrder(in, StatusPending)
			return err
		})
	}()
	queued(1)
	var created Order
	go func() {
		errB <- s.write(ctx, func(tx *txn) error {
			var err error
			created, err = tx.createOrder(in, StatusPending)
			return err
		})
	}()
	queued(2)
	close(release)
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled write err = %v; want context.Canceled", err)
	}
	if err := <-errB; err != nil {
		t.Fatalf("write batched after a cancelled one err = %v; want nil", err)
	}
	if _, err := s.Order(ctx, created.ID); err != nil {
		t.Errorf("Order(%d) after commit err = %v; want it there", created.ID, err)
	}
}
