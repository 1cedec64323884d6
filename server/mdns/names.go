package mdns

// DNS labels: escaping an instance name as miekg/dns prints it, cutting it
// to a label's length, and checking a host label.

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// escapeLabel writes one label the way miekg/dns prints a received name, so
// that zeroconf's byte-for-byte comparison matches queries that use the
// name's exact case, and packing restores the original bytes.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(`. '@;()"\`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// truncateLabel cuts s to the 63 bytes a DNS label holds, at a character
// boundary.
func truncateLabel(s string) string {
	if len(s) <= 63 {
		return s
	}
	cut := 63
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func validHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
