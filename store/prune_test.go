package store

import (
	"context"
	"testing"
	"time"
)

func TestRunEventPruning(t *testing.T) {
	s, tableID, itemID := openTest(t, Options{})
	for i := 0; i < 3; i++ {
		if _, _, err := s.CreateOrder(context.Background(), NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 1}}}, RoleCustomer, Idempotency{}); err != nil {
			t.Fatalf("CreateOrder() err = %v", err)
		}
	}
	before, err := s.EventLog(context.Background())
	if err != nil {
		t.Fatalf("EventLog() err = %v", err)
	}
	if before.OldestSeq > 1 || before.LastSeq < 3 {
		t.Fatalf("EventLog() = %+v; want events from seq 1", before)
	}

	// A clock eight days ahead makes every event older than the retention.
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 10)
	prune := func(ctx context.Context, cutoff time.Time, keep int) (int64, error) {
		if keep != EventKeep {
			t.Errorf("keep = %d; want %d", keep, EventKeep)
		}
		n, err := s.PruneEvents(ctx, cutoff, keep)
		calls <- struct{}{}
		return n, err
	}
	done := make(chan struct{})
	go func() {
		runEventPruning(ctx, prune, nil, func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }, 10*time.Millisecond)
		close(done)
	}()
	<-calls
	<-calls // the ticker keeps pruning
	cancel()
	<-done

	after, err := s.EventLog(context.Background())
	if err != nil {
		t.Fatalf("EventLog() err = %v", err)
	}
	if after.LastSeq != before.LastSeq || after.OldestSeq != after.LastSeq+1 {
		t.Errorf("after pruning EventLog() = %+v; want empty log with LastSeq %d kept", after, before.LastSeq)
	}
}
