package server

// Resume and replay: a subscribe with since gets what the client missed from
// the hub's ring, else from the event log, else resync.

import (
	"context"
	"time"

	"rms/hub"
)

// subscribe joins room, first replaying what the client missed after since:
// from the hub's ring, else from the event log, else it sends resync. The
// hub makes the seam exact: the ring replay and the join happen under one
// lock, and events read from the log are skipped when another room of the
// connection already carried them.
func (ss *wsSession) subscribe(ctx context.Context, room string, d wsSubscribeData) {
	if d.Epoch != "" && d.Epoch != ss.s.store.Epoch() {
		ss.resync(room)
		return
	}
	if d.Since == nil {
		ss.hc.Join(room)
		return
	}
	since, replayed, waited := *d.Since, 0, false
	for {
		switch ss.hc.JoinSince(room, since) {
		case hub.Joined:
			return
		case hub.Ahead:
			// A since taken from X-Seq can be committed yet still on its
			// way to the hub (the writer publishes right after the
			// commit); only a since the log never had is foreign.
			info, err := ss.s.store.EventLog(ctx)
			if err != nil || since > info.LastSeq || waited {
				ss.resync(room)
				return
			}
			waited = true
			t := time.NewTimer(wsPublishWait)
			select {
			case <-ss.s.hub.Reached(since):
			case <-t.C:
			}
			t.Stop()
			continue
		}
		before, err := ss.s.store.EventLog(ctx)
		if err != nil {
			ss.s.log.Error("ws replay: event log", "err", err)
			ss.resync(room)
			return
		}
		if since > before.LastSeq {
			ss.resync(room)
			return
		}
		evs, err := ss.s.store.EventsSince(ctx, room, since, wsReplayPage)
		if err != nil {
			ss.s.log.Error("ws replay: events since", "room", room, "since", since, "err", err)
			ss.resync(room)
			return
		}
		// Read after the page: pruning only ever removes the oldest rows,
		// so an OldestSeq at or below since+1 now proves nothing the page
		// needed was gone when it was read.
		after, err := ss.s.store.EventLog(ctx)
		if err != nil {
			ss.s.log.Error("ws replay: event log", "err", err)
			ss.resync(room)
			return
		}
		if since+1 < after.OldestSeq {
			ss.resync(room)
			return
		}
		replayed += len(evs)
		if replayed > wsReplayMax {
			ss.resync(room)
			return
		}
		if !ss.hc.Replay(room, hubEvents(evs)) {
			return
		}
		// The page covers everything up to its last event, and, when it
		// was not full, everything committed before it was read.
		covered := before.LastSeq
		if n := len(evs); n == wsReplayPage || (n > 0 && evs[n-1].Seq > covered) {
			covered = evs[n-1].Seq
		}
		since = covered
	}
}

func (ss *wsSession) resync(room string) {
	ss.hc.Resync(room, encodeFrame(map[string]any{"event": "resync", "room": room}))
}
