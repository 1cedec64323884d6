package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// openTest opens a store on a fresh file with one table and one item.
func openTest(t testing.TB, opts Options) (s *Store, tableID, itemID int64) {
	t.Helper()
	opts.BcryptCost = 4
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "rms.db"), opts)
	if err != nil {
		t.Fatalf("Open() err = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	name, seats := "T1", int64(4)
	tb, err := s.CreateTable(ctx, TableInput{Name: &name, Seats: &seats})
	if err != nil {
		t.Fatalf("CreateTable() err = %v", err)
	}
	cat := "Mains"
	c, err := s.CreateCategory(ctx, CategoryInput{Name: &cat})
	if err != nil {
		t.Fatalf("CreateCategory() err = %v", err)
	}
	item, price := "Lasagne", int64(1200)
	it, err := s.CreateItem(ctx, ItemInput{CategoryID: &c.ID, Name: &item, PriceCents: &price})
	if err != nil {
		t.Fatalf("CreateItem() err = %v", err)
	}
	return s, tb.ID, it.ID
}

// TestGroupCommitIsolatesFailures runs many concurrent writes, every third
// of which fails after writing, and checks that only the good ones are
// committed and that the hook saw their events once each, in seq order,
// without gaps.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s, tableID, itemID := openTest(t, Options{})
	ctx := context.Background()
	start, err := s.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []int64
	s.OnCommit(func(evs []Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range evs {
			seen = append(seen, e.Seq)
		}
	})
	errBoom := errors.New("boom")
	const writers = 60
	var wg sync.WaitGroup
	results := make([]error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = s.write(ctx, func(t *txn) error {
				o, err := t.createOrder(NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 1, Notes: fmt.Sprint(i)}}}, StatusPending)
				if err != nil {
					return err
				}
				if i%3 == 0 {
					return fmt.Errorf("order %d: %w", o.ID, errBoom)
				}
				return nil
			})
		}(i)
	}
	wg.Wait()
	good := 0
	for i, err := range results {
		switch {
		case i%3 == 0 && !errors.Is(err, errBoom):
			t.Errorf("write %d err = %v; want boom", i, err)
		case i%3 != 0 && err != nil:
			t.Errorf("write %d err = %v; want nil", i, err)
		case i%3 != 0:
			good++
		}
	}
	orders, _, err := s.Orders(ctx, OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != good {
		t.Errorf("Orders() = %d orders; want %d", len(orders), good)
	}
	// The first order also made the table occupied: one more event.
	wantEvents := good + 1
	if len(seen) != wantEvents {
		t.Fatalf("hook saw %d events; want %d", len(seen), wantEvents)
	}
	for i, seq := range seen {
		if seq != start+int64(i)+1 {
			t.Fatalf("hook event %d has seq %d; want %d (seqs %v)", i, seq, start+int64(i)+1, seen)
		}
	}
	last, _ := s.LastSeq(ctx)
	if last != start+int64(wantEvents) {
		t.Errorf("LastSeq() = %d; want %d", last, start+int64(wantEvents))
	}
}

// TestGroupCommitSurvivesPanic checks that a panicking write fails alone
// and leaves the writer usable.
func TestGroupCommitSurvivesPanic(t *testing.T) {
	s, _, _ := openTest(t, Options{})
	err := s.write(context.Background(), func(t *txn) error { panic("bad write") })
	if err == nil {
		t.Fatalf("write(panic) err = nil; want an error")
	}
	name, seats := "T2", int64(2)
	if _, err := s.CreateTable(context.Background(), TableInput{Name: &name, Seats: &seats}); err != nil {
		t.Errorf("CreateTable() after a panic err = %v; want nil", err)
	}
}

// BenchmarkCreateOrder measures durable orders per second with many
// concurrent writers, with and without group commit, in one run.
func BenchmarkCreateOrder(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts Options
	}{{"one-commit-per-order", Options{NoGroupCommit: true}}, {"group-commit", Options{}}} {
		b.Run(mode.name, func(b *testing.B) {
			s, tableID, itemID := openTest(b, mode.opts)
			in := NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 2}}}
			b.SetParallelism(32) // 32 × GOMAXPROCS writers, like a busy floor of iPads
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := s.CreateOrder(context.Background(), in, RoleWaiter, Idempotency{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
