// Package print turns kitchen tickets, bills, receipts and test pages into
// ESC/POS bytes and sends the print queue the store keeps to network
// printers (raw TCP, usually port 9100), once each, in order.
//
// The encoder is ours and small: the Go ESC/POS packages we looked at need
// cgo iconv for code pages or carry image and barcode code we do not use.
// It speaks the handful of commands below, which every Epson-compatible
// thermal printer understands, and encodes text in code page 858 (PC858:
// code page 850 with the euro sign) through golang.org/x/text.
package print

import (
	"bytes"

	"golang.org/x/text/encoding/charmap"
)

// The ESC/POS commands the encoder uses, by name.
var (
	CmdInit      = []byte{0x1B, '@'}     // ESC @: reset the printer to its power-on settings
	CmdCodePage  = []byte{0x1B, 't'}     // ESC t n: select character code table n
	CmdAlign     = []byte{0x1B, 'a'}     // ESC a n: justify 0 left, 1 centre, 2 right
	CmdBold      = []byte{0x1B, 'E'}     // ESC E n: emphasized off (0) or on (1)
	CmdSize      = []byte{0x1D, '!'}     // GS ! n: character size, (width-1)<<4 | (height-1)
	CmdReverse   = []byte{0x1D, 'B'}     // GS B n: white on black off (0) or on (1)
	CmdFeedLines = []byte{0x1B, 'd'}     // ESC d n: print and feed n lines
	CmdCut       = []byte{0x1D, 'V', 66} // GS V 66 n: feed n dots to the cutter, then partial cut
	CmdLineFeed  = []byte{0x0A}          // LF: print the line and feed one
	CmdStatus    = []byte{0x10, 0x04}    // DLE EOT n: send real-time status n (2 offline cause, 4 paper)
)

const (
	// CodePagePC858 is ESC t's number for PC858 (Latin-1 with the euro sign).
	CodePagePC858 = 19
	cutFeedDots   = 3   // a little paper after the last line, before the cut
	replacement   = '?' // for a character PC858 does not have
	maxSize       = 8   // GS ! takes widths and heights of 1 to 8
)

// codePage is the table CodePagePC858 selects.
var codePage = charmap.CodePage858

// Justifications of ESC a.
const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Align is a justification of ESC a.
type Align byte

// Encoder builds the ESC/POS bytes of one print. The zero value is not
// ready: use NewEncoder, which resets the printer and selects PC858.
type Encoder struct {
	buf bytes.Buffer
}

// NewEncoder starts a print: reset, then code page PC858.
func NewEncoder() *Encoder {
	e := &Encoder{}
	e.buf.Write(CmdInit)
	e.cmd(CmdCodePage, CodePagePC858)
	return e
}

func (e *Encoder) cmd(c []byte, args ...byte) *Encoder {
	e.buf.Write(c)
	e.buf.Write(args)
	return e
}

// Align sets the justification of the lines that follow.
func (e *Encoder) Align(a Align) *Encoder { return e.cmd(CmdAlign, byte(a)) }

// Bold turns emphasized printing on or off.
func (e *Encoder) Bold(on bool) *Encoder { return e.cmd(CmdBold, boolByte(on)) }

// Reverse turns white-on-black printing on or off.
func (e *Encoder) Reverse(on bool) *Encoder { return e.cmd(CmdReverse, boolByte(on)) }

// Size sets the character width and height multipliers (1 to 8).
func (e *Encoder) Size(w, h int) *Encoder {
	w, h = min(max(w, 1), maxSize), min(max(h, 1), maxSize)
	return e.cmd(CmdSize, byte((w-1)<<4|(h-1)))
}

// Text writes s in PC858; a character the code page lacks prints as '?',
// and control characters are dropped so text can never issue a command.
func (e *Encoder) Text(s string) *Encoder {
	for _, r := range s {
		if r < 0x20 || r == 0x7F {
			continue
		}
		b, ok := codePage.EncodeRune(r)
		if !ok {
			b = replacement
		}
		e.buf.WriteByte(b)
	}
	return e
}

// Line writes s and ends the line.
func (e *Encoder) Line(s string) *Encoder {
	e.Text(s)
	e.buf.Write(CmdLineFeed)
	return e
}

// Feed prints and feeds n blank lines.
func (e *Encoder) Feed(n int) *Encoder { return e.cmd(CmdFeedLines, byte(min(max(n, 0), 255))) }

// Cut feeds the paper to the cutter and cuts it.
func (e *Encoder) Cut() *Encoder { return e.cmd(CmdCut, cutFeedDots) }

// Bytes returns the print so far.
func (e *Encoder) Bytes() []byte { return e.buf.Bytes() }

// Encodable reports whether PC858 has every character of s.
func Encodable(s string) bool {
	for _, r := range s {
		if _, ok := codePage.EncodeRune(r); !ok {
			return false
		}
	}
	return true
}
