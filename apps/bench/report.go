package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

type report struct {
	started time.Time
	api     *apiReport
	alarms  *alarmReport
	sweep   *sweepReport
}

func mustRedisOpt(u string) asynq.RedisConnOpt {
	opt, err := asynq.ParseRedisURI(u)
	if err != nil {
		fail("redis URL: " + err.Error())
	}
	return opt
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func (r *report) String() string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "## Benchmark run %s\n\n", r.started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, %s. Load generator, servers and PostgreSQL share the machine.\n\n", host, runtime.NumCPU(), runtime.Version())
	if a := r.api; a != nil {
		fmt.Fprintf(&b, "### Intake and reads (%d concurrent clients; Redis: %s)\n\n", a.clients, a.redis)
		fmt.Fprintf(&b, "| measure | result | baseline (same run) | ratio | target |\n|---|---|---|---|---|\n")
		if a.pgbenchTPS > 0 {
			ratio := a.intake.TPS() / a.pgbenchTPS
			fmt.Fprintf(&b, "| POST /api/v1/cases (intake), median of %d rounds | %s | pgbench single-row insert: %.0f tps | %.0f%% | ≥ 40%%, p99 < 100 ms: %s |\n",
				len(a.intakeRounds), a.intake, a.pgbenchTPS, ratio*100, verdict(ratio >= 0.40 && a.intake.P99 < 100*time.Millisecond && a.intake.Errors == 0))
			for i, rd := range a.intakeRounds {
				fmt.Fprintf(&b, "| — round %d | %s | %.0f tps | %.0f%% | |\n", i+1, rd.intake, rd.pgbenchTPS, rd.intake.TPS()/rd.pgbenchTPS*100)
			}
			fmt.Fprintf(&b, "| WAL per intake | %s | — | — | — |\n", a.intakeWAL)
			if c := a.intakeCommits; c.Groups > 0 {
				fmt.Fprintf(&b, "| intakes per transaction (group commit) | %.1f (%d intakes in %d transactions, %d groups retried one by one) | — | — | — |\n",
					float64(c.Changes)/float64(c.Groups), c.Changes, c.Groups, c.Retried)
			}
		}
		if a.baseRead.Requests > 0 {
			ratio := a.read.TPS() / a.baseRead.TPS()
			fmt.Fprintf(&b, "| GET /api/v1/cases/{id} (%d accepted cases: stored steps, timeline), median of %d rounds | %s | minimal Fiber + pgx select: %s | %.0f%% | ≥ 30%%: %s |\n",
				a.readCases, len(a.readRounds), a.read, a.baseRead, ratio*100, verdict(ratio >= 0.30 && a.read.Errors == 0))
			for i, rd := range a.readRounds {
				fmt.Fprintf(&b, "| — round %d | %s | %s | %.0f%% | |\n", i+1, rd.read, rd.base, rd.read.TPS()/rd.base.TPS()*100)
			}
		}
		b.WriteString("\n")
	}
	if a := r.alarms; a != nil {
		b.WriteString(a.String())
	}
	if s := r.sweep; s != nil {
		b.WriteString(s.String())
	}
	return b.String()
}
