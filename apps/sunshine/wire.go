package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	console "sunshine/apps/console"
	"sunshine/pkg/assembly"
	"sunshine/pkg/demo"
	"sunshine/pkg/platform/clock"
)

// wire assembles the application on the platform and, in dev mode, seeds the demo.
func wire(ctx context.Context, p *platform) (*assembly.App, error) {
	ap := assembly.Platform{
		Config: p.cfg, Log: p.log, DB: p.db, AppURL: p.appURL, Redis: p.redis, Queue: p.queue,
		Registry: p.registry, Metrics: p.metrics, Clock: p.clock, SessionClock: clock.Real{},
	}
	if console.Built() {
		ap.Console = console.Files()
	}
	app, err := assembly.Build(ctx, ap)
	if err != nil {
		return nil, err
	}
	p.onClose(func(context.Context) error { app.Close(); return nil })
	if p.cfg.Dev() && p.cfg.Demo.Seed {
		rep, err := app.SeedDemo(ctx, p.cfg.Demo.TenantsDir, p.cfg.Demo.Password)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if rep.Changed() {
			for _, line := range strings.Split(strings.TrimSpace(rep.String()), "\n") {
				// The demo replaces the one-time passwords just after; don't print them.
				if i := strings.Index(line, "; administrator"); i > 0 {
					line = line[:i]
				}
				p.log.Info("demo tenants: " + line)
			}
		}
	}
	return app, nil
}

// servedTenants are the tenants whose per-tenant queues this worker serves: the
// configured ones (fixed), or at city level every tenant — listed again as counties
// are provisioned (list).
func servedTenants(p *platform, app *assembly.App) (fixed []string, list func(context.Context) ([]string, error)) {
	if codes := p.cfg.Deployment.TenantCodes(); len(codes) > 0 {
		return codes, nil
	}
	return nil, app.TenantCodes
}

// banner ends dev mode's start-up log with what a newcomer needs: where to click and
// how to sign in.
func banner(p *platform, app *assembly.App) {
	url := p.cfg.HTTP.PublicURL
	if url == "" {
		url = "http://" + p.cfg.HTTP.Addr
	}
	url = strings.TrimSuffix(url, "/")
	var b strings.Builder
	fmt.Fprintf(&b, "\n  阳光施政平台 Sunshine is ready\n\n")
	fmt.Fprintf(&b, "  Console   %s/\n", url)
	fmt.Fprintf(&b, "  Portal    %s/portal/410581\n", url)
	fmt.Fprintf(&b, "  API spec  %s/api/openapi.yaml\n", url)
	if app.Console == nil {
		fmt.Fprintf(&b, "\n  (the console is not built: run `make console`)\n")
	}
	if p.cfg.Demo.Seed {
		fmt.Fprintf(&b, "\n  Demo logins (password %s):\n", p.cfg.Demo.Password)
		for _, a := range demo.Accounts {
			code := demo.CityCode
			if a.Tenant == "county" {
				code = "410581 (any county)"
			}
			roles := []string{}
			for _, g := range a.Roles {
				r := g.Role
				if g.Subtree {
					r += " (+counties)"
				}
				roles = append(roles, r)
			}
			fmt.Fprintf(&b, "    %-20s %-11s %s\n", code, a.Username, strings.Join(roles, ", "))
		}
	}
	fmt.Fprintln(os.Stderr, b.String())
}
