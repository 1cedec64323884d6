package store

import (
	"context"
	"log/slog"
	"time"
)

// Retention of the event log: what a client can resume from with since.
// Older history is pruned; a client asking for it gets resync and reloads
// over REST, which is always correct.
const (
	// EventRetention is how long events are kept.
	EventRetention = 7 * 24 * time.Hour
	// EventKeep is how many of the newest events are kept at most.
	EventKeep = 100_000
	// eventPruneEvery is how often the log is pruned.
	eventPruneEvery = time.Hour
)

// RunHousekeeping keeps the database from growing without bound, at start
// and then hourly, until ctx ends: it deletes events older than
// EventRetention or beyond the newest EventKeep (PruneEvents), and forgets
// retry keys older than IdempotencyTTL (PurgeIdempotencyKeys) and audit
// rows older than AuditRetention (PruneAudit). A failure is
// logged and tried again at the next tick.
func (s *Store) RunHousekeeping(ctx context.Context, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	runEventPruning(ctx, func(ctx context.Context, before time.Time, keep int) (int64, error) {
		if err := s.PurgeIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
			log.Warn("purge idempotency keys", "err", err)
		}
		if n, err := s.PruneAudit(ctx, s.now().Add(-AuditRetention)); err != nil && ctx.Err() == nil {
			log.Warn("prune audit log", "err", err)
		} else if n > 0 {
			log.Info("pruned audit log", "deleted", n)
		}
		if _, err := s.PrunePrintJobs(ctx, s.now().Add(-PrintJobRetention)); err != nil && ctx.Err() == nil {
			log.Warn("prune print jobs", "err", err)
		}
		return s.PruneEvents(ctx, before, keep)
	}, log, time.Now, eventPruneEvery)
}

// runEventPruning calls prune with the retention cutoff at start and every
// interval until ctx ends; the clock and interval are given for tests.
func runEventPruning(ctx context.Context, prune func(context.Context, time.Time, int) (int64, error), log *slog.Logger, now func() time.Time, every time.Duration) {
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := prune(ctx, now().Add(-EventRetention), EventKeep)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("prune event log", "err", err)
		case n > 0:
			log.Info("pruned event log", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
