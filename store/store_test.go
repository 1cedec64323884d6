package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pragmaOf reads one pragma on every connection a pool can hand out at
// once, so that a pragma set with Exec on one pooled connection only
// would show up as a mismatch on another.
func pragmaOf(t *testing.T, db *sql.DB, pragma string, conns int) []string {
	t.Helper()
	ctx := context.Background()
	held := make([]*sql.Conn, 0, conns)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	var out []string
	for i := 0; i < conns; i++ {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("Conn() err = %v", err)
		}
		held = append(held, c)
		var v string
		if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s err = %v", pragma, err)
		}
		out = append(out, v)
	}
	return out
}

// TestPragmasInBothPools proves that the DSN's pragmas reach every
// connection of the writer and of the reader pool: WAL, foreign keys,
// synchronous FULL and the busy timeout.
func TestPragmasInBothPools(t *testing.T) {
	s, _, _ := openTest(t, Options{})
	pools := []struct {
		name  string
		db    *sql.DB
		conns int
	}{{"writer", s.w, 1}, {"reader", s.r, 8}}
	want := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
		"busy_timeout": "5000",
	}
	for _, p := range pools {
		for pragma, w := range want {
			for i, got := range pragmaOf(t, p.db, pragma, p.conns) {
				if got != w {
					t.Errorf("%s connection %d: PRAGMA %s = %q; want %q", p.name, i, pragma, got, w)
				}
			}
		}
	}
	for i, got := range pragmaOf(t, s.r, "query_only", 8) {
		if got != "1" {
			t.Errorf("reader connection %d: PRAGMA query_only = %q; want 1", i, got)
		}
	}
}

// TestForeignKeysEnforced checks the pragma does what it says: the writer
// refuses an order for a table that does not exist.
func TestForeignKeysEnforced(t *testing.T) {
	s, _, _ := openTest(t, Options{})
	_, err := s.w.Exec("INSERT INTO orders (table_id, status, subtotal_cents, created_at, updated_at, status_changed_at) VALUES (9999, 'pending', 0, 0, 0, 0)")
	if err == nil {
		t.Fatalf("insert of an order of table 9999 err = nil; want a foreign key error")
	}
	if _, err := s.r.Exec("DELETE FROM settings"); err == nil {
		t.Errorf("reader DELETE err = nil; want a query_only error")
	}
}

// TestBackupWhileWriting takes backups while orders are being written and
// checks each copy opens, passes integrity_check and holds a consistent
// state: every order's lines are there and the event log is gap-free up to
// its newest seq.
func TestBackupWhileWriting(t *testing.T) {
	s, tableID, itemID := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wrote atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := NewOrder{TableID: tableID, Items: []NewOrderItem{{MenuItemID: itemID, Quantity: 2}, {MenuItemID: itemID, Quantity: 1, Notes: "no cheese"}}}
			for ctx.Err() == nil {
				if _, _, err := s.CreateOrder(context.Background(), in, RoleWaiter, Idempotency{}); err != nil {
					t.Errorf("CreateOrder() err = %v", err)
					return
				}
				wrote.Add(1)
			}
		}()
	}
	dir := t.TempDir()
	for i := 0; i < 5; i++ {
		deadline := time.Now().Add(30 * time.Second)
		for wrote.Load() < int64(10*(i+1)) {
			if time.Now().After(deadline) {
				t.Fatalf("only %d orders written in 30 s", wrote.Load())
			}
			time.Sleep(time.Millisecond)
		}
		path := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if err := s.Backup(context.Background(), path); err != nil {
			t.Fatalf("Backup(%s) err = %v", path, err)
		}
		checkBackup(t, path)
	}
	cancel()
	wg.Wait()
	if err := s.Backup(context.Background(), filepath.Join(dir, "backup-0.db")); err == nil {
		t.Errorf("Backup() onto an existing file err = nil; want an error")
	}
}

func checkBackup(t *testing.T, path string) {
	t.Helper()
	b, err := Open(context.Background(), path, Options{BcryptCost: 4})
	if err != nil {
		t.Fatalf("Open(backup %s) err = %v", path, err)
	}
	defer b.Close()
	var ok string
	if err := b.r.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("backup %s: integrity_check = %q, %v; want ok", path, ok, err)
	}
	var orders, badOrders, events, maxSeq int64
	if err := b.r.QueryRow("SELECT count(*) FROM orders").Scan(&orders); err != nil {
		t.Fatal(err)
	}
	if err := b.r.QueryRow("SELECT count(*) FROM orders o WHERE (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) != 2").Scan(&badOrders); err != nil {
		t.Fatal(err)
	}
	if err := b.r.QueryRow("SELECT count(*), coalesce(max(seq), 0) FROM events").Scan(&events, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if orders == 0 || badOrders != 0 {
		t.Errorf("backup %s: %d orders, %d without both lines; want some, all whole", path, orders, badOrders)
	}
	if events != maxSeq {
		t.Errorf("backup %s: %d events up to seq %d; want no gap", path, events, maxSeq)
	}
	if b.Epoch() == "" {
		t.Errorf("backup %s: empty epoch", path)
	}
}

// TestTax pins the bill maths of the README: tax on the subtotal, rounded
// half up, in both modes.
func TestTax(t *testing.T) {
	tests := []struct {
		subtotal, rate     int64
		inclusive          bool
		wantTax, wantTotal int64
	}{
		{1000, 2000, false, 200, 1200},
		{1000, 2000, true, 167, 1000}, // net 833.33 -> 833
		{1250, 1000, false, 125, 1375},
		{5, 1000, false, 1, 6},        // 0.5 rounds up
		{4, 1000, false, 0, 4},        // 0.4 rounds down
		{15, 1000, false, 2, 17},      // 1.5 rounds up
		{1100, 1000, true, 100, 1100}, // net exactly 1000
		{11, 1000, true, 1, 11},       // net 10.0
		{21, 1000, true, 2, 21},       // net 19.09 -> 19
		{1, 2000, true, 0, 1},         // net 0.833 -> 1
		{3, 2000, true, 0, 3},         // net 2.5 -> 3 (half up), tax 0
		{9, 2000, true, 1, 9},         // net 7.5 -> 8
		{0, 2000, false, 0, 0},
		{0, 2000, true, 0, 0},
		{999, 0, false, 0, 999},
		{999, 0, true, 0, 999},
		{2000, 10000, true, 1000, 2000},
		// Absurd totals: the products pass int64, the answer is still
		// exact (these overflowed and gave wrong numbers once).
		{900_000_000_000_000, 2000, false, 180_000_000_000_000, 1_080_000_000_000_000},
		{900_000_000_000_000, 2000, true, 150_000_000_000_000, 900_000_000_000_000},
		{4_000_000_000_000_000, 10000, false, 4_000_000_000_000_000, 8_000_000_000_000_000},
		{MaxBillCents, 10000, true, MaxBillCents / 2, MaxBillCents},
	}
	for _, tt := range tests {
		tax, total := Tax(tt.subtotal, Settings{TaxRateBP: tt.rate, PricesIncludeTax: tt.inclusive})
		if tax != tt.wantTax || total != tt.wantTotal {
			t.Errorf("Tax(%d, rate %d, inclusive %v) = %d, %d; want %d, %d", tt.subtotal, tt.rate, tt.inclusive, tax, total, tt.wantTax, tt.wantTotal)
		}
	}
}

// TestOpenRejectsDSNInPath keeps a path from smuggling its own pragmas.
func TestOpenRejectsDSNInPath(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db?_pragma=foreign_keys(OFF)"), Options{})
	if err == nil {
		t.Fatalf("Open(path with ?) err = nil; want an error")
	}
}

// TestReopenKeepsSeqAndEpoch proves seqs keep rising across restarts and
// the epoch stays, also after the newest events are pruned.
func TestReopenKeepsSeqAndEpoch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rms.db")
	ctx := context.Background()
	s, err := Open(ctx, path, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	name, seats := "T1", int64(2)
	if _, err := s.CreateTable(ctx, TableInput{Name: &name, Seats: &seats}); err != nil {
		t.Fatal(err)
	}
	epoch := s.Epoch()
	if _, err := s.PruneEvents(ctx, time.Now().Add(time.Hour), 0); err != nil {
		t.Fatalf("PruneEvents() err = %v", err)
	}
	// The rooms of pruned events go with them (ON DELETE CASCADE needs
	// foreign keys on in the writer).
	var rooms int
	if err := s.r.QueryRow("SELECT count(*) FROM event_rooms").Scan(&rooms); err != nil || rooms != 0 {
		t.Errorf("event_rooms after pruning every event = %d, %v; want 0", rooms, err)
	}
	s.Close()
	s, err = Open(ctx, path, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Epoch() != epoch {
		t.Errorf("Epoch() after reopen = %q; want %q", s.Epoch(), epoch)
	}
	name = "T2"
	if _, err := s.CreateTable(ctx, TableInput{Name: &name, Seats: &seats}); err != nil {
		t.Fatal(err)
	}
	if seq, _ := s.LastSeq(ctx); seq != 2 {
		t.Errorf("LastSeq() after prune and reopen = %d; want 2", seq)
	}
	info, err := s.EventLog(ctx)
	if err != nil || info.OldestSeq != 2 {
		t.Errorf("EventLog() = %+v, %v; want OldestSeq 2", info, err)
	}
}

// TestManyConcurrentWriters runs more writers at once than one group
// commit takes, so that a writer can find more than a batch queued ahead
// of it; every write must still return.
func TestManyConcurrentWriters(t *testing.T) {
	s, _, _ := openTest(t, Options{})
	const writers = 1000
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	start := make(chan struct{})
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			name, seats := fmt.Sprintf("W%d", i), int64(2)
			if _, err := s.CreateTable(context.Background(), TableInput{Name: &name, Seats: &seats}); err != nil {
				errs <- err
			}
		}(i)
	}
	close(start)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%d concurrent writers did not all return within 60 s: the writer is stuck", writers)
	}
	close(errs)
	for err := range errs {
		t.Errorf("CreateTable() err = %v", err)
	}
	tables, _, err := s.Tables(context.Background())
	if err != nil || len(tables) != writers+1 {
		t.Errorf("Tables() = %d tables, %v; want %d", len(tables), err, writers+1)
	}
}

// TestWriterBehindMoreThanABatch puts more than one batch of writes in the
// queue ahead of a writer, as happens when that many goroutines queued and
// have not reached the writer lock yet: the writer must commit batches
// until its own is done, not wait for a commit nobody will run.
func TestWriterBehindMoreThanABatch(t *testing.T) {
	s, _, _ := openTest(t, Options{})
	var ran atomic.Int64
	s.queueMu.Lock()
	for i := 0; i < 2*maxBatch+10; i++ {
		s.queue = append(s.queue, &writeReq{ctx: context.Background(), done: make(chan struct{}),
			fn: func(*txn) error { ran.Add(1); return nil }})
	}
	s.queueMu.Unlock()
	done := make(chan error, 1)
	go func() {
		name, seats := "Late", int64(2)
		_, err := s.CreateTable(context.Background(), TableInput{Name: &name, Seats: &seats})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("CreateTable() err = %v; want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("CreateTable() behind %d queued writes did not return: the writer waits for a batch it never commits", 2*maxBatch+10)
	}
	if got := ran.Load(); got != 2*maxBatch+10 {
		t.Errorf("queued writes run = %d; want %d", got, 2*maxBatch+10)
	}
}
