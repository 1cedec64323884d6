package server

// The transport: how the hub's frames reach one WebSocket. The box writes
// its text frames itself, straight to the socket: a server's frames are
// unmasked, so a frame is a 2 to 10 byte header and the payload the hub
// encoded once for every connection. The library still reads, answers
// pings and closes; its control frames go through the same connection,
// one whole frame per write, under the same lock as ours.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"rms/hub"
)

// wsTransport writes the hub's frames to one WebSocket. The hub calls it
// from one goroutine at a time.
type wsTransport struct {
	ws *websocket.Conn
	fc *frameConn
}

// WriteFrames implements hub.Transport: the frames leave as text messages
// in one system call, under a write deadline.
func (t *wsTransport) WriteFrames(frames [][]byte) error {
	return t.fc.writeFrames(frames)
}

// TryWriteFrames implements hub.TryWriter.
func (t *wsTransport) TryWriteFrames(frames [][]byte) (took, done bool, err error) {
	return t.fc.tryWriteFrames(frames)
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

// hijackWriter hands websocket.Accept a hijacked connection wrapped in a
// frameConn, with small buffers.
type hijackWriter struct {
	http.ResponseWriter
	fc *frameConn
}

// Hijack implements http.Hijacker.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: response writer cannot hijack")
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.fc = &frameConn{Conn: conn}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetWriteBuffer(wsSendBuffer)
		if raw, err := tc.SyscallConn(); err == nil {
			w.fc.raw = raw
		}
	}
	// net/http's 4 KiB buffers are larger than client frames need; the
	// library writes only control frames (at most 131 bytes) and our own
	// frames bypass it. Bytes the client sent right after the upgrade
	// stay buffered in the new reader.
	pending, _ := brw.Reader.Peek(brw.Reader.Buffered())
	pending = bytes.Clone(pending)
	var src io.Reader = w.fc
	if len(pending) > 0 {
		src = io.MultiReader(bytes.NewReader(pending), w.fc)
	}
	r := bufio.NewReaderSize(src, max(wsBufferSize, len(pending)))
	if len(pending) > 0 {
		if _, err := r.Peek(len(pending)); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return w.fc, bufio.NewReadWriter(r, bufio.NewWriterSize(w.fc, wsControlBufferSize)), nil
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wsControlBufferSize holds the largest control frame the library writes
// (2 header bytes and 125 of payload), so each leaves in one Write.
const wsControlBufferSize = 128

// frameConn is the hijacked connection. Its lock orders whole frames: the
// library's (one control frame per Write) and the hub's batches.
type frameConn struct {
	net.Conn
	raw syscall.RawConn // nil when the connection has no file descriptor

	mu sync.Mutex // held while writing, so frames never interleave
	// rest is what a write without waiting left over; it goes out before
	// anything else.
	rest     *[]byte
	restAt   int
	closed   bool // the library sent its close frame: no frame may follow
	deadline time.Time
	// For tryWriteFrames' system call, set up once per connection so
	// that a write allocates nothing.
	tryBuf []byte
	tryN   int
	tryErr error
	tryFn  func(fd uintptr) bool
}

// frameBufs recycles batch buffers: an idle connection holds none.
var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// putFrameBuf returns b to the pool unless a huge batch grew it.
func putFrameBuf(b *[]byte) {
	if cap(*b) <= 256<<10 {
		*b = (*b)[:0]
		frameBufs.Put(b)
	}
}

// appendFrames appends each payload as one unfragmented text frame.
func appendFrames(b []byte, frames [][]byte) []byte {
	for _, p := range frames {
		n := len(p)
		switch {
		case n < 126:
			b = append(b, 0x81, byte(n))
		case n <= 0xffff:
			b = append(b, 0x81, 126)
			b = binary.BigEndian.AppendUint16(b, uint16(n))
		default:
			b = append(b, 0x81, 127)
			b = binary.BigEndian.AppendUint64(b, uint64(n))
		}
		b = append(b, p...)
	}
	return b
}

// armDeadline makes sure a write that waits fails if it takes too long.
// Moving a socket's deadline costs a timer update, so it moves only when
// less than half the timeout is left: a stuck write fails within 5 to 10 s.
func (c *frameConn) armDeadline() {
	now := time.Now()
	if c.deadline.Sub(now) < wsWriteTimeout/2 {
		c.deadline = now.Add(wsWriteTimeout)
		c.Conn.SetWriteDeadline(c.deadline)
	}
}

// flushRestLocked writes what a write without waiting left over, waiting
// as long as the deadline lets it.
func (c *frameConn) flushRestLocked() error {
	if c.rest == nil {
		return nil
	}
	c.armDeadline()
	_, err := c.Conn.Write((*c.rest)[c.restAt:])
	putFrameBuf(c.rest)
	c.rest, c.restAt = nil, 0
	return err
}

// Write implements net.Conn for the library: one control frame per call
// (its buffer holds a whole one and it flushes after each).
func (c *frameConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	if err := c.flushRestLocked(); err != nil {
		return 0, err
	}
	if len(p) > 0 && p[0]&0x0f == 0x8 {
		c.closed = true
	}
	c.armDeadline()
	return c.Conn.Write(p)
}

// writeFrames writes frames after what was left over, waiting as long as
// the deadline lets it.
func (c *frameConn) writeFrames(frames [][]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		// Nothing may follow the close frame; the read loop ends the
		// connection with the peer's code.
		return nil
	}
	if err := c.flushRestLocked(); err != nil || len(frames) == 0 {
		return err
	}
	buf := frameBufs.Get().(*[]byte)
	*buf = appendFrames(*buf, frames)
	c.armDeadline()
	_, err := c.Conn.Write(*buf)
	putFrameBuf(buf)
	return err
}

// tryWriteFrames writes frames with one system call that does not wait
// (see hub.TryWriter). It does not take the frames when it would wait for
// the lock: the library is writing, maybe to a full socket.
func (c *frameConn) tryWriteFrames(frames [][]byte) (took, done bool, err error) {
	if c.raw == nil || !c.mu.TryLock() {
		return false, false, nil
	}
	defer c.mu.Unlock()
	if c.closed {
		return true, true, nil
	}
	if c.rest != nil {
		return false, false, nil
	}
	if !c.deadline.IsZero() {
		// A deadline that passed would fail this write too.
		c.armDeadline()
	}
	buf := frameBufs.Get().(*[]byte)
	*buf = appendFrames(*buf, frames)
	if c.tryFn == nil {
		c.tryFn = c.writeOnce
	}
	c.tryBuf = *buf
	err = c.raw.Write(c.tryFn)
	n := c.tryN
	if err == nil {
		err = c.tryErr
	}
	c.tryBuf, c.tryN, c.tryErr = nil, 0, nil
	if err != nil {
		putFrameBuf(buf)
		return true, false, err
	}
	if n == len(*buf) {
		putFrameBuf(buf)
		return true, true, nil
	}
	c.rest, c.restAt = buf, n
	return true, false, nil
}

// writeOnce is the system call of tryWriteFrames: one write of tryBuf on
// the non-blocking socket. A full socket (EAGAIN) or a signal (EINTR) is
// a short write, not an error.
func (c *frameConn) writeOnce(fd uintptr) bool {
	n, err := syscall.Write(int(fd), c.tryBuf)
	if n < 0 {
		n = 0
	}
	if err == syscall.EAGAIN || err == syscall.EINTR {
		err = nil
	}
	c.tryN, c.tryErr = n, err
	return true
}
