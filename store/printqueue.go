package store

// The print worker's side of the queue: the next job of a printer, and the
// marks an attempt leaves (sending, printed, retry, failed), each a commit
// of its own; counts and pruning.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// NextPrintJob returns the oldest job printer id has not taken yet, or
// ErrNotFound when its queue is empty. A job whose Attempts is above 0 was
// (perhaps partly) sent before: the worker prints it marked as a repeat.
func (s *Store) NextPrintJob(ctx context.Context, printerID int64) (PrintJob, error) {
	j, err := scanJob(s.r.QueryRowContext(ctx, "SELECT "+jobColumns+` FROM print_jobs
		WHERE printer_id = ? AND status IN ('queued', 'sending') ORDER BY id LIMIT 1`, printerID))
	if errors.Is(err, sql.ErrNoRows) {
		return PrintJob{}, fmt.Errorf("store: next print job of printer %d: %w", printerID, ErrNotFound)
	}
	if err != nil {
		return PrintJob{}, fmt.Errorf("store: next print job of printer %d: %w", printerID, err)
	}
	return j, nil
}

// PrintJob returns one job, or ErrNotFound.
func (s *Store) PrintJob(ctx context.Context, id int64) (PrintJob, error) {
	j, err := scanJob(s.r.QueryRowContext(ctx, "SELECT "+jobColumns+" FROM print_jobs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return PrintJob{}, fmt.Errorf("store: print job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return PrintJob{}, fmt.Errorf("store: print job %d: %w", id, err)
	}
	return j, nil
}

// setJob moves job id from one of the states in from by set, announcing the
// printer's queue when it shrank (announce); it returns
// ErrNotFound when the job is no longer in any of them (its printer was
// deleted meanwhile).
func (s *Store) setJob(ctx context.Context, id int64, from []string, announce bool, set string, args ...any) error {
	return s.write(ctx, func(t *txn) error {
		var printerID int64
		err := t.tx.QueryRowContext(ctx, "SELECT printer_id FROM print_jobs WHERE id = ? AND status IN (SELECT value FROM json_each(?))",
			id, jsonList(from)).Scan(&printerID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE print_jobs SET "+set+" WHERE id = ?", append(args, id)...); err != nil {
			return err
		}
		if !announce {
			return nil
		}
		return t.emitPrinter(printerID)
	})
}

func jsonInts(v []int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonList(v []string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// MarkPrintJobSending records, durably, that an attempt to send job id
// begins: from here on the printer may get some or all of it. It returns
// ErrNotFound when the job was cancelled.
func (s *Store) MarkPrintJobSending(ctx context.Context, id int64) error {
	if err := s.setJob(ctx, id, []string{JobQueued, JobSending}, false, "status = 'sending', attempts = attempts + 1"); err != nil {
		return fmt.Errorf("store: print job %d sending: %w", id, err)
	}
	return nil
}

// MarkPrintJobPrinted records that the printer took job id; it is never
// sent again. It returns ErrNotFound when the job was not being sent.
func (s *Store) MarkPrintJobPrinted(ctx context.Context, id int64, at time.Time) error {
	if err := s.setJob(ctx, id, []string{JobSending}, true, "status = 'printed', printed_at = ?, last_error = ''", ms(at)); err != nil {
		return fmt.Errorf("store: print job %d printed: %w", id, err)
	}
	return nil
}

// MarkPrintJobRetry puts job id back in its queue after an attempt that
// failed partway, with the reason. It returns ErrNotFound when the job was
// not being sent.
func (s *Store) MarkPrintJobRetry(ctx context.Context, id int64, reason string) error {
	if err := s.setJob(ctx, id, []string{JobSending}, false, "status = 'queued', last_error = ?", truncate(reason, 200)); err != nil {
		return fmt.Errorf("store: print job %d retry: %w", id, err)
	}
	return nil
}

// MarkPrintJobFailed gives up on a job that cannot be printed at all (its
// document does not render), so it does not block the jobs behind it.
func (s *Store) MarkPrintJobFailed(ctx context.Context, id int64, reason string) error {
	if err := s.setJob(ctx, id, []string{JobQueued, JobSending}, true, "status = 'failed', last_error = ?", truncate(reason, 200)); err != nil {
		return fmt.Errorf("store: print job %d failed: %w", id, err)
	}
	return nil
}

// PrintJobCounts counts the jobs kept by status.
func (s *Store) PrintJobCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT status, count(*) FROM print_jobs GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("store: print job counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{JobQueued: 0, JobSending: 0, JobPrinted: 0, JobCancelled: 0, JobFailed: 0}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("store: print job counts: %w", err)
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: print job counts: %w", err)
	}
	return out, nil
}

// PrintJobRetention is how long finished print jobs are kept (to see what
// printed when) before housekeeping deletes them.
const PrintJobRetention = 30 * 24 * time.Hour

// PrunePrintJobs deletes finished jobs (printed, cancelled, failed) created
// before before, and returns how many.
func (s *Store) PrunePrintJobs(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(t *txn) error {
		res, err := t.tx.ExecContext(ctx, "DELETE FROM print_jobs WHERE created_at < ? AND status IN ('printed', 'cancelled', 'failed')", ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune print jobs: %w", err)
	}
	return n, nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
