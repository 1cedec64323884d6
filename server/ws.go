package server

// The /ws session: the upgrade, the read loop of one connection, auth,
// subscribe and unsubscribe, pings. Resume lives in ws_resume.go, the
// origin policy in ws_origin.go, the socket writes in ws_transport.go.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"rms/hub"
	"rms/store"
)

// Limits of the realtime endpoint. The numbers come from the contract
// (64 KiB frames, auth within 5 s, a ping every 25 s); the others bound what
// one connection may cost.
const (
	wsReadLimit    = 64 << 10
	wsAuthTimeout  = 5 * time.Second
	wsPingInterval = 25 * time.Second
	// wsPongTimeout is how long a ping may go unanswered before the peer
	// counts as gone.
	wsPongTimeout = 10 * time.Second
	// wsWriteTimeout bounds every write that waits for the socket (the
	// fan-out's writes never wait); a peer that takes longer is dropped
	// (it resumes with since).
	wsWriteTimeout = 10 * time.Second
	// wsReplayPage and wsReplayMax bound a resume from the event log:
	// past wsReplayMax events a reload over REST is cheaper, so the client
	// gets resync.
	wsReplayPage = 500
	wsReplayMax  = 5000
	// wsPublishWait bounds the wait for a committed seq to reach the hub
	// (microseconds normally; a starved writer may take longer).
	wsPublishWait = 2 * time.Second
	// wsSendBuffer caps the kernel's send buffer per socket (autotuning
	// would let a stalled tablet pin up to 4 MiB). On a LAN it still
	// carries megabytes per second, and the hub's queue absorbs bursts.
	wsSendBuffer = 128 << 10
	// wsBufferSize is the size of a connection's read buffer: client
	// messages are small (an auth message with its token is about 300
	// bytes), and larger ones are read straight into the message.
	wsBufferSize = 256
)

// Close codes of the realtime protocol.
const (
	wsCodeAuth      = 4401
	wsCodeForbidden = 4403
)

// wsMessage is one client frame.
type wsMessage struct {
	Event string          `json:"event"`
	ID    json.RawMessage `json:"id,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// wsSubscribeData is the data of subscribe:* and unsubscribe:*.
type wsSubscribeData struct {
	Since   *int64 `json:"since"`
	Epoch   string `json:"epoch"`
	TableID int64  `json:"table_id"`
}

// wsSession is the state of one connection, owned by its read goroutine
// except where noted.
type wsSession struct {
	s      *Server
	ws     *websocket.Conn
	hc     *hub.Conn
	remote string
	start  time.Time

	mu        sync.Mutex // guards principal, authed and expiry (read by timers)
	principal Principal
	authed    bool
	// unpend takes the socket out of the unauthenticated count, at its
	// first auth or its end.
	unpend func()

	expiry *time.Timer
	ping   *time.Timer
}

// handleWS serves GET /ws: the realtime protocol of API.md.
func (s *Server) handleWS(c echo.Context) error {
	r := c.Request()
	if !s.requestAllowed(r) {
		return forbidden("origin or host not allowed")
	}
	// The upgrade happens before a bad header token is reported, because
	// the contract reports auth failures as close 4401.
	hasHeader := r.Header.Get("Authorization") != ""
	headerToken := bearer(r)
	// Until it signs in a socket is a stranger's: a few per address and a
	// few hundred in all, refused before the upgrade costs anything.
	unpend, ok := s.pending.enter(r.RemoteAddr)
	if !ok {
		c.Set("retry_after", strconv.Itoa(int(wsAuthTimeout.Seconds())))
		return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "too many connections waiting to sign in; try again in a few seconds"}
	}

	// Counted before the hijack: until then the HTTP server's Shutdown
	// waits for this request, so Drain never misses a session.
	s.sessions.Add(1)
	w := &hijackWriter{ResponseWriter: c.Response().Writer}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// Origin and Host were checked above, against the box's own
		// names and --allowed-origins.
		InsecureSkipVerify: true,
	})
	if err != nil {
		// Accept has written the response already.
		unpend()
		s.sessions.Done()
		s.log.Info("ws upgrade failed", "remote", r.RemoteAddr, "err", err)
		return nil
	}
	c.Response().Committed = true
	c.Response().Status = http.StatusSwitchingProtocols
	ws.SetReadLimit(wsReadLimit)

	sess := &wsSession{s: s, ws: ws, remote: r.RemoteAddr, start: time.Now(), unpend: unpend}
	hc, err := s.hub.Register(&wsTransport{ws: ws, fc: w.fc}, hub.Peer{})
	if err != nil {
		// The hub closed while this socket was upgrading: it still gets
		// its 1001, and Drain waits for it.
		ws.Close(websocket.StatusGoingAway, "server shutting down")
		unpend()
		s.sessions.Done()
		return nil
	}
	sess.hc = hc
	s.metrics.trackConn("ws", hc)
	// The read loop gets a goroutine of its own so that this one, with its
	// deep stack, the request and echo's context, is released: an idle
	// connection then costs a few KiB.
	go sess.run(hasHeader, headerToken)
	return nil
}

// Drain waits until every WebSocket session has ended: its close frame
// written and the close handshake finished or given up by the library
// (5 s). It returns ctx's error if ctx ends first. The box calls it after
// closing the hub, which starts every session's close with 1001, so that
// the process does not exit while a close frame or handshake is in flight.
func (s *Server) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.sessions.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the connection's read loop; it returns when the connection ends,
// after logging the disconnect once.
func (ss *wsSession) run(hasHeader bool, headerToken string) {
	defer ss.finish()
	ctx := context.Background()
	ss.ping = time.AfterFunc(wsPingInterval, ss.pingPeer)
	if hasHeader {
		var ok bool
		offStack(func() { ok = ss.authenticate(ctx, headerToken, nil) })
		if !ok {
			ss.readUntilClosed()
			return
		}
	} else {
		// The expiry timer is the sign-in deadline until the first auth
		// replaces it with the token's.
		ss.mu.Lock()
		ss.expiry = time.AfterFunc(wsAuthTimeout, func() {
			if !ss.isAuthed() {
				ss.hc.Close(wsCodeAuth, "no auth in time")
			}
		})
		ss.mu.Unlock()
	}
	for {
		typ, data, err := ss.ws.Read(ctx)
		if err != nil {
			ss.readFailed(err)
			return
		}
		// A message is handled on a short-lived goroutine: decoding and
		// answering run deep and would grow this one's stack for good,
		// while an idle connection should hold no more than the read.
		var ok bool
		offStack(func() { ok = ss.message(ctx, typ, data) })
		if !ok {
			ss.readUntilClosed()
			return
		}
	}
}

// message answers one client message; it returns false when the
// connection is being closed.
func (ss *wsSession) message(ctx context.Context, typ websocket.MessageType, data []byte) bool {
	if typ != websocket.MessageText {
		ss.hc.Close(int(websocket.StatusPolicyViolation), "binary frames are not accepted")
		return false
	}
	var m wsMessage
	if err := json.Unmarshal(data, &m); err != nil {
		ss.hc.Close(int(websocket.StatusPolicyViolation), "expected a JSON object")
		return false
	}
	if !ss.isAuthed() && m.Event != "auth" {
		ss.hc.Close(wsCodeAuth, "auth first")
		return false
	}
	return ss.handle(ctx, &m)
}

// readUntilClosed keeps reading after this side started closing, so the
// peer's close frame is consumed and the handshake completes.
func (ss *wsSession) readUntilClosed() {
	for {
		if _, _, err := ss.ws.Read(context.Background()); err != nil {
			return
		}
	}
}

// readFailed records why reading ended: the peer closed or vanished, or it
// broke the protocol (too large a frame: 1009).
func (ss *wsSession) readFailed(err error) {
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		ss.hc.Close(int(websocket.StatusMessageTooBig), "frame over 64 KiB")
	case websocket.CloseStatus(err) != -1:
		ss.hc.Close(int(websocket.CloseStatus(err)), "peer closed")
	default:
		ss.hc.Close(hub.CodeAbnormal, "connection lost")
	}
}

// finish releases the connection and logs the disconnect once.
func (ss *wsSession) finish() {
	defer ss.s.sessions.Done()
	ss.unpend()
	ss.ping.Stop()
	ss.mu.Lock()
	if ss.expiry != nil {
		ss.expiry.Stop()
	}
	p, authed := ss.principal, ss.authed
	ss.mu.Unlock()
	ss.hc.Close(hub.CodeAbnormal, "connection lost")
	select {
	case <-ss.hc.Done():
	case <-time.After(wsWriteTimeout + 10*time.Second):
		ss.ws.CloseNow()
	}
	attrs := []any{"remote", ss.remote, "duration", time.Since(ss.start).Round(time.Millisecond), "code", ss.hc.CloseCode()}
	if authed {
		attrs = append(attrs, "role", p.Role, "user_id", p.UserID, "table_id", p.TableID)
	} else {
		attrs = append(attrs, "role", "")
	}
	ss.s.log.Info("ws disconnect", attrs...)
}

func (ss *wsSession) isAuthed() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.authed
}

// handle answers one message, off the read loop's stack; it returns false
// when the connection is being closed.
func (ss *wsSession) handle(ctx context.Context, m *wsMessage) bool {
	switch m.Event {
	case "auth":
		var d struct {
			Token string `json:"token"`
		}
		if len(m.Data) > 0 && json.Unmarshal(m.Data, &d) != nil {
			ss.hc.Close(wsCodeAuth, "bad auth data")
			return false
		}
		return ss.authenticate(ctx, d.Token, m.ID)
	}
	action, room, ok := strings.Cut(m.Event, ":")
	if !ok || (action != "subscribe" && action != "unsubscribe") || !knownRoom(room) {
		ss.replyError(m.ID, "unknown_event", fmt.Sprintf("unknown event %q", m.Event))
		return true
	}
	var d wsSubscribeData
	if len(m.Data) > 0 && string(m.Data) != "null" {
		if err := json.Unmarshal(m.Data, &d); err != nil {
			ss.replyError(m.ID, "bad_request", "data must be an object with since (integer), epoch (string) or table_id (integer)")
			return true
		}
	}
	if room == "table" {
		if d.TableID <= 0 {
			ss.replyError(m.ID, "validation_failed", "table_id must be a positive integer")
			return true
		}
		room = store.TableRoom(d.TableID)
	}
	if action == "unsubscribe" {
		ss.hc.Leave(room)
		ss.replyAck(m.ID)
		return true
	}
	ss.mu.Lock()
	p := ss.principal
	ss.mu.Unlock()
	if !mayJoin(p, room, d.TableID) {
		ss.replyError(m.ID, "forbidden", fmt.Sprintf("%s may not join %s", p.Role, room))
		return true
	}
	if d.Since != nil && *d.Since < 0 {
		ss.replyError(m.ID, "validation_failed", "since must not be negative")
		return true
	}
	ss.replyAck(m.ID)
	ss.subscribe(ctx, room, d)
	return true
}

// offStack runs fn on a short-lived goroutine and waits for it. Database
// calls (SQLite in pure Go runs deep) would grow the long-lived read loop's
// stack for good, and idle connections must stay small.
func offStack(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// authenticate checks token and, when valid, answers ready (and ack when
// the message had an id). A bad token closes with 4401; a token for someone
// else than the connection's holder is refused the same way.
func (ss *wsSession) authenticate(ctx context.Context, token string, id json.RawMessage) bool {
	revocations := ss.s.hub.Disconnects()
	p, err := ss.s.authenticate(ctx, token)
	if err != nil && !errors.Is(err, errBadToken) {
		// The database failed, not the token: the client should come
		// back, not sign out.
		ss.s.log.Error("ws auth", "err", err)
		ss.hc.Close(int(websocket.StatusTryAgainLater), "try again")
		return false
	}
	if err != nil || token == "" {
		ss.hc.Close(wsCodeAuth, "invalid or expired token")
		return false
	}
	ss.mu.Lock()
	first := !ss.authed
	if !first && !samePrincipal(ss.principal, p) {
		ss.mu.Unlock()
		ss.hc.Close(wsCodeAuth, "token names someone else")
		return false
	}
	ss.principal, ss.authed = p, true
	ss.unpend()
	if ss.expiry != nil {
		ss.expiry.Stop()
	}
	ss.expiry = nil
	if !p.ExpiresAt.IsZero() {
		ss.expiry = time.AfterFunc(time.Until(p.ExpiresAt), func() {
			ss.hc.Close(wsCodeAuth, "token expired")
		})
	}
	ss.mu.Unlock()
	peer := hub.Peer{Role: p.Role, UserID: p.UserID, TableID: p.TableID, TerminalID: p.TerminalID}
	ss.hc.SetPeer(peer)
	if ss.s.hub.Disconnects() != revocations {
		// A revocation that ran between the token check and SetPeer
		// may have found no peer to close; checking again closes that
		// window.
		if _, err := ss.s.authenticate(ctx, token); errors.Is(err, errBadToken) {
			ss.hc.Close(wsCodeForbidden, "access revoked")
			return false
		}
	}

	info, err := ss.s.store.EventLog(ctx)
	if err != nil {
		ss.s.log.Error("ws ready: event log", "err", err)
		ss.hc.Close(int(websocket.StatusInternalError), "event log unavailable")
		return false
	}
	ss.s.hub.Observe(info.LastSeq)
	seq := info.LastSeq
	if last, ok := ss.s.hub.LastSeq(); ok && last > seq {
		seq = last
	}
	ready := map[string]any{"role": p.Role, "epoch": info.Epoch, "seq": seq}
	if p.Role == store.RoleCustomer {
		ready["table_id"] = p.TableID
	}
	ss.hc.Send(encodeFrame(map[string]any{"event": "ready", "data": ready}))
	ss.replyAck(id)
	if first {
		ss.s.log.Info("ws connect", "remote", ss.remote, "role", p.Role, "user_id", p.UserID, "table_id", p.TableID)
	}
	return true
}

// pingPeer pings and drops a peer that does not answer in time. It runs on
// a timer, so an idle connection costs no goroutine between pings.
func (ss *wsSession) pingPeer() {
	select {
	case <-ss.hc.Done():
		return
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsPongTimeout)
	defer cancel()
	if err := ss.ws.Ping(ctx); err != nil {
		ss.hc.Close(hub.CodeAbnormal, "no pong")
		return
	}
	ss.ping.Reset(wsPingInterval)
}

func (ss *wsSession) replyAck(id json.RawMessage) {
	if len(id) == 0 || string(id) == "null" {
		return
	}
	ss.hc.Send(encodeFrame(map[string]any{"event": "ack", "id": id}))
}

func (ss *wsSession) replyError(id json.RawMessage, code, msg string) {
	f := map[string]any{"event": "error", "data": map[string]string{"code": code, "message": msg}}
	if len(id) > 0 && string(id) != "null" {
		f["id"] = id
	}
	ss.hc.Send(encodeFrame(f))
}

func encodeFrame(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps of strings, numbers and raw JSON from a parsed frame
		// get here.
		panic(fmt.Sprintf("server: encode ws frame: %v", err))
	}
	return b
}

func samePrincipal(a, b Principal) bool {
	return a.Role == b.Role && a.UserID == b.UserID && a.TableID == b.TableID
}
