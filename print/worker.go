package print

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"rms/store"
)

// Options configure a Worker; zero durations take the defaults.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// Dial connects to a printer; nil means a net.Dialer with DialTimeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialTimeout bounds a connection attempt (default 3 s).
	DialTimeout time.Duration
	// SendTimeout bounds writing a job and the printer closing after it
	// (default 15 s).
	SendTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts while a
	// printer cannot be reached (defaults 1 s and 15 s, doubling).
	MinBackoff, MaxBackoff time.Duration
	// StatusTimeout bounds the wait for the answer to a status request
	// (DLE EOT) before each print; a printer that does not answer prints
	// anyway (default 500 ms).
	StatusTimeout time.Duration
	// Probe is how often an idle printer is checked, so that one switched
	// off shows before the next ticket (default 30 s).
	Probe time.Duration
	// Poll is how often the printer list is read again without a wake-up
	// from the store (default 5 s).
	Poll time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Worker sends the store's print queue to the printers: one goroutine per
// enabled printer, each sending that printer's jobs one at a time, oldest
// first.
//
// When does the printer "take" a job? A network printer on port 9100 says
// nothing back; the worker counts a job taken once every byte was written,
// its end of the connection shut, and the printer closed its end (having
// read everything) within SendTimeout. Only then is the job marked printed,
// and it is never sent again. Before the first byte goes out the job is
// marked as being sent; a job found so later (the box died, or the send
// failed halfway) is sent again headed "REPEAT: MAY BE A DUPLICATE". So a
// job is lost never, and printed twice only if the box dies in the moment
// between the printer closing and the printed mark committing (one fsync),
// or a connection breaks after the printer got the bytes; then the second
// copy says it may be one.
type Worker struct {
	opts Options
	log  *slog.Logger
}

// New returns a worker; Run starts it.
func New(opts Options) *Worker {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 3 * time.Second
	}
	if opts.Dial == nil {
		d := &net.Dialer{Timeout: opts.DialTimeout}
		opts.Dial = d.DialContext
	}
	if opts.SendTimeout == 0 {
		opts.SendTimeout = 15 * time.Second
	}
	if opts.MinBackoff == 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 15 * time.Second
	}
	if opts.StatusTimeout == 0 {
		opts.StatusTimeout = 500 * time.Millisecond
	}
	if opts.Probe == 0 {
		opts.Probe = 30 * time.Second
	}
	if opts.Poll == 0 {
		opts.Poll = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Worker{opts: opts, log: opts.Logger}
}

// loop is the goroutine of one printer.
type loop struct {
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}
}

// Run sends jobs until ctx ends, then waits for every send under way to
// finish (at most SendTimeout) and returns nil.
func (w *Worker) Run(ctx context.Context) error {
	loops := map[int64]*loop{}
	defer func() {
		for _, l := range loops {
			l.cancel()
		}
		for _, l := range loops {
			<-l.done
		}
	}()
	tick := time.NewTicker(w.opts.Poll)
	defer tick.Stop()
	for {
		printers, _, err := w.opts.Store.Printers(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("print: listing printers", "err", err)
		}
		want := map[int64]bool{}
		for _, p := range printers {
			if p.Enabled {
				want[p.ID] = true
			}
		}
		for id, l := range loops {
			select {
			case <-l.done:
				delete(loops, id)
				continue
			default:
			}
			if !want[id] {
				l.cancel()
				<-l.done
				delete(loops, id)
			}
		}
		for id := range want {
			if l, ok := loops[id]; ok {
				select {
				case l.wake <- struct{}{}:
				default:
				}
				continue
			}
			lctx, cancel := context.WithCancel(ctx)
			l := &loop{cancel: cancel, wake: make(chan struct{}, 1), done: make(chan struct{})}
			loops[id] = l
			go func() {
				defer close(l.done)
				w.printer(lctx, id, l.wake)
			}()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.opts.Store.PrintWake():
		case <-tick.C:
		}
	}
}

// printer sends one printer's jobs in order, probes it while idle, and
// backs off while it cannot be reached. It returns when ctx ends or the
// printer is gone.
func (w *Worker) printer(ctx context.Context, id int64, wake <-chan struct{}) {
	var backoff time.Duration
	var lastProbe time.Time
	for ctx.Err() == nil {
		p, err := w.opts.Store.Printer(ctx, id)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
				w.log.Error("print: reading printer", "printer", id, "err", err)
			}
			return
		}
		wait := w.opts.Probe
		job, err := w.opts.Store.NextPrintJob(ctx, id)
		switch {
		case err == nil:
			if w.send(ctx, p, job) {
				backoff = 0
				continue
			}
			backoff = w.next(backoff)
			wait = backoff
		case errors.Is(err, store.ErrNotFound):
			// Idle: check the printer now and then, and sooner while it is
			// not known to be fine.
			since := w.opts.Now().Sub(lastProbe)
			if since >= w.opts.Probe || (p.Status != store.PrinterOK && since >= backoff) {
				lastProbe = w.opts.Now()
				if w.probe(ctx, p) {
					backoff = 0
				} else {
					backoff = w.next(backoff)
					wait = backoff
				}
			} else if p.Status != store.PrinterOK {
				wait = backoff - since
			} else {
				wait = w.opts.Probe - since
			}
		default:
			if ctx.Err() != nil {
				return
			}
			w.log.Error("print: reading the queue", "printer", id, "err", err)
			backoff = w.next(backoff)
			wait = backoff
		}
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

func (w *Worker) next(b time.Duration) time.Duration {
	if b == 0 {
		return w.opts.MinBackoff
	}
	return min(2*b, w.opts.MaxBackoff)
}

// status records what the worker found about a printer.
func (w *Worker) status(p store.Printer, status, msg string) {
	if p.Status == status && p.StatusMessage == msg {
		return
	}
	// Not the loop's context: a status found just before shutdown is true.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.opts.Store.SetPrinterStatus(ctx, p.ID, status, msg); err != nil && !errors.Is(err, store.ErrNotFound) {
		w.log.Error("print: recording printer status", "printer", p.ID, "err", err)
		return
	}
	if status != store.PrinterOK {
		w.log.Warn("printer not printing", "printer", p.Name, "address", p.Address, "status", status, "reason", msg)
	} else if p.Status != store.PrinterOK {
		w.log.Info("printer back", "printer", p.Name, "address", p.Address)
	}
}

func (w *Worker) dial(ctx context.Context, p store.Printer) (net.Conn, bool) {
	dctx, cancel := context.WithTimeout(ctx, w.opts.DialTimeout)
	defer cancel()
	conn, err := w.opts.Dial(dctx, "tcp", p.Address)
	if err != nil {
		if ctx.Err() == nil {
			w.status(p, store.PrinterOffline, "cannot reach "+p.Address+": "+reason(err))
		}
		return nil, false
	}
	return conn, true
}

// probe connects to an idle printer and hangs up, to know it is there.
func (w *Worker) probe(ctx context.Context, p store.Printer) bool {
	conn, ok := w.dial(ctx, p)
	if !ok {
		return false
	}
	defer conn.Close()
	if problem := askStatus(conn, w.opts.Now().Add(w.opts.StatusTimeout)); problem != "" {
		w.status(p, store.PrinterError, problem)
		return false
	}
	w.status(p, store.PrinterOK, "")
	return true
}

// askStatus asks the printer why it might not print (DLE EOT 2: offline
// cause; DLE EOT 4: paper) and returns the problem in words, or "" when
// there is none or the printer does not answer by deadline.
func askStatus(conn net.Conn, deadline time.Time) string {
	if err := conn.SetDeadline(deadline); err != nil {
		return ""
	}
	req := append(append(append([]byte{}, CmdStatus...), 2), append(append([]byte{}, CmdStatus...), 4)...)
	if _, err := conn.Write(req); err != nil {
		return ""
	}
	var b [2]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		return ""
	}
	// A status byte has bits 1 and 4 set and bits 0 and 7 clear; anything
	// else is not an answer to this question.
	for _, x := range b {
		if x&0x93 != 0x12 {
			return ""
		}
	}
	switch {
	case b[0]&0x04 != 0:
		return "the cover is open"
	case b[0]&0x20 != 0 || b[1]&0x60 == 0x60:
		return "out of paper"
	case b[0]&0x40 != 0:
		return "the printer reports an error (a paper jam, or the cutter)"
	}
	return ""
}

// send sends one job and reports whether the queue may move on (printed,
// or dropped because it cannot print or was cancelled).
func (w *Worker) send(ctx context.Context, p store.Printer, job store.PrintJob) bool {
	// Marks after the first byte went out must land even when ctx ends.
	bg := context.WithoutCancel(ctx)
	data, err := Render(job.Doc, int(p.WidthChars), job.Attempts > 0)
	if err != nil {
		w.log.Error("print: job cannot be rendered; dropped", "job", job.ID, "err", err)
		if err := w.opts.Store.MarkPrintJobFailed(bg, job.ID, err.Error()); err != nil && !errors.Is(err, store.ErrNotFound) {
			w.log.Error("print: marking job failed", "job", job.ID, "err", err)
			return false
		}
		return true
	}
	conn, ok := w.dial(ctx, p)
	if !ok {
		return false
	}
	defer conn.Close()
	// Out of paper or open: the job waits, nothing is sent, nothing doubles.
	if problem := askStatus(conn, w.opts.Now().Add(w.opts.StatusTimeout)); problem != "" {
		w.status(p, store.PrinterError, problem)
		return false
	}
	if err := w.opts.Store.MarkPrintJobSending(ctx, job.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return true // cancelled meanwhile
		}
		if ctx.Err() == nil {
			w.log.Error("print: marking job sending", "job", job.ID, "err", err)
		}
		return false
	}
	if err := deliver(conn, data, w.opts.Now().Add(w.opts.SendTimeout)); err != nil {
		w.status(p, store.PrinterError, "printing failed: "+reason(err))
		if err := w.opts.Store.MarkPrintJobRetry(bg, job.ID, err.Error()); err != nil && !errors.Is(err, store.ErrNotFound) {
			w.log.Error("print: marking job for retry", "job", job.ID, "err", err)
		}
		return false
	}
	if err := w.opts.Store.MarkPrintJobPrinted(bg, job.ID, w.opts.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		// Left as sending: sent again after a restart, marked as a repeat.
		w.log.Error("print: marking job printed", "job", job.ID, "err", err)
		return false
	}
	w.status(p, store.PrinterOK, "")
	return true
}

// deliver writes data, shuts the sending side and waits for the printer
// to close its side: the sign that it read everything.
func deliver(conn net.Conn, data []byte, deadline time.Time) error {
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	if _, err := conn.Write(data); err != nil {
		return err
	}
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return err
		}
	}
	// Whatever a printer sends back (status bytes) is not needed here.
	if _, err := io.Copy(io.Discard, conn); err != nil {
		return fmt.Errorf("the printer did not finish: %w", err)
	}
	return nil
}

// reason shortens a network error to what a person can act on.
func reason(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer (switched off, or a wrong address?)"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused (is it on? is the port right?)"
	case strings.Contains(err.Error(), "no route to host"), strings.Contains(err.Error(), "host is unreachable"):
		return "no route to host"
	case strings.Contains(err.Error(), "connection reset"), strings.Contains(err.Error(), "broken pipe"):
		return "the printer dropped the connection"
	case strings.Contains(err.Error(), "no such host"):
		return "unknown host name"
	}
	return err.Error()
}
