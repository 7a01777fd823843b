package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/valyala/fasthttp"

	"sunshine/pkg/httpapi"
	"sunshine/pkg/idcheck"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/db/pipeline"
	"sunshine/pkg/platform/queue"
)

type apiReport struct {
	// Rounds of baseline then measure, adjacent in time: the machines' speed drifts
	// by tens of percent within minutes, so one baseline phase and one measured phase
	// can disagree by more than the effect measured. The verdict takes the median
	// round's ratio.
	intakeRounds []intakeRound
	readRounds   []readRound
	pgbenchTPS   float64
	// WAL written per intake (pg_stat_wal over the phase; the cluster is otherwise
	// quiet during it): what bounds a write-heavy phase on a slow disk.
	intakeWAL walCost
	// readCases is how many accepted cases the read phase spreads over.
	readCases int
	// How the intakes were committed: transactions (groups) and intakes in them.
	intakeCommits pipeline.CommitStats
	intake        result
	baseRead      result
	read          result
	redis         string
	clients       int
}

// warmup is run before the measured rounds of each phase, unmeasured.
const warmup = 3 * time.Second

type intakeRound struct {
	pgbenchTPS float64
	intake     result
}

type readRound struct{ base, read result }

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runAPI measures intake and reads through the real HTTP API, each against its
// baseline measured in the same run.
func runAPI(ctx context.Context, r *report, dbURL string, d time.Duration, clients, rounds int, doIntake, doRead bool) error {
	redisURL := firstEnv("BENCH_REDIS_URL", "TEST_REDIS_URL")
	rep := &apiReport{clients: clients, redis: redisURL}
	if redisURL == "" {
		e, err := broker.StartEmbedded("")
		if err != nil {
			return err
		}
		defer e.Close()
		redisURL = e.URL()
		rep.redis = "in-process (miniredis)"
	}
	q := queue.NewClient(mustRedisOpt(redisURL), false)
	defer q.Close()
	e, err := newEnv(ctx, dbURL, q, redisURL)
	if err != nil {
		return err
	}
	defer e.close(ctx)
	power, window, err := e.filedPower(ctx, "410581")
	if err != nil {
		return err
	}
	srv := httpapi.New(e.app.HTTPDeps())
	addr := freeAddr()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = srv.Listen(sctx, addr) }()
	if err := broker.WaitTCP(ctx, addr); err != nil {
		return err
	}
	base := "http://" + addr
	token, err := login(base, "410581", "clerk", "Bench@2026")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: API on %s, database %s\n", addr, e.name)

	if doIntake {
		rngs := make([]*rand.Rand, clients)
		for i := range rngs {
			rngs[i] = rand.New(rand.NewPCG(uint64(i), 42))
		}
		birth := time.Date(1980, 5, 6, 0, 0, 0, 0, time.UTC)
		// The body is a template with the applicant's ID number spliced in: the load
		// generator shares the two cores with the server, and pgbench's client costs
		// next to nothing, so ours should not spend on reflection.
		head, _ := json.Marshal(map[string]any{"power_id": power, "window_id": window, "channel": "window",
			"materials": []map[string]any{{"name": "申请书", "provided": true}, {"name": "营业执照", "provided": true}}})
		prefix := string(head[:len(head)-1]) + `,"applicant":{"type":"person","name":"压测申请人","phone":"13812345678","id_number":"`
		intakeReq := func(w, i int, req *fasthttp.Request) {
			body := []byte(prefix + idcheck.GenerateResidentID(rngs[w], "410581", birth, i%2 == 0) + `"}}`)
			fill(req, "POST", base+"/api/v1/cases", token, body)
		}
		// Warm-up, not measured: connections, prepared statements, caches.
		if _, err := pgbench(ctx, e.ownerURL, clients, warmup); err != nil {
			return err
		}
		load(ctx, clients, warmup, intakeReq)
		var walPhases walStat
		var intakes int64
		for round := 0; round < rounds; round++ {
			tps, err := pgbench(ctx, e.ownerURL, clients, d)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "bench: round %d: pgbench single-row insert: %.0f tps\n", round+1, tps)
			w0 := readWAL(ctx, e.ownerURL)
			res := load(ctx, clients, d, intakeReq)
			walPhases = walPhases.plus(readWAL(ctx, e.ownerURL).minus(w0))
			intakes += res.Requests
			fmt.Fprintf(os.Stderr, "bench: round %d: intake: %s %v\n", round+1, res, res.Status)
			rep.intakeRounds = append(rep.intakeRounds, intakeRound{tps, res})
		}
		med := rep.intakeRounds[medianRound(len(rep.intakeRounds), func(i int) float64 {
			return rep.intakeRounds[i].intake.TPS() / rep.intakeRounds[i].pgbenchTPS
		})]
		rep.pgbenchTPS, rep.intake = med.pgbenchTPS, med.intake
		rep.intakeWAL = walPhases.since(walStat{}, intakes)
		rep.intakeCommits = e.app.Casework.IntakeCommits()
		fmt.Fprintf(os.Stderr, "bench: intake: %s %v; WAL per intake %s\n", rep.intake, rep.intake.Status, rep.intakeWAL)
	}
	if doRead {
		pool, err := pgxpool.New(ctx, e.ownerURL)
		if err != nil {
			return err
		}
		defer pool.Close()
		if !doIntake {
			// Reads need cases: take a few hundred first.
			for i := 0; i < 300; i++ {
				body, _ := json.Marshal(map[string]any{"power_id": power, "window_id": window, "channel": "window",
					"applicant": map[string]any{"type": "person", "name": "读", "id_number": "11010519491231002X"},
					"materials": []map[string]any{{"name": "申请书", "provided": true}, {"name": "营业执照", "provided": true}}})
				req, _ := jsonRequest("POST", base+"/api/v1/cases", token, body)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}
		var ids []uuid.UUID
		rows, err := pool.Query(ctx, `SELECT id FROM cases LIMIT 5000`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id uuid.UUID
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return fmt.Errorf("no cases to read")
		}
		// The pages read are of cases under way: accepted, so each has its stored steps
		// (a submitted case's are planned from its flowchart) and a longer timeline.
		if len(ids) > 2000 {
			ids = ids[:2000]
		}
		if err := acceptAll(ctx, base, token, ids); err != nil {
			return err
		}
		rep.readCases = len(ids)
		// Baseline: the least a Fiber handler can do for the same request.
		mini := fiber.New(fiber.Config{DisableStartupMessage: true})
		mini.Get("/cases/:id", func(c *fiber.Ctx) error {
			var id uuid.UUID
			var tn, st string
			var due *time.Time
			err := pool.QueryRow(c.UserContext(), `SELECT id, tracking_no, status, due_at FROM cases WHERE id = $1`, c.Params("id")).Scan(&id, &tn, &st, &due)
			if err != nil {
				return c.SendStatus(404)
			}
			return c.JSON(fiber.Map{"id": id, "tracking_no": tn, "status": st, "due_at": due})
		})
		maddr := freeAddr()
		go func() { _ = mini.Listen(maddr) }()
		defer mini.Shutdown()
		if err := broker.WaitTCP(ctx, maddr); err != nil {
			return err
		}
		baseReq := func(w, i int, req *fasthttp.Request) {
			fill(req, "GET", "http://"+maddr+"/cases/"+ids[(w*7919+i)%len(ids)].String(), "", nil)
		}
		readReq := func(w, i int, req *fasthttp.Request) {
			fill(req, "GET", base+"/api/v1/cases/"+ids[(w*7919+i)%len(ids)].String(), token, nil)
		}
		load(ctx, clients, warmup, baseReq) // warm-up, not measured
		load(ctx, clients, warmup, readReq)
		for round := 0; round < rounds; round++ {
			baseRes := load(ctx, clients, d, baseReq)
			fmt.Fprintf(os.Stderr, "bench: round %d: minimal Fiber+pgx read: %s\n", round+1, baseRes)
			res := load(ctx, clients, d, readReq)
			fmt.Fprintf(os.Stderr, "bench: round %d: GET /api/v1/cases/{id}: %s %v\n", round+1, res, res.Status)
			rep.readRounds = append(rep.readRounds, readRound{baseRes, res})
		}
		med := rep.readRounds[medianRound(len(rep.readRounds), func(i int) float64 {
			return rep.readRounds[i].read.TPS() / rep.readRounds[i].base.TPS()
		})]
		rep.baseRead, rep.read = med.base, med.read
	}
	r.api = rep
	return nil
}

// acceptAll accepts the cases (8 at a time) through the API.
func acceptAll(ctx context.Context, base, token string, ids []uuid.UUID) error {
	errs := make(chan error, len(ids))
	sem := make(chan struct{}, 8)
	for _, id := range ids {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			req, _ := jsonRequest("POST", base+"/api/v1/cases/"+id.String()+"/accept", token, nil)
			resp, err := http.DefaultClient.Do(req.WithContext(ctx))
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = fmt.Errorf("accept %s: status %d", id, resp.StatusCode)
				}
			}
			errs <- err
		}()
	}
	for range ids {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

func login(base, tenant, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]any{"tenant": tenant, "username": user, "password": password, "client": "api"})
	req, _ := jsonRequest("POST", base+"/api/v1/auth/login", "", body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("login %s/%s: status %d", tenant, user, resp.StatusCode)
	}
	return out.Token, nil
}

// pgbenchBin finds pgbench (PATH, then the Debian layout).
func pgbenchBin() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("pgbench not found (Debian: apt-get install postgresql-client or postgresql)")
}

var tpsRE = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// pgbench measures a plain single-row insert as wide as a case row, at the same
// concurrency, in the same database.
func pgbench(ctx context.Context, dbURL string, clients int, d time.Duration) (float64, error) {
	bin, err := pgbenchBin()
	if err != nil {
		return 0, err
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	_, err = pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_rows (
		id uuid PRIMARY KEY, tenant_id uuid NOT NULL, tracking_no text NOT NULL, power_id uuid NOT NULL, version_id uuid NOT NULL,
		power_name text NOT NULL, department_id uuid NOT NULL, window_id uuid, channel text NOT NULL, applicant_type text NOT NULL,
		applicant_name text NOT NULL, applicant_id_number text NOT NULL, applicant_id_last4 text NOT NULL, applicant_phone text NOT NULL,
		materials jsonb NOT NULL, status text NOT NULL, received_at timestamptz NOT NULL, acceptance_due_at timestamptz,
		limit_days integer NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`)
	pool.Close()
	if err != nil {
		return 0, err
	}
	script := filepath.Join(os.TempDir(), fmt.Sprintf("sunshine-pgbench-%d.sql", time.Now().UnixNano()))
	if err := os.WriteFile(script, []byte(`\set n random(1, 1000000000)
INSERT INTO bench_rows VALUES (gen_random_uuid(), '01a21fa3-9551-7af8-ad4f-ad85b61f18c8', '410581261128' || :n, gen_random_uuid(), gen_random_uuid(), '建筑工程施工许可证核发', gen_random_uuid(), gen_random_uuid(), 'window', 'person', '压测申请人', '11010519491231002X', '002X', '13812345678', '[{"name": "申请书", "provided": true}, {"name": "营业执照", "provided": true}]', 'submitted', now(), now(), 10, now(), now());
`), 0o644); err != nil {
		return 0, err
	}
	defer os.Remove(script)
	u, _ := url.Parse(dbURL)
	args := []string{"-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(int(d.Seconds())), "-f", script,
		"-h", u.Hostname(), "-p", u.Port(), "-U", u.User.Username(), strings.TrimPrefix(u.Path, "/")}
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v: %s", err, out)
	}
	m := tpsRE.FindStringSubmatch(string(out))
	if m == nil {
		return 0, fmt.Errorf("pgbench: no tps in output: %s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}

// walStat is a reading of pg_stat_wal.
type walStat struct{ records, fpi, bytes int64 }

// walCost is the WAL one request wrote on average.
type walCost struct{ records, fpi, bytes float64 }

func (w walCost) String() string {
	return fmt.Sprintf("%.0f records, %.1f full-page images, %.1f kB", w.records, w.fpi, w.bytes/1024)
}

func readWAL(ctx context.Context, dbURL string) walStat {
	var w walStat
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return w
	}
	defer conn.Close(ctx)
	_ = conn.QueryRow(ctx, `SELECT wal_records, wal_fpi, wal_bytes::bigint FROM pg_stat_wal`).Scan(&w.records, &w.fpi, &w.bytes)
	return w
}

func (w walStat) minus(o walStat) walStat {
	return walStat{w.records - o.records, w.fpi - o.fpi, w.bytes - o.bytes}
}

func (w walStat) plus(o walStat) walStat {
	return walStat{w.records + o.records, w.fpi + o.fpi, w.bytes + o.bytes}
}

// medianRound is the index of the round with the median ratio (the lower middle one
// for an even count).
func medianRound(n int, ratio func(i int) float64) int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return ratio(idx[a]) < ratio(idx[b]) })
	return idx[(n-1)/2]
}

func (w walStat) since(before walStat, n int64) walCost {
	if n == 0 {
		return walCost{}
	}
	f := float64(n)
	return walCost{float64(w.records-before.records) / f, float64(w.fpi-before.fpi) / f, float64(w.bytes-before.bytes) / f}
}
