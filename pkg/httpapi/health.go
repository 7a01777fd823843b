package httpapi

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/broker"
)

// healthz says the process is alive; it checks nothing else, so a database outage
// never makes Kubernetes restart healthy pods.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether this replica can serve: PostgreSQL and Redis both answer.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"postgres": "ok", "redis": "ok"}
	failed := ""
	if s.DB == nil {
		checks["postgres"], failed = "not configured", "postgres"
	} else if err := s.DB.Ping(ctx); err != nil {
		checks["postgres"], failed = "error: "+err.Error(), "postgres"
	}
	if s.Redis == nil {
		checks["redis"] = "not configured"
		failed = join(failed, "redis")
	} else if err := broker.Ping(ctx, s.Redis); err != nil {
		checks["redis"] = "error: " + err.Error()
		failed = join(failed, "redis")
	}
	if failed != "" {
		return WriteProblem(c, apperr.New(apperr.KindUnavailable, "unavailable", apperr.Params{
			"dependency": failed, "extra": map[string]any{"checks": checks},
		}))
	}
	return c.JSON(fiber.Map{"status": "ready", "checks": checks})
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

func (s *Server) metricsHandler() fiber.Handler {
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		h(c.Context())
		return nil
	}
}
