package httpapi

import (
	"io"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/files"
)

// registerFiles: the platform's one upload endpoint. A form with attachments uploads
// each file first (it is stored pending, checked by content against its kind's
// policy) and then submits the file IDs with the form; the capability attaches them
// to its object in the object's transaction. Downloads go through each capability's
// own endpoints, which authorise the object (sendFile).
func (s *Server) registerFiles() {
	s.upload("POST", "/api/v1/files", "", s.uploadFile)
}

// upload registers an authenticated endpoint that takes a multipart file: its body
// may be as large as the file store allows, not only http.body_limit.
func (s *Server) upload(method, path, perm string, h fiber.Handler) {
	s.handle(method, path, Route{Perm: perm, Upload: true}, s.authenticate(method, path, perm), h)
}

func (s *Server) uploadFile(c *fiber.Ctx) error {
	if s.Files == nil {
		return apperr.New(apperr.KindUnavailable, "files.not_configured")
	}
	kind := c.Query("kind")
	pol, ok := s.Files.Policy(kind)
	if !ok || pol.UploadPerm == "" {
		return apperr.Invalid("validation_failed").WithField("kind", "files.unknown_kind")
	}
	a := actorOf(c)
	if !s.Enforcer.Allowed(a.UserID, a.TenantPath, pol.UploadPerm) {
		return apperr.Forbidden("forbidden")
	}
	up, closeFn, err := formUpload(c, kind)
	if err != nil {
		return err
	}
	defer closeFn()
	f, err := s.Files.Put(c.UserContext(), a, up)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fileJSON(f))
}

// formUpload reads the multipart field "file" of the request.
func formUpload(c *fiber.Ctx, kind string) (files.Upload, func(), error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return files.Upload{}, nil, apperr.Invalid("validation_failed").WithField("file", "required")
	}
	r, err := fh.Open()
	if err != nil {
		return files.Upload{}, nil, apperr.Wrap(err, apperr.KindBadRequest, "files.unreadable")
	}
	return files.Upload{Kind: kind, Name: fh.Filename, Body: r}, func() { _ = r.Close() }, nil
}

// fileJSON is how the API shows a file (never its blob key).
func fileJSON(f *files.File) fiber.Map {
	return fiber.Map{"id": f.ID, "kind": f.Kind, "name": f.Name, "media_type": f.MediaType, "size": f.Size,
		"sha256": f.Digest(), "created_at": f.CreatedAt}
}

// sendFile streams a stored file the caller has been authorised to read (through the
// object it is attached to) as a download: the stored media type, never sniffed by
// the browser, never rendered as a page of ours.
func (s *Server) sendFile(c *fiber.Ctx, f *files.File) error {
	r, err := s.Files.Open(c.UserContext(), f)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, f.MediaType)
	c.Set(fiber.HeaderContentDisposition, files.ContentDisposition(f.Name))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "sandbox; default-src 'none'")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-SHA256", f.Digest())
	c.Set(fiber.HeaderContentLength, strconv.FormatInt(f.Size, 10))
	return c.SendStream(struct{ io.ReadCloser }{r}, int(f.Size))
}

func init() {
	apperr.Register("files.not_configured", "文件存储未配置", "The file store is not configured")
	apperr.Register("files.unknown_kind", "未知的文件用途", "Unknown kind of file")
}
