package server

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestRunEventPruning(t *testing.T) {
	ts := newTestServer(t)
	_, item, _ := ts.seedMenu(t)
	for i := 0; i < 3; i++ {
		ts.must(t, http.StatusCreated, "POST", "/api/orders", ts.waiter, map[string]any{
			"table_id": 1, "items": []map[string]any{{"menu_item_id": item, "quantity": 1}}}, nil)
	}
	before, err := ts.store.EventLog(context.Background())
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
		n, err := ts.store.PruneEvents(ctx, cutoff, keep)
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

	after, err := ts.store.EventLog(context.Background())
	if err != nil {
		t.Fatalf("EventLog() err = %v", err)
	}
	if after.LastSeq != before.LastSeq || after.OldestSeq != after.LastSeq+1 {
		t.Errorf("after pruning EventLog() = %+v; want empty log with LastSeq %d kept", after, before.LastSeq)
	}
}
