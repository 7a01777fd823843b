package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/metrics"
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

// metricsHandler answers /metrics on the public port only when metrics.public is on;
// otherwise the path is as unknown as any other (metrics.addr serves them).
func (s *Server) metricsHandler() fiber.Handler {
	if !s.Config.Metrics.Public {
		return notFoundAPI
	}
	h := fasthttpadaptor.NewFastHTTPHandler(MetricsHandler(s.Metrics))
	return func(c *fiber.Ctx) error {
		h(c.Context())
		return nil
	}
}

// MetricsHandler is the Prometheus exposition of reg. A collector that fails is
// reported in the answer's text and the scrape still succeeds with the rest, so that
// one broken gauge never hides every other metric.
func MetricsHandler(reg *metrics.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ServeMetrics serves GET /metrics of reg on addr (metrics.addr) until ctx ends. It is
// plain net/http: no request data of the public API reaches it.
func ServeMetrics(ctx context.Context, addr string, reg *metrics.Registry, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s (metrics.addr, SUNSHINE_METRICS_ADDR): %w", addr, err)
	}
	return ServeMetricsOn(ctx, ln, reg, log)
}

// ServeMetricsOn is ServeMetrics on a listener the caller opened.
func ServeMetricsOn(ctx context.Context, ln net.Listener, reg *metrics.Registry, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", MetricsHandler(reg))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("metrics listener ready", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}
