package main

import (
	"embed"
	"io/fs"
)

//go:embed all:web
var webFiles embed.FS

// webAssets returns the web/ folder as the root of an fs.FS.
func webAssets() fs.FS {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // cannot happen: "web" is embedded above
	}
	return sub
}
