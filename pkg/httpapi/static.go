package httpapi

import (
	"errors"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// console serves the embedded console: files as they are (hashed assets cached for a
// year, everything else revalidated), and index.html for any other GET so that deep
// links into the single-page app work. API paths never fall through to it.
func (s *Server) console(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return notFoundAPI(c)
	}
	p := c.Path()
	if isAPIPath(p) {
		return notFoundAPI(c)
	}
	if s.Console == nil {
		return consoleMissing(c)
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name != "" && name != "index.html" {
		b, err := fs.ReadFile(s.Console, name)
		if err == nil {
			if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
				c.Set(fiber.HeaderContentType, ct)
			}
			if strings.HasPrefix(name, "assets/") {
				c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
			} else {
				c.Set(fiber.HeaderCacheControl, "no-cache")
			}
			return c.Send(b)
		}
		var pe *fs.PathError
		if !errors.As(err, &pe) {
			return err
		}
		// A missing file with an extension is a real 404, not a page of the app.
		if strings.Contains(path.Base(name), ".") {
			return c.Status(fiber.StatusNotFound).SendString("not found")
		}
	}
	index, err := fs.ReadFile(s.Console, "index.html")
	if err != nil {
		return consoleMissing(c)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(index)
}

func consoleMissing(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(fiber.StatusServiceUnavailable).SendString(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>阳光施政平台</title>` +
		`<p>控制台尚未构建：请运行 <code>make console</code>（或 <code>make run</code>）。</p>` +
		`<p lang="en">The console has not been built: run <code>make console</code> (or <code>make run</code>).</p></html>`)
}
