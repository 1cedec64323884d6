package printertest

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Printer is a fake network printer on loopback. Like a real one on port
// 9100 it reads a connection to its end, prints it and closes it.
type Printer struct {
	mu     sync.Mutex
	addr   string
	ln     net.Listener
	conns  map[net.Conn]bool
	prints []Print
	hold   bool          // accept but never read nor close: a jammed printer
	stop   chan struct{} // closed by Off: releases jammed connections

	noPaper, coverOpen, silent bool
	notify                     chan struct{}
	wg                         sync.WaitGroup
}

// Start starts a fake printer on a free loopback port.
func Start() (*Printer, error) {
	p := &Printer{addr: "127.0.0.1:0", conns: map[net.Conn]bool{}, notify: make(chan struct{}, 1)}
	if err := p.On(); err != nil {
		return nil, err
	}
	return p, nil
}

// Addr is the printer's "host:port"; it stays the same across Off and On.
func (p *Printer) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// On switches the printer on: it listens (again) on its address.
func (p *Printer) On() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.ln, p.addr = ln, ln.Addr().String()
	p.stop = make(chan struct{})
	p.wg.Add(1)
	go p.accept(ln, p.stop)
	return nil
}

// Off switches the printer off: it stops listening and drops every
// connection, so connecting is refused.
func (p *Printer) Off() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	for c := range p.conns {
		c.Close()
	}
	if ln != nil {
		close(p.stop)
	}
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	p.wg.Wait()
}

// Close switches the printer off for good.
func (p *Printer) Close() { p.Off() }

// Jam makes the printer accept connections but neither read nor close
// them (on), or behave again (off).
func (p *Printer) Jam(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold = on
}

func (p *Printer) accept(ln net.Listener, stop chan struct{}) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.ln != ln {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.conns[c] = true
		hold := p.hold
		p.mu.Unlock()
		p.wg.Add(1)
		go p.serve(c, hold, stop)
	}
}

func (p *Printer) serve(c net.Conn, hold bool, stop chan struct{}) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		c.Close()
	}()
	if hold {
		<-stop
		return
	}
	// A real printer prints whatever arrived, even from a connection cut
	// off halfway, and answers real-time status requests (DLE EOT n) as
	// they come; a probe (connect, perhaps a status request, close) prints
	// nothing.
	var b []byte
	buf := make([]byte, 4096)
	scanned := 0
	for {
		n, err := c.Read(buf)
		b = append(b, buf[:n]...)
		for ; scanned+2 < len(b); scanned++ {
			if b[scanned] == 0x10 && b[scanned+1] == 0x04 {
				if reply, ok := p.status(b[scanned+2]); ok {
					c.Write([]byte{reply})
				}
				scanned += 2
			}
		}
		if err != nil {
			break
		}
	}
	pr := Decode(b)
	if len(pr.Lines) == 0 && pr.Cuts == 0 {
		return
	}
	p.mu.Lock()
	p.prints = append(p.prints, pr)
	p.mu.Unlock()
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// SetPaper puts paper in (true) or takes it out (false): without paper the
// printer says so when asked (DLE EOT 2 and 4) and still reads what comes.
func (p *Printer) SetPaper(in bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noPaper = !in
}

// SetCoverOpen opens or closes the cover, reported by DLE EOT 2.
func (p *Printer) SetCoverOpen(open bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.coverOpen = open
}

// SetSilent makes the printer ignore status requests, as some do.
func (p *Printer) SetSilent(silent bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.silent = silent
}

// status is the reply byte to DLE EOT n, as an Epson-compatible printer
// sends it: bits 1 and 4 always set.
func (p *Printer) status(n byte) (byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.silent {
		return 0, false
	}
	b := byte(0x12)
	switch n {
	case 1:
		if p.noPaper || p.coverOpen {
			b |= 0x08 // offline
		}
	case 2:
		if p.coverOpen {
			b |= 0x04
		}
		if p.noPaper {
			b |= 0x20
		}
	case 3:
	case 4:
		if p.noPaper {
			b |= 0x60
		}
	default:
		return 0, false
	}
	return b, true
}

// Prints returns what was printed so far, in order.
func (p *Printer) Prints() []Print {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Print(nil), p.prints...)
}

// ErrTimeout is returned by Wait when too few prints came.
var ErrTimeout = errors.New("printertest: timed out waiting for prints")

// Wait waits until at least n prints came, for at most d.
func (p *Printer) Wait(n int, d time.Duration) ([]Print, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if got := p.Prints(); len(got) >= n {
			return got, nil
		}
		select {
		case <-p.notify:
		case <-deadline.C:
			got := p.Prints()
			if len(got) >= n {
				return got, nil
			}
			return got, ErrTimeout
		}
	}
}

// Conns counts the connections open right now.
func (p *Printer) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}
