package print_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"rms/print"
	"rms/print/printertest"
)

// FuzzDecode: the fake printer's decoder reads any byte stream without
// panicking, and counts exactly the cuts it names.
func FuzzDecode(f *testing.F) {
	f.Add(print.NewEncoder().Bold(true).Size(2, 2).Line("Table 4 €").Cut().Bytes())
	f.Add([]byte{0x1B})
	f.Add([]byte{0x1D, 'V', 66})
	f.Add([]byte("\x1bt\x13\xd5\n\x1dV\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := printertest.Decode(b)
		cuts := 0
		for _, c := range p.Commands {
			if c == "cut" {
				cuts++
			}
		}
		if cuts != p.Cuts {
			t.Fatalf("Cuts = %d; commands name %d", p.Cuts, cuts)
		}
	})
}

// FuzzText: whatever a guest or a cook types (item names, notes) prints as
// text and never as a command, and reads back as typed where PC858 has
// the characters.
func FuzzText(f *testing.F) {
	for _, s := range []string{"no onions", "Tiramisù €4", "\x1dV\x00cut!", "\x1b@", "日本語", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		p := printertest.Decode(print.NewEncoder().Line(s).Bytes())
		if len(p.Commands) != 2 || p.Commands[0] != "init" || p.Commands[1] != "codepage 19" {
			t.Fatalf("text %q issued commands %v", s, p.Commands)
		}
		if len(p.Lines) != 1 {
			t.Fatalf("text %q printed %d lines; want 1", s, len(p.Lines))
		}
		want := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7F {
				return -1
			}
			if !print.Encodable(string(r)) {
				return '?'
			}
			return r
		}, s)
		if p.Lines[0].Text != want {
			t.Fatalf("text %q printed as %q; want %q", s, p.Lines[0].Text, want)
		}
	})
}
