// Package photo turns an uploaded picture of a dish into what the box
// keeps: a JPEG of at most MaxSide pixels and a square thumbnail, both
// scaled with golang.org/x/image/draw. It also draws the demo menu's
// pictures. It reads no files and speaks no SQL.
package photo

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // registers PNG with image.Decode

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode

	"rms/store"
)

// Sizes of what is kept.
const (
	// MaxBytes is the largest upload accepted.
	MaxBytes = 8 << 20
	// MaxSide bounds the longer side of the stored picture.
	MaxSide = 1200
	// ThumbSide is the side of the square thumbnail.
	ThumbSide = 400
	// maxPixels refuses pictures whose decoded form would not fit in
	// memory on a small box (a "decompression bomb"): 50 megapixels is
	// more than any phone camera takes.
	maxPixels = 50_000_000
	quality   = 82
)

// ErrNotImage means the bytes are not a JPEG, PNG or WebP picture the box
// can read (or one too large to decode).
var ErrNotImage = errors.New("not a JPEG, PNG or WebP picture")

// Types are the Content-Types an upload may declare.
var Types = []string{"image/jpeg", "image/png", "image/webp"}

// Process decodes data (JPEG, PNG or WebP), turns it upright as its EXIF
// orientation says, and returns it scaled for the menu. It returns an error
// wrapping ErrNotImage for anything else.
func Process(data []byte) (store.Photo, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return store.Photo{}, fmt.Errorf("photo: %w", ErrNotImage)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return store.Photo{}, fmt.Errorf("photo: %dx%d pixels: %w", cfg.Width, cfg.Height, ErrNotImage)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return store.Photo{}, fmt.Errorf("photo: %w", ErrNotImage)
	}
	orientation := 1
	if format == "jpeg" {
		orientation = exifOrientation(data)
	}
	return build(img, orientation)
}

// FromImage scales img into the stored picture and its thumbnail.
func FromImage(img image.Image) (store.Photo, error) {
	return build(img, 1)
}

// build scales img and then turns the (much smaller) results upright as
// the EXIF orientation o says.
func build(img image.Image, o int) (store.Photo, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return store.Photo{}, fmt.Errorf("photo: empty picture: %w", ErrNotImage)
	}
	fw, fh := w, h
	if longer := max(w, h); longer > MaxSide {
		fw, fh = max(1, w*MaxSide/longer), max(1, h*MaxSide/longer)
	}
	full := scale(img, b, fw, fh)

	// The thumbnail is the centred square, so list tiles never letterbox.
	side := min(w, h)
	crop := image.Rect(b.Min.X+(w-side)/2, b.Min.Y+(h-side)/2, b.Min.X+(w-side)/2+side, b.Min.Y+(h-side)/2+side)
	ts := min(side, ThumbSide)
	thumb := scale(img, crop, ts, ts)
	full, thumb = orient(full, o), orient(thumb, o)
	if o >= 5 {
		fw, fh = fh, fw
	}

	var p store.Photo
	var err error
	if p.Full, err = encode(full); err != nil {
		return store.Photo{}, err
	}
	if p.Thumb, err = encode(thumb); err != nil {
		return store.Photo{}, err
	}
	p.FullW, p.FullH, p.ThumbW, p.ThumbH = fw, fh, ts, ts
	return p, nil
}

// scale draws the part r of src into a new w×h picture on white, so a
// transparent PNG does not turn black as a JPEG.
func scale(src image.Image, r image.Rectangle, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if r.Dx() == w && r.Dy() == h {
		draw.Draw(dst, dst.Bounds(), src, r.Min, draw.Over)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, r, draw.Over, nil)
	return dst
}

func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("photo: encode: %w", err)
	}
	return buf.Bytes(), nil
}
