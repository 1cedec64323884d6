// Package phototest makes pictures for tests that Go's standard library
// cannot encode.
package phototest

import (
	"encoding/binary"
	"image/color"
)

// bitWriter packs bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf  []byte
	n    uint
	bits uint64
}

func (w *bitWriter) write(v uint64, n uint) {
	w.bits |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.bits))
		w.bits >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.bits))
	}
	return w.buf
}

// WebP builds a lossless WebP (VP8L) of w×h pixels of one colour, by
// hand: Go has no WebP encoder. Each of the five prefix codes is a "simple"
// code of one symbol, which takes zero bits per pixel, so the bitstream is
// the header and the codes alone.
func WebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8) // VP8L signature
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(0, 1) // alpha is not used
	bw.write(0, 3) // version 0
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	simple := func(symbol uint8) {
		bw.write(1, 1) // a simple code
		bw.write(0, 1) // of one symbol
		bw.write(1, 1) // of eight bits
		bw.write(uint64(symbol), 8)
	}
	simple(c.G)
	simple(c.R)
	simple(c.B)
	simple(c.A)
	simple(0) // distance
	data := bw.bytes()
	chunk := append([]byte("VP8L"), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	chunk = append(chunk, data...)
	if len(data)%2 == 1 {
		chunk = append(chunk, 0)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(chunk)))...)
	out = append(out, "WEBP"...)
	return append(out, chunk...)
}
