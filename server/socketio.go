package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"rms/hub"
)

// Limits and timings of the Socket.IO endpoint. Ping interval and timeout
// are socket.io's defaults, which its clients expect.
const (
	sioPingInterval = 25 * time.Second
	sioPingTimeout  = 20 * time.Second
	// sioConnectTimeout is how long an Engine.IO session may go without a
	// Socket.IO connect that was accepted.
	sioConnectTimeout = 10 * time.Second
	// sioMaxPayload bounds a POST body and a WebSocket message, as /ws
	// bounds its frames; it is announced to the client in the handshake.
	sioMaxPayload = 64 << 10
	// sioCloseWait is how long a closing polling session waits for the
	// client's next GET to carry the close packet.
	sioCloseWait = 2 * time.Second
	// sioMaxSessions bounds the sessions held at once: an unauthenticated
	// polling handshake costs no socket, so it must cost a slot.
	sioMaxSessions = 10000
	// sioCodeClientClosed records that the client ended the session.
	sioCodeClientClosed = 1000
)

// sioSessions is the set of live Engine.IO sessions by id.
type sioSessions struct {
	mu       sync.Mutex
	byID     map[string]*sioSession
	draining bool

	// Tests shorten the timings (in nanoseconds); zero means the
	// constants above.
	pingIntervalT, pingTimeoutT, connectTimeoutT atomic.Int64
}

func (ss *sioSessions) pingInterval() time.Duration {
	return orDefault(&ss.pingIntervalT, sioPingInterval)
}

func (ss *sioSessions) pingTimeout() time.Duration {
	return orDefault(&ss.pingTimeoutT, sioPingTimeout)
}

func (ss *sioSessions) connectTimeout() time.Duration {
	return orDefault(&ss.connectTimeoutT, sioConnectTimeout)
}

func orDefault(d *atomic.Int64, def time.Duration) time.Duration {
	if v := time.Duration(d.Load()); v > 0 {
		return v
	}
	return def
}

func (ss *sioSessions) get(id string) *sioSession {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.byID[id]
}

func (ss *sioSessions) remove(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

// StopLongPolls answers every waiting Socket.IO long-poll with a close
// packet and refuses new sessions, so that http.Server.Shutdown need not
// wait for polls that would otherwise be held up to 25 s: register it with
// RegisterOnShutdown. The clients reconnect to the next process, as /ws
// clients do after 1001. Sessions on WebSocket close with the hub.
func (s *Server) StopLongPolls() {
	s.sio.mu.Lock()
	s.sio.draining = true
	var polling []*sioSession
	for _, sess := range s.sio.byID {
		if !sess.t.isWebSocket() {
			polling = append(polling, sess)
		}
	}
	s.sio.mu.Unlock()
	for _, sess := range polling {
		sess.hc.Close(hub.CodeGoingAway, "server shutting down")
		// A waiting poll gets the close packet now, and a writer waiting
		// for the next poll gives up.
		sess.t.kill()
	}
}

// handleSocketIO serves /socket.io/: Engine.IO 4 (long-polling, the
// WebSocket upgrade, WebSocket alone) carrying Socket.IO 5 in the default
// namespace, for the clients of the Express + Socket.io design.
func (s *Server) handleSocketIO(c echo.Context) error {
	r := c.Request()
	if !s.requestAllowed(r) {
		return forbidden("origin or host not allowed")
	}
	q := r.URL.Query()
	if q.Get("EIO") != "4" {
		return badRequest("only Engine.IO 4 is spoken here (socket.io-client 3 or 4)")
	}
	transport := q.Get("transport")
	if transport != "polling" && transport != "websocket" {
		return badRequest("transport must be polling or websocket")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	sid := q.Get("sid")
	if sid == "" {
		if r.Method != http.MethodGet {
			return badRequest("a session starts with a GET")
		}
		return s.sioHandshake(c, transport)
	}
	sess := s.sio.get(sid)
	if sess == nil {
		return badRequest("unknown session id")
	}
	switch {
	case transport == "websocket" && r.Method == http.MethodGet:
		return s.sioUpgrade(c, sess)
	case transport == "polling" && r.Method == http.MethodGet:
		return sess.servePoll(c)
	case transport == "polling" && r.Method == http.MethodPost:
		return sess.servePost(c)
	}
	return badRequest("unexpected request for this session")
}

// sioHandshake opens a session: over polling the open packet is the
// answer; over WebSocket it is the first message.
func (s *Server) sioHandshake(c echo.Context, transport string) error {
	// Until its connect a session is a stranger's: capped per address and
	// in all with /ws's sockets, refused before anything is set up.
	unpend, ok := s.pending.enter(c.Request().RemoteAddr)
	if !ok {
		c.Set("retry_after", strconv.Itoa(int(wsAuthTimeout.Seconds())))
		return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "too many connections waiting to sign in; try again in a few seconds"}
	}
	sess := &sioSession{s: s, id: randomID(), remote: c.Request().RemoteAddr, start: time.Now(), unpend: unpend}
	sess.t = newSIOTransport(sess)
	var ws *websocket.Conn
	var fc *frameConn
	upgrades := []string{"websocket"}
	if transport == "websocket" {
		var err error
		if ws, fc, err = s.sioAccept(c); err != nil {
			unpend()
			return nil // Accept has answered
		}
		sess.t.ws = &wsTransport{ws: ws, fc: fc}
		upgrades = []string{}
	}
	unavailable := &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the box is not taking new connections now"}
	hc, err := s.hub.RegisterFormat(sess.t, hub.Peer{}, sioFormat)
	if err != nil {
		unpend()
		if ws != nil {
			ws.Close(websocket.StatusGoingAway, "server shutting down")
			s.sessions.Done()
			return nil
		}
		return unavailable
	}
	// Ready before it can be found: StopLongPolls may close it at once.
	sess.hc = hc
	s.metrics.trackConn("socketio", hc)
	sess.startTimers()
	if !s.sio.add(sess) {
		unpend()
		hc.Close(int(websocket.StatusTryAgainLater), "too many sessions, or shutting down")
		if ws != nil {
			// The hub's writer sends that close; Drain waits for it.
			go func() {
				<-hc.Done()
				s.sessions.Done()
			}()
			return nil
		}
		return unavailable
	}
	open := append([]byte{eioOpen}, mustJSON(sioOpen{
		SID: sess.id, Upgrades: upgrades,
		PingInterval: s.sio.pingInterval().Milliseconds(), PingTimeout: s.sio.pingTimeout().Milliseconds(),
		MaxPayload: sioMaxPayload,
	})...)
	if ws != nil {
		hc.Send(open)
		go func() {
			defer s.sessions.Done()
			sess.readWS(ws)
		}()
		return nil
	}
	return c.Blob(http.StatusOK, "text/plain; charset=UTF-8", open)
}

// sioOpen is the open packet's data, in the reference server's order.
type sioOpen struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

func (ss *sioSessions) add(sess *sioSession) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.draining || len(ss.byID) >= sioMaxSessions {
		return false
	}
	if ss.byID == nil {
		ss.byID = make(map[string]*sioSession)
	}
	ss.byID[sess.id] = sess
	return true
}

// sioAccept upgrades the request to a WebSocket with the same small
// buffers and frame writes as /ws. The socket counts for Drain (as /ws
// sessions do) until the caller's goroutine that reads it ends.
func (s *Server) sioAccept(c echo.Context) (*websocket.Conn, *frameConn, error) {
	s.sessions.Add(1)
	w := &hijackWriter{ResponseWriter: c.Response().Writer}
	ws, err := websocket.Accept(w, c.Request(), &websocket.AcceptOptions{
		// Origin and Host were checked against the box's names and
		// --allowed-origins.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.sessions.Done()
		s.log.Info("socket.io upgrade failed", "remote", c.Request().RemoteAddr, "err", err)
		return nil, nil, err
	}
	c.Response().Committed = true
	c.Response().Status = http.StatusSwitchingProtocols
	ws.SetReadLimit(sioMaxPayload)
	return ws, w.fc, nil
}

// sioUpgrade takes the WebSocket of a polling session's upgrade: it answers
// the probe, then switches the session over when the client says upgrade.
func (s *Server) sioUpgrade(c echo.Context, sess *sioSession) error {
	if sess.t.isWebSocket() {
		return badRequest("the session already speaks WebSocket")
	}
	ws, fc, err := s.sioAccept(c)
	if err != nil {
		return nil
	}
	go func() {
		defer s.sessions.Done()
		sess.probe(ws, fc)
	}()
	return nil
}

// probe runs the upgrade handshake on a new WebSocket: "2probe" is answered
// "3probe" (and the waiting GET released), then "5" moves the session to it.
// Anything else ends the attempt; the session goes on polling.
func (sess *sioSession) probe(ws *websocket.Conn, fc *frameConn) {
	ctx, cancel := context.WithTimeout(context.Background(), sess.s.sio.pingTimeout())
	defer cancel()
	typ, msg, err := ws.Read(ctx)
	if err != nil || typ != websocket.MessageText || string(msg) != "2probe" || !sess.t.beginUpgrade() {
		ws.Close(websocket.StatusPolicyViolation, "expected the upgrade probe")
		return
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("3probe")); err != nil {
		sess.t.abortUpgrade()
		ws.CloseNow()
		return
	}
	for {
		typ, msg, err = ws.Read(ctx)
		if err != nil || typ != websocket.MessageText {
			sess.t.abortUpgrade()
			ws.CloseNow()
			return
		}
		if len(msg) == 1 && msg[0] == eioUpgrade {
			break
		}
		if string(msg) != string([]byte{eioNoop}) {
			sess.t.abortUpgrade()
			ws.Close(websocket.StatusPolicyViolation, "expected the upgrade")
			return
		}
	}
	if !sess.t.useWebSocket(ws, fc) {
		ws.Close(websocket.StatusGoingAway, "session closed")
		return
	}
	sess.readWS(ws)
}

// readWS is the read loop of a session on WebSocket.
func (sess *sioSession) readWS(ws *websocket.Conn) {
	for {
		typ, msg, err := ws.Read(context.Background())
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrMessageTooBig):
				sess.hc.Close(int(websocket.StatusMessageTooBig), "message over 64 KiB")
			case websocket.CloseStatus(err) != -1:
				sess.hc.Close(sioCodeClientClosed, "client closed")
			default:
				sess.hc.Close(hub.CodeAbnormal, "connection lost")
			}
			sess.t.kill()
			return
		}
		if typ != websocket.MessageText {
			sess.hc.Close(int(websocket.StatusPolicyViolation), "binary messages are not accepted")
		} else if sess.handleLocked(msg) {
			continue
		}
		// Closing: read on so the client's close frame completes the
		// handshake.
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				return
			}
		}
	}
}

// servePoll answers a long-poll GET with what the session has to say.
func (sess *sioSession) servePoll(c echo.Context) error {
	r := c.Request()
	// The server's read timeout would end a held request; the heartbeat
	// bounds it instead.
	http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now().Add(sess.s.sio.pingInterval() + sess.s.sio.pingTimeout()))
	payload, err := sess.t.awaitPoll(r.Context())
	switch {
	case errors.Is(err, errSIOPollOverlap):
		sess.hc.Close(int(websocket.StatusPolicyViolation), "overlapping polls")
		sess.t.kill()
		return badRequest("a poll is already waiting for this session")
	case errors.Is(err, errSIOPollRefused):
		return badRequest("the session has ended or moved to WebSocket")
	case err != nil:
		// The request ended under the wait (the client left, or the
		// connection's deadline passed): a noop is harmless either way,
		// and a client still there polls again.
		payload = []byte{eioNoop}
	}
	return c.Blob(http.StatusOK, "text/plain; charset=UTF-8", payload)
}

// servePost takes the packets of a polling POST.
func (sess *sioSession) servePost(c echo.Context) error {
	if sess.t.isWebSocket() {
		return badRequest("the session moved to WebSocket")
	}
	r := c.Request()
	body, err := io.ReadAll(http.MaxBytesReader(c.Response().Writer, r.Body, sioMaxPayload))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			sess.hc.Close(int(websocket.StatusMessageTooBig), "payload over 64 KiB")
			sess.t.kill()
			return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the payload is over 64 KiB"}
		}
		return nil
	}
	for len(body) > 0 {
		pkt := body
		if i := bytes.IndexByte(body, eioSeparator); i >= 0 {
			pkt, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if !sess.handleLocked(pkt) {
			break
		}
	}
	return c.Blob(http.StatusOK, "text/html; charset=UTF-8", []byte("ok"))
}

// randomID returns 120 random bits, URL-safe.
func randomID() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
