// Package console embeds the staff console and public portal built by `npm run build`.
//
// The Vue app in this directory compiles to dist/; the api server serves these files and falls
// back to index.html for any non-API path so deep links (/portal/410581, /users …) work.
// dist/.keep is committed so the Go build works before the first npm build.
package console

import (
	"embed"
	"io/fs"
)

// Dist holds the built files under the "dist/" prefix.
//
//go:embed all:dist
var Dist embed.FS

// Files returns the built files rooted at dist/, ready for http.FS or a static handler.
func Files() fs.FS {
	sub, err := fs.Sub(Dist, "dist")
	if err != nil {
		// fs.Sub only fails for an invalid path, and "dist" is a constant valid one.
		panic(err)
	}
	return sub
}

// Built reports whether dist/ holds a real build (index.html) rather than only the placeholder.
func Built() bool {
	_, err := fs.Stat(Files(), "index.html")
	return err == nil
}
