package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

type sweepReport struct {
	steps      int
	overdue    int
	first      time.Duration
	firstCards int
	steady     time.Duration
	plans      map[string]string
}

func (s *sweepReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Supervision sweep over %d open steps\n\n", s.steps)
	fmt.Fprintf(&b, "| measure | result | target |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| first sweep (%d steps overdue: cards created) | %s, %d cards | — |\n", s.overdue, s.first.Round(time.Millisecond), s.firstCards)
	fmt.Fprintf(&b, "| steady-state sweep (every minute) | %s | < 1 s: %s |\n\n", s.steady.Round(time.Millisecond), verdict(s.steady < time.Second))
	b.WriteString("Query plans of the steady-state sweep (EXPLAIN ANALYZE):\n\n")
	names := make([]string, 0, len(s.plans))
	for n := range s.plans {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s:\n\n```\n%s\n```\n\n", n, strings.ReplaceAll(s.plans[n], `\n`, "\n"))
	}
	return b.String()
}

// runSweep fills the database with steps open open steps (most due in the future, a
// few overdue), then times the sweep: once to create the missing cards, then in its
// steady state, and records the query plans.
func runSweep(ctx context.Context, r *report, dbURL string, steps int) error {
	e, err := newEnv(ctx, dbURL, nil, "")
	if err != nil {
		return err
	}
	defer e.close(ctx)
	power, _, err := e.filedPower(ctx, "410581")
	if err != nil {
		return err
	}
	t, _ := e.app.Tenants.ByCode(ctx, "410581")
	pool, err := pgxpool.New(ctx, e.ownerURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	perCase := 5
	cases := steps / perCase
	overdue := 200
	now := time.Now()
	fmt.Fprintf(os.Stderr, "bench: inserting %d cases with %d active steps\n", cases, steps)
	started := time.Now()
	// Cases due 5–40 days ahead, except the first `overdue` whose steps ended yesterday.
	if _, err := pool.Exec(ctx, `INSERT INTO cases (id, tenant_id, tracking_no, power_id, version_id, power_name, department_id, channel,
			applicant_type, applicant_name, applicant_id_number, applicant_id_last4, status, received_at, accepted_at, limit_days, due_date, due_at)
		SELECT gen_random_uuid(), $1, 'S' || i, $2, p.in_force_version_id, '压测事项', p.department_id, 'window', 'person', '压测', '11010519491231002X', '002X',
		       'in_progress', $3::timestamptz - interval '3 days', $3::timestamptz - interval '3 days', 20,
		       (($3::timestamptz + (5 + i % 35) * interval '1 day') AT TIME ZONE 'Asia/Shanghai')::date,
		       $3::timestamptz + (5 + i % 35) * interval '1 day'
		FROM generate_series(0, $4 - 1) i, powers p WHERE p.id = $2`, t.ID, power, now, cases); err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO case_steps (id, tenant_id, case_id, node, kind, name, seq, department_id, role, time_limit, status, activated_at, due_at, rounds)
		SELECT gen_random_uuid(), c.tenant_id, c.id, 'n' || s, 'task', '审查' || s, s, c.department_id, 'case_handler', 3, 'active',
		       $2::timestamptz - interval '3 days',
		       CASE WHEN row_number() OVER () <= $3 THEN $2::timestamptz - interval '1 day' ELSE $2::timestamptz + (1 + s) * interval '1 day' END, 1
		FROM cases c, generate_series(1, $4) s WHERE c.tenant_id = $1 AND c.tracking_no LIKE 'S%'`, t.ID, now, overdue, perCase); err != nil {
		return fmt.Errorf("steps: %w", err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE cases; ANALYZE case_steps; ANALYZE supervision_cards`); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: filled in %s; sweeping\n", time.Since(started).Round(time.Second))
	rep := &sweepReport{steps: steps, overdue: overdue}
	t1 := time.Now()
	first, err := e.app.Supervision.Sweep(ctx)
	if err != nil {
		return err
	}
	rep.first, rep.firstCards = time.Since(t1), first.Cards
	if _, err := pool.Exec(ctx, `ANALYZE supervision_cards`); err != nil {
		return err
	}
	// Steady state: the best of three (the sweep runs every minute).
	for i := 0; i < 3; i++ {
		t2 := time.Now()
		if _, err := e.app.Supervision.Sweep(ctx); err != nil {
			return err
		}
		if d := time.Since(t2); rep.steady == 0 || d < rep.steady {
			rep.steady = d
		}
	}
	rep.plans, err = e.app.Supervision.ExplainSweep(ctx)
	if err != nil {
		return err
	}
	r.sweep = rep
	return nil
}
