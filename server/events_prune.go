package server

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

// RunEventPruning deletes events older than EventRetention or beyond the
// newest EventKeep, at start and then hourly, until ctx ends. prune is
// (*store.Store).PruneEvents. A failed prune is logged and tried again at
// the next tick.
func RunEventPruning(ctx context.Context, prune func(ctx context.Context, before time.Time, keep int) (int64, error), log *slog.Logger) {
	runEventPruning(ctx, prune, log, time.Now, eventPruneEvery)
}

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
