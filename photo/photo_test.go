package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"rms/photo/phototest"
)

// testPicture is a w×h picture, red on its left half and blue on its right,
// so that scaling, cropping and turning can be checked by colour.
func testPicture(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.NRGBA{20, 20, 220, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF APP1 segment with orientation o right
// after the JPEG's SOI marker, as a camera writes it.
func withOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08") // big endian, IFD0 at 8
	tiff = binary.BigEndian.AppendUint16(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.BigEndian.AppendUint16(tiff, 3) // SHORT
	tiff = binary.BigEndian.AppendUint32(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // value padding, no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// pngClaiming is a valid PNG header that claims w×h pixels.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	b := encodePNG(t, testPicture(2, 2))
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func decoded(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("stored bytes are not a JPEG: %v", err)
	}
	return img
}

func near(c color.Color, r, g, b uint8) bool {
	cr, cg, cb, _ := c.RGBA()
	d := func(a uint32, want uint8) bool { v := int(a>>8) - int(want); return v > -40 && v < 40 }
	return d(cr, r) && d(cg, g) && d(cb, b)
}

func TestProcess(t *testing.T) {
	transparent := image.NewNRGBA(image.Rect(0, 0, 50, 40)) // all alpha 0
	tests := []struct {
		name           string
		data           []byte
		fullW, fullH   int
		thumb          int
		left, right    [3]uint8 // colours at the full picture's left and right middle
		checkThumbSize bool
	}{
		{"a large JPEG", encodeJPEG(t, testPicture(1250, 500)), 1200, 480, 400, [3]uint8{220, 20, 20}, [3]uint8{20, 20, 220}, true},
		{"a tall PNG", encodePNG(t, testPicture(100, 1300)), 92, 1200, 100, [3]uint8{220, 20, 20}, [3]uint8{20, 20, 220}, true},
		{"a small PNG stays small", encodePNG(t, testPicture(300, 200)), 300, 200, 200, [3]uint8{220, 20, 20}, [3]uint8{20, 20, 220}, true},
		{"a transparent PNG on white", encodePNG(t, transparent), 50, 40, 40, [3]uint8{255, 255, 255}, [3]uint8{255, 255, 255}, true},
		{"a WebP", phototest.WebP(640, 480, color.NRGBA{30, 160, 40, 255}), 640, 480, 400, [3]uint8{30, 160, 40}, [3]uint8{30, 160, 40}, true},
		// Orientation 6: stored sideways, shown turned clockwise; red (left)
		// becomes the top, so the middle row is split top/bottom.
		{"a phone's portrait JPEG", withOrientation(encodeJPEG(t, testPicture(640, 480)), 6), 480, 640, 400, [3]uint8{}, [3]uint8{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Process(tt.data)
			if err != nil {
				t.Fatalf("Process() err = %v", err)
			}
			full, thumb := decoded(t, p.Full), decoded(t, p.Thumb)
			fb, tb := full.Bounds(), thumb.Bounds()
			if fb.Dx() != tt.fullW || fb.Dy() != tt.fullH || p.FullW != tt.fullW || p.FullH != tt.fullH {
				t.Errorf("Process() full = %v (%dx%d); want %dx%d", fb, p.FullW, p.FullH, tt.fullW, tt.fullH)
			}
			if tb.Dx() != tt.thumb || tb.Dy() != tt.thumb || p.ThumbW != tt.thumb {
				t.Errorf("Process() thumb = %v; want %dx%[2]d", tb, tt.thumb)
			}
			if tt.checkThumbSize {
				l, r := full.At(fb.Dx()/8, fb.Dy()/2), full.At(fb.Dx()*7/8, fb.Dy()/2)
				if !near(l, tt.left[0], tt.left[1], tt.left[2]) || !near(r, tt.right[0], tt.right[1], tt.right[2]) {
					t.Errorf("Process() full colours left %v right %v; want %v and %v", l, r, tt.left, tt.right)
				}
				return
			}
			top, bottom := full.At(fb.Dx()/2, fb.Dy()/8), full.At(fb.Dx()/2, fb.Dy()*7/8)
			if !near(top, 220, 20, 20) || !near(bottom, 20, 20, 220) {
				t.Errorf("a turned photo: top %v bottom %v; want red on top, blue below", top, bottom)
			}
		})
	}
}

func TestProcessRefusesWhatIsNotAPicture(t *testing.T) {
	jpg := encodeJPEG(t, testPicture(64, 64))
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("this is not a picture at all")},
		{"a GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")},
		{"a cut JPEG", jpg[:len(jpg)/2]},
		{"a JPEG header and noise", append(append([]byte{}, jpg[:20]...), bytes.Repeat([]byte{0x55}, 500)...)},
		{"a cut WebP", phototest.WebP(10, 10, color.NRGBA{1, 2, 3, 255})[:20]},
		{"a PNG claiming 60000x60000 pixels", pngClaiming(t, 60000, 60000)},
	}
	for _, tt := range tests {
		if _, err := Process(tt.data); !errors.Is(err, ErrNotImage) {
			t.Errorf("Process(%s) err = %v; want ErrNotImage", tt.name, err)
		}
	}
}

func TestExifOrientation(t *testing.T) {
	jpg := encodeJPEG(t, testPicture(8, 8))
	for o := uint16(1); o <= 8; o++ {
		if got := exifOrientation(withOrientation(jpg, o)); got != int(o) {
			t.Errorf("exifOrientation(tag %d) = %d", o, got)
		}
	}
	for _, b := range [][]byte{jpg, withOrientation(jpg, 9), withOrientation(jpg, 0), nil, {0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF}} {
		if got := exifOrientation(b); got != 1 {
			t.Errorf("exifOrientation(no or bad tag) = %d; want 1", got)
		}
	}
	// Every orientation lands the same picture upright: the corner that
	// the tag says is the top left ends up there.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range src.Pix {
		src.Pix[i] = byte(i)
	}
	for o := 1; o <= 8; o++ {
		out := orient(src, o)
		w, h := out.Bounds().Dx(), out.Bounds().Dy()
		if (o >= 5) != (w == 2 && h == 3) {
			t.Errorf("orient(%d) size %dx%d", o, w, h)
		}
	}
}

func FuzzProcess(f *testing.F) {
	f.Add([]byte{})
	f.Add(phototest.WebP(3, 2, color.NRGBA{1, 2, 3, 255}))
	var b bytes.Buffer
	png.Encode(&b, testPicture(4, 3))
	f.Add(b.Bytes())
	b.Reset()
	jpeg.Encode(&b, testPicture(4, 3), nil)
	f.Add(withOrientation(b.Bytes(), 6))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Process(data)
		if err != nil {
			if !errors.Is(err, ErrNotImage) {
				t.Fatalf("Process() err = %v; want ErrNotImage or nil", err)
			}
			return
		}
		if max(p.FullW, p.FullH) > MaxSide || p.ThumbW > ThumbSide || len(p.Full) == 0 || len(p.Thumb) == 0 {
			t.Fatalf("Process() = %dx%d, thumb %d; over the bounds", p.FullW, p.FullH, p.ThumbW)
		}
	})
}
