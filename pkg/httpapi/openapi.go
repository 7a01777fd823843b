package httpapi

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// OpenAPI is the API contract, served at /api/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

func (s *Server) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(OpenAPI)
}
