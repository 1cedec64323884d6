package server

import (
	"context"
	"fmt"

	"rms/hub"
	"rms/store"
)

// Relay connects the store's outbox to the hub: the hub first learns the
// newest seq of the event log, then every batch of events the store commits
// is published, after the commit and under the store's writer lock, so the
// hub sees seqs in order. The box calls it once, before serving; it returns
// an error when the event log cannot be read.
func Relay(ctx context.Context, st *store.Store, h *hub.Hub) error {
	last, err := st.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("server: relay: %w", err)
	}
	h.Observe(last)
	st.OnCommit(func(evs []store.Event) { h.Publish(hubEvents(evs)...) })
	return nil
}

// hubEvents converts events read from or committed to the store for the
// hub. The two types have the same fields, so the compiler checks that
// nothing is lost on the way.
func hubEvents(evs []store.Event) []hub.Event {
	out := make([]hub.Event, len(evs))
	for i, e := range evs {
		out[i] = hub.Event(e)
	}
	return out
}
