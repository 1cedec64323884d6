// Package store is the only package that speaks SQL. It owns the domain
// types, their invariants (the order state machine, the bill maths), the
// embedded migrations and the event log (the outbox) whose seq numbers the
// realtime protocol hands to clients.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pragmas go in the DSN so that every pooled connection gets them; modernc
// ignores mattn-style keys silently. synchronous(FULL) because an order the
// box said yes to must survive a power cut.
const pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=synchronous(FULL)"

// Options tune a Store; the zero value is right for production.
type Options struct {
	// BcryptCost is the password hashing cost; 0 means 10, which takes
	// about 100 ms on a Raspberry Pi 4. Tests lower it.
	BcryptCost int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// NoGroupCommit gives every write its own commit (and fsync); only for
	// measuring what group commit gains.
	NoGroupCommit bool
}

// Store is the database of one box: a single-connection writer pool and a
// reader pool on one SQLite file in WAL mode.
type Store struct {
	w, r       *sql.DB
	path       string
	now        func() time.Time
	bcryptCost int

	// writeMu serializes commits with the commit hook, so that events
	// reach the hook in exactly the order of their seq.
	writeMu  sync.Mutex
	onCommit func([]Event)
	// commitStats, when set, hears of every commit: how many writes it
	// carried and how long the transaction took, fsync included.
	commitStats   func(writes int, took time.Duration)
	epoch         string
	noGroupCommit bool

	queueMu sync.Mutex
	queue   []*writeReq

	// stmts are the writer's statements, prepared once and reused by
	// every write transaction; wanted are those seen in a transaction and
	// to be prepared before the next (the writer's one connection is busy
	// during a transaction). Both are guarded by writeMu.
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
	// userByID is the readers' statement behind User, which every
	// authenticated request runs: prepared once instead of per request.
	userByID *sql.Stmt

	// pinKey keys the hashes of PINs (see ensurePINKey).
	pinKey []byte
	// printWake is signalled after a commit that queued print jobs or
	// changed printers; the print worker waits on it.
	printWake chan struct{}
}

// maxStmts bounds the statement cache, should a write ever build SQL
// text from data.
const maxStmts = 256

// Open opens (creating if needed) the database at path, applies pending
// migrations and makes sure the event log has an epoch.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: open: path %q may not contain ? or #", path)
	}
	if err := makePrivate(path, true); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	// temp_store(MEMORY) keeps the statement journal of group commit's
	// savepoints in memory: on disk it cost a write(2) per page per
	// savepoint, a third of the writer's time. It holds only what a
	// savepoint would roll back, never committed data, so durability is
	// the WAL's as before.
	w, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open reader: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s := &Store{w: w, r: r, path: path, now: opts.Now, bcryptCost: opts.BcryptCost, noGroupCommit: opts.NoGroupCommit,
		printWake: make(chan struct{}, 1)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.bcryptCost == 0 {
		s.bcryptCost = 10
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.ensureEpoch(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.userByID, err = r.PrepareContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?"); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open: prepare: %w", err)
	}
	if err := s.ensurePINKey(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// SQLite gives the WAL and shared-memory files the database's mode,
	// but ones an older version left behind keep theirs.
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := makePrivate(p, false); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: open: %w", err)
		}
	}
	return s, nil
}

// makePrivate makes the file at path mode 0600 (orders, staff password
// hashes and the event log are nobody else's business), creating it empty
// first when create is set and it is missing: created by SQLite it would
// get 0644 under a usual umask. A missing file is fine when create is off.
func makePrivate(path string, create bool) error {
	if create {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	err := os.Chmod(path, 0o600)
	if !create && errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Close closes both pools.
func (s *Store) Close() error {
	s.writeMu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.writeMu.Unlock()
	if s.userByID != nil {
		s.userByID.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// OnCommit registers fn to receive the events of every write transaction
// right after it commits, in seq order. fn runs while the writer lock is
// held, so it must not block and must not call back into the store's
// writing methods.
func (s *Store) OnCommit(fn func([]Event)) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.onCommit = fn
}

// Ping checks that the database answers a query on both pools.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM settings").Scan(&n); err != nil {
		return fmt.Errorf("store: ping reader: %w", err)
	}
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping writer: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the live database to path with VACUUM
// INTO. It is safe while the box serves; the file must not exist yet.
func (s *Store) Backup(ctx context.Context, path string) error {
	return BackupFile(ctx, s.path, path)
}

// BackupFile writes a consistent copy of the database file at src to path
// (which must not exist yet) with VACUUM INTO, without migrating src: the
// upgrader backs up a box's database this way while the box serves.
func BackupFile(ctx context.Context, src, path string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	// Not the reader pool: query_only(1) makes SQLite refuse VACUUM INTO.
	// A one-off connection reads a consistent snapshot and, in WAL mode,
	// does not hold the writer up.
	db, err := sql.Open("sqlite", src+"?"+pragmas)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	// VACUUM INTO accepts an empty file and keeps its mode: made here with
	// 0600 and O_EXCL, the copy is private from its first byte, and an
	// existing file is refused as before.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	f.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("store: backup: %w", err)
	}
	// The copy gets an epoch of its own, so however it is put back (rms
	// restore, or copied by hand) screens that saw later events resync.
	if err := setEpoch(ctx, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("store: backup: %w", err)
	}
	return makePrivate(path, false)
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		var version int
		if _, err := fmt.Sscanf(base, "%04d_", &version); err != nil {
			return fmt.Errorf("store: migrate: bad migration name %q", base)
		}
		if err := s.applyMigration(ctx, version, name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, version int, name string) error {
	// One connection for the whole migration: a Go step needs foreign keys
	// off, which SQLite allows only outside a transaction and per connection.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	defer conn.Close()
	step := goSteps[version]
	if step != nil {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
		defer conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON")
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	if step != nil {
		if err := step(ctx, tx); err != nil {
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
		// Foreign keys were off: prove the rebuilt tables still satisfy them.
		rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
		bad := rows.Next()
		rows.Close()
		if bad {
			return fmt.Errorf("store: migrate %s: foreign keys broken", name)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		version, name, s.now().UnixMilli()); err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	return tx.Commit()
}

func (s *Store) ensureEpoch(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, "INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?)", newEpoch()); err != nil {
		return fmt.Errorf("store: epoch: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'epoch'").Scan(&s.epoch); err != nil {
		return fmt.Errorf("store: epoch: %w", err)
	}
	return nil
}

// txn is one write transaction (or one savepoint of a group commit) and
// the events it emits.
type txn struct {
	s      *Store
	ctx    context.Context
	tx     *stmtTx
	now    time.Time
	events []Event
	// printWake: this write queued print jobs or changed printers.
	printWake bool
}

// writeReq is one caller's write waiting for a commit.
type writeReq struct {
	ctx  context.Context
	fn   func(t *txn) error
	err  error
	done chan struct{}
}

// maxBatch bounds how many writes share one commit, so one fsync never
// waits on an unbounded amount of work.
const maxBatch = 128

// write runs fn in a write transaction and returns once it is durably
// committed (or failed). Writes that arrive while another commit is under
// way share the next one (group commit): each runs in its own savepoint, so
// a failing write rolls back alone, and one fsync makes the whole batch
// durable. The events of the batch go to the commit hook after the commit
// succeeds, and only then, in seq order.
func (s *Store) write(ctx context.Context, fn func(t *txn) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	if s.noGroupCommit {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		s.commit([]*writeReq{req})
		return req.err
	}
	s.queueMu.Lock()
	s.queue = append(s.queue, req)
	s.queueMu.Unlock()

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	// Whoever holds the writer lock commits what is queued, a batch at a
	// time, until its own request is done; a request may find its work
	// already done by a previous holder. More than a batch may be queued
	// ahead of it (their goroutines have not reached the lock yet), so one
	// batch is not enough.
	for {
		select {
		case <-req.done:
			return req.err
		default:
		}
		s.queueMu.Lock()
		n := min(len(s.queue), maxBatch)
		batch := s.queue[:n:n]
		s.queue = append([]*writeReq(nil), s.queue[n:]...)
		s.queueMu.Unlock()
		s.commit(batch)
	}
}

// commit runs a batch of writes in one transaction. The caller holds writeMu.
func (s *Store) commit(batch []*writeReq) {
	finish := func(err error) {
		for _, r := range batch {
			if r.err == nil {
				r.err = err
			}
			close(r.done)
		}
	}
	s.prepareWanted()
	start := time.Now()
	// Not a caller's context: one caller giving up must not abort the others.
	sqlTx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		finish(err)
		return
	}
	defer sqlTx.Rollback()
	tx := &stmtTx{Tx: sqlTx, s: s}
	now := s.now().UTC().Truncate(time.Millisecond)
	var events []Event
	wake := false
	single := len(batch) == 1
	for _, r := range batch {
		t := &txn{s: s, ctx: r.ctx, tx: tx, now: now}
		if single {
			r.err = runWrite(r.fn, t)
		} else {
			r.err = runSavepoint(r.fn, t)
		}
		if r.err == nil {
			events = append(events, t.events...)
			wake = wake || t.printWake
		}
	}
	if single && batch[0].err != nil {
		finish(nil)
		return
	}
	if err := tx.Commit(); err != nil {
		finish(err)
		return
	}
	if s.commitStats != nil {
		s.commitStats(len(batch), time.Since(start))
	}
	if s.onCommit != nil && len(events) > 0 {
		s.onCommit(events)
	}
	if wake {
		select {
		case s.printWake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	finish(nil)
}

// runWrite calls fn, turning a panic into an error so that a batch always
// finishes and the writer lock is always released.
func runWrite(fn func(t *txn) error, t *txn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v", p)
		}
	}()
	if err := t.ctx.Err(); err != nil {
		return err
	}
	return fn(t)
}

// runSavepoint runs one write of a batch in its own savepoint, rolled back
// alone if it fails.
func runSavepoint(fn func(t *txn) error, t *txn) error {
	if _, err := t.tx.Exec("SAVEPOINT write"); err != nil {
		return err
	}
	if err := runWrite(fn, t); err != nil {
		t.events = nil
		if _, rbErr := t.tx.Exec("ROLLBACK TO write; RELEASE write"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	_, err := t.tx.Exec("RELEASE write")
	return err
}

// stmtTx is a write transaction that runs its SQL through the store's
// prepared statements: parsing the same few statements again for every
// order was a third of the writer's time.
type stmtTx struct {
	*sql.Tx
	s    *Store
	used map[string]*sql.Stmt // the cached statements bound to this transaction
}

// stmt returns query's prepared statement bound to this transaction, or nil
// when it is not prepared yet (it will be before the next transaction).
func (t *stmtTx) stmt(query string) *sql.Stmt {
	if st, ok := t.used[query]; ok {
		return st
	}
	st, ok := t.s.stmts[query]
	if !ok {
		if len(t.s.stmts)+len(t.s.wanted) < maxStmts {
			if t.s.wanted == nil {
				t.s.wanted = map[string]bool{}
			}
			t.s.wanted[query] = true
		}
		return nil
	}
	if t.used == nil {
		t.used = map[string]*sql.Stmt{}
	}
	// Bound without the caller's context: the bound statement serves every
	// write of the batch, and one caller's cancelled context would stick
	// to it and fail the others. Each call still runs with its own ctx.
	bound := t.Tx.StmtContext(context.Background(), st)
	t.used[query] = bound
	return bound
}

// ExecContext is sql.Tx's, with the cached statement when there is one.
func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext is sql.Tx's, with the cached statement when there is one.
func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx's, with the cached statement when there is one.
func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// prepareWanted prepares the statements the last transactions used. The
// caller holds writeMu and no transaction is open. A statement that fails
// to prepare is simply left to run unprepared.
func (s *Store) prepareWanted() {
	for q := range s.wanted {
		st, err := s.w.PrepareContext(context.Background(), q)
		if err != nil {
			continue
		}
		if s.stmts == nil {
			s.stmts = map[string]*sql.Stmt{}
		}
		s.stmts[q] = st
	}
	s.wanted = nil
}

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// read runs fn in a read transaction so that everything it reads, the
// newest seq included, comes from one snapshot.
func (s *Store) read(ctx context.Context, fn func(q *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
