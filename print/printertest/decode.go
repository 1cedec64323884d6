// Package printertest is a fake network ESC/POS printer for tests: a TCP
// listener on loopback that reads what the box sends, decodes it into lines
// of text and named commands, and can be switched off and on.
package printertest

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Line is one printed line with the style it was printed in.
type Line struct {
	Text    string
	Bold    bool
	Reverse bool
	Width   int // character width multiplier, 1 normal
	Height  int // character height multiplier, 1 normal
	Align   int // 0 left, 1 centre, 2 right
}

// Print is what one connection delivered, decoded.
type Print struct {
	Raw      []byte
	Lines    []Line
	Commands []string // "init", "codepage 19", "align 1", "bold 1", "size 2x2", "reverse 1", "feed 2", "cut", "status 1", ...
	Cuts     int
}

// Text is the printed lines joined by newlines.
func (p Print) Text() string {
	var b strings.Builder
	for i, l := range p.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

// Has reports whether a command was issued.
func (p Print) Has(cmd string) bool {
	for _, c := range p.Commands {
		if c == cmd {
			return true
		}
	}
	return false
}

// Find returns the first line whose text contains s.
func (p Print) Find(s string) (Line, bool) {
	for _, l := range p.Lines {
		if strings.Contains(l.Text, s) {
			return l, true
		}
	}
	return Line{}, false
}

// tables maps ESC t numbers to their character sets; unknown ones print
// as PC437, the power-on table.
var tables = map[byte]*charmap.Charmap{0: charmap.CodePage437, 2: charmap.CodePage850, 16: charmap.Windows1252, 19: charmap.CodePage858}

// Decode reads an ESC/POS stream the way a printer would. It never fails:
// a truncated command ends the print, an unknown one is recorded as
// "unknown XX YY".
func Decode(b []byte) Print {
	p := Print{Raw: b}
	table := charmap.CodePage437
	cur := Line{Width: 1, Height: 1}
	var text []byte
	flush := func() {
		var s strings.Builder
		for _, c := range text {
			s.WriteRune(table.DecodeByte(c))
		}
		l := cur
		l.Text = s.String()
		p.Lines = append(p.Lines, l)
		text = text[:0]
	}
	arg := func(i int) (byte, bool) {
		if i < len(b) {
			return b[i], true
		}
		return 0, false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case 0x0A:
			flush()
			continue
		case 0x0D:
			continue
		case 0x1B, 0x1D, 0x10:
		default:
			if c >= 0x20 {
				text = append(text, c)
			} else {
				p.Commands = append(p.Commands, fmt.Sprintf("unknown %02X", c))
			}
			continue
		}
		op, ok := arg(i + 1)
		if !ok {
			p.Commands = append(p.Commands, fmt.Sprintf("truncated %02X", c))
			break
		}
		n, hasN := arg(i + 2)
		need := func(name string) bool {
			if !hasN {
				p.Commands = append(p.Commands, "truncated "+name)
				i = len(b)
				return false
			}
			i += 2
			return true
		}
		switch {
		case c == 0x1B && op == '@':
			i++
			cur = Line{Width: 1, Height: 1}
			table = charmap.CodePage437
			p.Commands = append(p.Commands, "init")
		case c == 0x1B && op == 't':
			if need("codepage") {
				if t, ok := tables[n]; ok {
					table = t
				} else {
					table = charmap.CodePage437
				}
				p.Commands = append(p.Commands, fmt.Sprintf("codepage %d", n))
			}
		case c == 0x1B && op == 'a':
			if need("align") {
				cur.Align = int(n % 3)
				p.Commands = append(p.Commands, fmt.Sprintf("align %d", cur.Align))
			}
		case c == 0x1B && op == 'E':
			if need("bold") {
				cur.Bold = n&1 == 1
				p.Commands = append(p.Commands, fmt.Sprintf("bold %d", n&1))
			}
		case c == 0x1D && op == 'B':
			if need("reverse") {
				cur.Reverse = n&1 == 1
				p.Commands = append(p.Commands, fmt.Sprintf("reverse %d", n&1))
			}
		case c == 0x1D && op == '!':
			if need("size") {
				cur.Width, cur.Height = int(n>>4)+1, int(n&0x0F)+1
				p.Commands = append(p.Commands, fmt.Sprintf("size %dx%d", cur.Width, cur.Height))
			}
		case c == 0x1B && op == 'd':
			if need("feed") {
				if len(text) > 0 {
					flush()
				}
				for range n {
					flush()
				}
				p.Commands = append(p.Commands, fmt.Sprintf("feed %d", n))
			}
		case c == 0x1D && op == 'V':
			// GS V m (m 0, 1, 48, 49) or GS V m n (m 65, 66, 97..104).
			if !hasN {
				p.Commands = append(p.Commands, "truncated cut")
				i = len(b)
				break
			}
			if len(text) > 0 {
				flush()
			}
			switch {
			case n == 0 || n == 1 || n == 48 || n == 49:
				i += 2
			case i+3 < len(b):
				i += 3
			default:
				p.Commands = append(p.Commands, "truncated cut")
				i = len(b)
				continue
			}
			p.Cuts++
			p.Commands = append(p.Commands, "cut")
		case c == 0x10 && op == 0x04:
			if need("status") {
				p.Commands = append(p.Commands, fmt.Sprintf("status %d", n))
			}
		default:
			i++
			p.Commands = append(p.Commands, fmt.Sprintf("unknown %02X %02X", c, op))
		}
	}
	if len(text) > 0 {
		flush()
	}
	return p
}
