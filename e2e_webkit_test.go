package main

import (
	"testing"
	"time"
)

func TestWebKitSmoke(t *testing.T) {
	b := startBox(t, boxOptions{Demo: true})
	d := startWebKit(t)
	s := d.Open(t, 1180, 820)
	s.Navigate(b.URL + "/t/")
	s.Wait("pair screen", `!document.getElementById('pair').hidden`, 20*time.Second)
	t.Log(s.String(`location.href + ' ' + window.isSecureContext + ' ' + navigator.userAgent`))
	s.Shot("webkit-smoke")
}
