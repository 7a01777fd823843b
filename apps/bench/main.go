// Command bench measures Sunshine's performance targets against baselines taken on
// the same machine in the same run (`make bench`):
//
//   - intake: POST /api/v1/cases (session, authorisation, validation, insert, audit,
//     alarm scheduling) against pgbench's plain single-row insert of similar width;
//   - read: GET /api/v1/cases/{id} against a minimal Fiber handler doing one pgx select
//     by primary key;
//   - alarms: 100,000 deadlines spread over a simulated day, compressed, fired by Asynq
//     on Redis: the latency from each due instant to its card;
//   - sweep: the supervision sweep over 1,000,000 open steps, with its query plans.
//
// It needs a PostgreSQL superuser URL (BENCH_DATABASE_URL or TEST_DATABASE_URL;
// otherwise `sunshine testenv` provides one) and, for alarms, Redis (BENCH_REDIS_URL or
// TEST_REDIS_URL; otherwise an in-process server, reported as such). BENCH_KEEP_DB=1 keeps
// the benchmark's database afterwards, to replay its statements with pgbench.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

func main() {
	which := flag.String("run", "intake,read,alarms,sweep", "comma-separated benchmarks")
	duration := flag.Duration("duration", 10*time.Second, "duration of each load phase")
	rounds := flag.Int("rounds", 3, "rounds of baseline then measured phase (intake, read); the median round's ratio decides")
	clients := flag.Int("clients", 32, "concurrent clients (and pgbench -c)")
	alarms := flag.Int("alarms", 100000, "alarms in the alarm benchmark")
	window := flag.Duration("window", 5*time.Minute, "wall time the simulated day is compressed into")
	steps := flag.Int("steps", 1000000, "open steps in the sweep benchmark")
	out := flag.String("out", "docs/benchmarks.md", "report file (appended with this run)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run")
	blockprofile := flag.String("blockprofile", "", "write blocking and mutex profiles (FILE.block, FILE.mutex)")
	flag.Parse()
	if *blockprofile != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond))
		runtime.SetMutexProfileFraction(1)
		defer func() {
			for _, name := range []string{"block", "mutex"} {
				if f, err := os.Create(*blockprofile + "." + name); err == nil {
					_ = pprof.Lookup(name).WriteTo(f, 0)
					_ = f.Close()
				}
			}
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err.Error())
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	dbURL := firstEnv("BENCH_DATABASE_URL", "TEST_DATABASE_URL")
	if dbURL == "" {
		fail("set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL superuser URL (make bench does this)")
	}
	ctx := context.Background()
	r := &report{started: time.Now()}
	for _, b := range strings.Split(*which, ",") {
		var err error
		switch strings.TrimSpace(b) {
		case "intake", "read":
			if r.api == nil {
				err = runAPI(ctx, r, dbURL, *duration, *clients, max(*rounds, 1), strings.Contains(*which, "intake"), strings.Contains(*which, "read"))
			}
		case "alarms":
			err = runAlarms(ctx, r, dbURL, firstEnv("BENCH_REDIS_URL", "TEST_REDIS_URL"), *alarms, *window)
		case "sweep":
			err = runSweep(ctx, r, dbURL, *steps)
		case "":
		default:
			err = fmt.Errorf("unknown benchmark %q", b)
		}
		if err != nil {
			fail(err.Error())
		}
	}
	text := r.String()
	fmt.Print(text)
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			_, _ = f.WriteString(text + "\n")
			_ = f.Close()
			fmt.Fprintf(os.Stderr, "bench: appended to %s\n", *out)
		}
	}
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

func fail(msg string) {
	pprof.StopCPUProfile()
	fmt.Fprintln(os.Stderr, "bench:", msg)
	os.Exit(1)
}
