package server

// The transport: how the hub's frames reach one WebSocket, with the writes
// of a batch gathered (corked) into one system call.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"rms/hub"
)

// wsTransport writes the hub's frames to one WebSocket. The hub calls it
// from one goroutine at a time.
type wsTransport struct {
	ws   *websocket.Conn
	cork *corkConn
}

// WriteFrames writes frames as text messages. The library flushes every
// message; the cork gathers those flushes so that a batch leaves in one
// system call under one write deadline.
func (t *wsTransport) WriteFrames(frames [][]byte) error {
	t.cork.hold()
	var err error
	for _, f := range frames {
		if err = t.ws.Write(context.Background(), websocket.MessageText, f); err != nil {
			break
		}
	}
	if ferr := t.cork.release(); err == nil {
		err = ferr
	}
	return err
}

// Close sends the close frame, or drops the connection for the codes that
// may not be sent.
func (t *wsTransport) Close(code int, reason string) {
	if code == hub.CodeAbnormal || code < 1000 {
		t.ws.CloseNow()
		return
	}
	t.ws.Close(websocket.StatusCode(code), reason)
}

// corkingWriter hands websocket.Accept a hijacked connection wrapped in a
// corkConn, with the server's buffers reused.
type corkingWriter struct {
	http.ResponseWriter
	cork *corkConn
}

// Hijack implements http.Hijacker.
func (w *corkingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: response writer cannot hijack")
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetWriteBuffer(wsSendBuffer)
	}
	w.cork = &corkConn{Conn: conn}
	// net/http's 4 KiB buffers are larger than client frames need, and
	// writes gather in the cork anyway; smaller ones keep an idle
	// connection cheap. Bytes the client sent right after the upgrade
	// stay buffered in the new reader.
	pending, _ := brw.Reader.Peek(brw.Reader.Buffered())
	pending = bytes.Clone(pending)
	var src io.Reader = w.cork
	if len(pending) > 0 {
		src = io.MultiReader(bytes.NewReader(pending), w.cork)
	}
	r := bufio.NewReaderSize(src, max(wsBufferSize, len(pending)))
	if len(pending) > 0 {
		if _, err := r.Peek(len(pending)); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return w.cork, bufio.NewReadWriter(r, bufio.NewWriterSize(w.cork, wsBufferSize)), nil
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *corkingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// corkConn passes writes through, except between hold and release, when it
// collects them and sends them together.
type corkConn struct {
	net.Conn
	mu       sync.Mutex // held during network writes too, so bytes never interleave
	held     bool
	buf      *[]byte
	deadline time.Time
}

// armDeadline makes sure the coming write fails if it takes too long.
// Moving a socket's deadline costs a timer update, so it moves only when
// less than half the timeout is left: a stuck write fails within 5 to 10 s.
func (c *corkConn) armDeadline() {
	now := time.Now()
	if c.deadline.Sub(now) < wsWriteTimeout/2 {
		c.deadline = now.Add(wsWriteTimeout)
		c.Conn.SetWriteDeadline(c.deadline)
	}
}

// corkBufs recycles batch buffers: an idle connection holds none.
var corkBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// Write implements net.Conn.
func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held {
		if c.buf == nil {
			c.buf = corkBufs.Get().(*[]byte)
		}
		*c.buf = append(*c.buf, p...)
		return len(p), nil
	}
	c.armDeadline()
	return c.Conn.Write(p)
}

func (c *corkConn) hold() {
	c.mu.Lock()
	c.held = true
	c.mu.Unlock()
}

// release sends what was collected under a write deadline.
func (c *corkConn) release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = false
	if c.buf == nil {
		return nil
	}
	c.armDeadline()
	_, err := c.Conn.Write(*c.buf)
	// Huge batches are rare; do not let one pin its memory in the pool.
	if cap(*c.buf) <= 256<<10 {
		*c.buf = (*c.buf)[:0]
		corkBufs.Put(c.buf)
	}
	c.buf = nil
	return err
}
