package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"rms/hub"
	"rms/store"
)

// sioSession is one Engine.IO session and the Socket.IO connection of the
// default namespace it carries. Its frames, replies and events alike, go
// through its hub.Conn, so they leave in one order on whatever transport
// the session is on.
type sioSession struct {
	s      *Server
	id     string
	remote string
	start  time.Time
	t      *sioTransport
	hc     *hub.Conn
	// unpend takes the session out of the count of connections that have
	// not signed in (see pendingGate), at its connect or its end.
	unpend func()

	// inMu serialises the client's packets: a POST and the upgraded
	// WebSocket may deliver at the same time.
	inMu sync.Mutex

	mu           sync.Mutex // guards the fields below (timers read them)
	principal    Principal
	connected    bool
	ended        bool
	awaitingPong bool
	connectTimer *time.Timer
	heartbeat    *time.Timer
	expiry       *time.Timer
}

// startTimers arms the connect deadline and the heartbeat.
func (sess *sioSession) startTimers() {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sess.connectTimer = time.AfterFunc(sess.s.sio.connectTimeout(), func() {
		if !sess.isConnected() {
			sess.hc.Close(wsCodeAuth, "no connect in time")
		}
	})
	sess.heartbeat = time.AfterFunc(sess.s.sio.pingInterval(), sess.beat)
}

// beat sends a ping, or ends the session when the last one went
// unanswered. It runs on a timer: an idle session costs no goroutine.
func (sess *sioSession) beat() {
	sess.mu.Lock()
	if sess.ended {
		sess.mu.Unlock()
		return
	}
	if sess.awaitingPong {
		sess.mu.Unlock()
		sess.hc.Close(hub.CodeAbnormal, "no pong")
		sess.t.kill()
		return
	}
	sess.awaitingPong = true
	sess.heartbeat.Reset(sess.s.sio.pingTimeout())
	sess.mu.Unlock()
	sess.hc.Send([]byte{eioPing})
}

func (sess *sioSession) pong() {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.awaitingPong && !sess.ended {
		sess.awaitingPong = false
		sess.heartbeat.Reset(sess.s.sio.pingInterval())
	}
}

func (sess *sioSession) isConnected() bool {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return sess.connected
}

// finish releases the session once its transport closed, and logs the
// disconnect of a client that was connected.
func (sess *sioSession) finish(code int) {
	sess.unpend()
	sess.s.sio.remove(sess.id)
	sess.mu.Lock()
	sess.ended = true
	for _, t := range []*time.Timer{sess.connectTimer, sess.heartbeat, sess.expiry} {
		if t != nil {
			t.Stop()
		}
	}
	p, connected := sess.principal, sess.connected
	sess.mu.Unlock()
	if connected {
		sess.s.log.Info("socket.io disconnect", "remote", sess.remote, "role", p.Role, "user_id", p.UserID, "table_id", p.TableID,
			"transport", sess.transportName(), "duration", time.Since(sess.start).Round(time.Millisecond), "code", code)
	}
}

func (sess *sioSession) transportName() string {
	if sess.t.isWebSocket() {
		return "websocket"
	}
	return "polling"
}

// handleLocked takes one Engine.IO packet from the client. It returns false
// when the session is closing and the caller should stop reading.
func (sess *sioSession) handleLocked(pkt []byte) bool {
	sess.inMu.Lock()
	defer sess.inMu.Unlock()
	if len(pkt) == 0 {
		return sess.protocolError("empty packet")
	}
	switch pkt[0] {
	case eioPong:
		sess.pong()
		return true
	case eioPing:
		// Clients of Engine.IO 4 do not ping, but an answer costs nothing.
		sess.hc.Send(append([]byte{eioPong}, pkt[1:]...))
		return true
	case eioNoop, eioUpgrade:
		return true
	case eioClose:
		sess.hc.Close(sioCodeClientClosed, "client closed")
		sess.t.kill()
		return false
	case eioMessage:
		return sess.handleSIO(pkt[1:])
	}
	return sess.protocolError("unknown Engine.IO packet (binary is not accepted)")
}

// protocolError closes the session as /ws closes on a broken frame (1008).
func (sess *sioSession) protocolError(msg string) bool {
	sess.hc.Close(int(websocket.StatusPolicyViolation), msg)
	return false
}

// handleSIO takes one Socket.IO packet.
func (sess *sioSession) handleSIO(b []byte) bool {
	p, err := parseSIOPacket(b)
	if errors.Is(err, errSIOBinary) {
		return sess.protocolError("binary packets are not accepted")
	}
	if err != nil {
		return sess.protocolError("malformed Socket.IO packet")
	}
	if p.Nsp != "/" {
		if p.Type == sioConnect {
			sess.hc.Send(sioNspFrame(sioConnectError, p.Nsp, map[string]string{"message": "Invalid namespace"}))
		}
		return true
	}
	switch p.Type {
	case sioConnect:
		var ok bool
		offStack(func() { ok = sess.connect(context.Background(), p.Data) })
		return ok
	case sioDisconnect:
		sess.hc.Close(sioCodeClientClosed, "client disconnected")
		sess.t.kill()
		return false
	case sioEvent:
		if sess.isConnected() {
			sess.event(p)
		}
		// Events before the connect are dropped, as the reference
		// server does; socket.io-client never sends any.
		return true
	case sioAck:
		return true // the box asks the client for no acks
	}
	return sess.protocolError("a client does not send connect errors")
}

// connect authenticates the handshake's auth {token}: the connection is
// accepted with its socket id, or refused with a connect error that
// socket.io-client reports as connect_error (err.data.code says why).
func (sess *sioSession) connect(ctx context.Context, data json.RawMessage) bool {
	if sess.isConnected() {
		sess.hc.Send(sioNspFrame(sioConnect, "/", map[string]string{"sid": sess.id}))
		return true
	}
	var auth struct {
		Token string `json:"token"`
	}
	if len(data) > 0 && string(data) != "null" && json.Unmarshal(data, &auth) != nil {
		sess.refuse("auth must be an object with a token")
		return true
	}
	s := sess.s
	revocations := s.hub.Disconnects()
	p, err := s.authenticate(ctx, auth.Token)
	if err != nil && !errors.Is(err, errBadToken) {
		// The database failed, not the token: close the transport, and
		// socket.io-client comes back with backoff.
		s.log.Error("socket.io auth", "err", err)
		sess.hc.Close(int(websocket.StatusTryAgainLater), "try again")
		return false
	}
	if err != nil || auth.Token == "" {
		sess.refuse("invalid or expired token")
		return true
	}
	sess.hc.SetPeer(hub.Peer{Role: p.Role, UserID: p.UserID, TableID: p.TableID})
	if s.hub.Disconnects() != revocations {
		// A revocation between the check and SetPeer may have missed
		// this connection; checking again closes that window.
		if _, err := s.authenticate(ctx, auth.Token); errors.Is(err, errBadToken) {
			sess.hc.SetPeer(hub.Peer{})
			sess.refuse("access revoked")
			return true
		}
	}
	sess.mu.Lock()
	sess.principal, sess.connected = p, true
	sess.unpend()
	sess.connectTimer.Stop()
	if !p.ExpiresAt.IsZero() {
		sess.expiry = time.AfterFunc(time.Until(p.ExpiresAt), func() {
			sess.hc.Close(wsCodeAuth, "token expired")
		})
	}
	sess.mu.Unlock()
	sess.hc.Send(sioNspFrame(sioConnect, "/", map[string]string{"sid": sess.id}))
	// The seed's clients know no menu room: everyone gets menu:updated.
	sess.hc.Join(store.RoomMenu)
	s.log.Info("socket.io connect", "remote", sess.remote, "role", p.Role, "user_id", p.UserID, "table_id", p.TableID, "transport", sess.transportName())
	return true
}

// sioRefusal is a connect error: err.message and err.data of connect_error.
type sioRefusal struct {
	Message string `json:"message"`
	Data    struct {
		Code string `json:"code"`
	} `json:"data"`
}

func (sess *sioSession) refuse(msg string) {
	r := sioRefusal{Message: msg}
	r.Data.Code = "unauthorized"
	sess.hc.Send(sioNspFrame(sioConnectError, "/", r))
}

// event answers subscribe:* and unsubscribe:* with the rules of /ws. The
// answer goes to the client's ack callback when it gave one ({ok: true} or
// {error: {code, message}}); a refusal without one is emitted as an
// "error" event with {code, message}.
func (sess *sioSession) event(p sioPacket) {
	name, args, err := sioEventArgs(p.Data)
	if err != nil {
		sess.replyError(p.ID, "bad_request", "an event is an array starting with its name")
		return
	}
	action, room, ok := strings.Cut(name, ":")
	if !ok || (action != "subscribe" && action != "unsubscribe") || !knownRoom(room) {
		sess.replyError(p.ID, "unknown_event", fmt.Sprintf("unknown event %q", name))
		return
	}
	var tableID int64
	if room == "table" {
		if tableID, ok = sioTableID(args); !ok {
			sess.replyError(p.ID, "validation_failed", name+" takes a table id (a positive integer)")
			return
		}
		room = store.TableRoom(tableID)
	}
	if action == "unsubscribe" {
		sess.hc.Leave(room)
		sess.replyOK(p.ID)
		return
	}
	sess.mu.Lock()
	pr := sess.principal
	sess.mu.Unlock()
	if !mayJoin(pr, room, tableID) {
		sess.replyError(p.ID, "forbidden", fmt.Sprintf("%s may not join %s", pr.Role, room))
		return
	}
	sess.hc.Join(room)
	sess.replyOK(p.ID)
}

// sioTableID reads subscribe:table's argument: the seed's bare id (a
// number, or the same digits as a string, as a route parameter gives them),
// or {table_id} as /ws takes it.
func sioTableID(args []json.RawMessage) (int64, bool) {
	if len(args) == 0 {
		return 0, false
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(args[0])))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return 0, false
	}
	var n json.Number
	switch x := v.(type) {
	case json.Number:
		n = x
	case string:
		n = json.Number(x)
	case map[string]any:
		if id, ok := x["table_id"].(json.Number); ok {
			n = id
		}
	}
	id, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

func (sess *sioSession) replyOK(id int64) {
	if id >= 0 {
		sess.hc.Send(sioAckFrame(id, map[string]bool{"ok": true}))
	}
}

func (sess *sioSession) replyError(id int64, code, msg string) {
	e := map[string]string{"code": code, "message": msg}
	if id >= 0 {
		sess.hc.Send(sioAckFrame(id, map[string]any{"error": e}))
		return
	}
	sess.hc.Send(sioEmit("error", e))
}
