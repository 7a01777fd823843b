// Package seclog is the security log: refused and suspicious requests (denials,
// probes of other tenants' objects, failed and throttled sign-ins, wrong current
// passwords, rate limits, wrong captchas), kept queryable for auditors and bounded.
//
// It is not the audit trail: nothing here changes state, so nothing is hash-chained
// and nothing is written in a business transaction. Events are queued and written in
// batches by one goroutine, so that an attacker's flood of refused requests costs it
// no extra latency and the database at most one insert per batch; past a per-address
// rate, and when the queue is full, events are dropped (and counted). Every field an
// attacker controls is capped before it is stored (and the table checks the same
// caps). Prune keeps the log within an age and a number of rows per tenant.
package seclog

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/ratelimit"
)

// Kinds of events.
const (
	// Denied: a signed-in request refused with 403.
	Denied = "denied"
	// NotFound: a signed-in request for an object by ID that it cannot see (an ID of
	// another tenant answers exactly like an unknown one, so both are recorded).
	NotFound = "not_found"
	// CrossTenant: a signed-in request naming a tenant that exists outside its scope.
	CrossTenant = "cross_tenant"
	// LoginFailed: wrong tenant, username or password.
	LoginFailed = "login_failed"
	// Throttled: a request refused with 429 (sign-in, password checks, public limits).
	Throttled = "throttled"
	// PasswordCheckFailed: a wrong current password when changing one's password.
	PasswordCheckFailed = "password_check_failed"
	// CaptchaFailed: a wrong or expired captcha on a public form.
	CaptchaFailed = "captcha_failed"
)

// Kinds lists every kind (the API's filter accepts these).
var Kinds = []string{Denied, NotFound, CrossTenant, LoginFailed, Throttled, PasswordCheckFailed, CaptchaFailed}

// Field caps, in characters (the table checks the same).
const (
	MaxUsername  = 64
	MaxUserAgent = 256
	MaxPath      = 256
	MaxDetail    = 256
	MaxIP        = 64
	MaxCode      = 64
	MaxMethod    = 16
	MaxRequestID = 64
)

// Event is one security event.
type Event struct {
	ID        int64      `gorm:"primaryKey;->" json:"id"`
	TenantID  uuid.UUID  `gorm:"type:uuid" json:"-"`
	At        time.Time  `json:"at"`
	Kind      string     `json:"kind"`
	Code      string     `json:"code"`
	Status    int        `json:"status"`
	UserID    *uuid.UUID `gorm:"type:uuid" json:"user_id"`
	Username  string     `json:"username"`
	IP        string     `json:"ip"`
	UserAgent string     `json:"user_agent"`
	Method    string     `json:"method"`
	Path      string     `json:"path"`
	RequestID string     `json:"request_id"`
	Detail    string     `json:"detail"`
}

// TableName maps Event to its table.
func (Event) TableName() string { return "security_events" }

// Cap returns s as valid UTF-8 without NUL or other control characters, at most n
// characters long (an ellipsis marks a cut).
func Cap(s string, n int) string {
	clean := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if utf8.RuneCountInString(clean) <= n {
		return clean
	}
	r := []rune(clean)
	return string(r[:n-1]) + "…"
}

// capped returns e with every field within its cap.
func (e Event) capped() Event {
	e.Kind = Cap(e.Kind, 32)
	e.Code = Cap(e.Code, MaxCode)
	e.Username = Cap(e.Username, MaxUsername)
	e.IP = Cap(e.IP, MaxIP)
	e.UserAgent = Cap(e.UserAgent, MaxUserAgent)
	e.Method = Cap(e.Method, MaxMethod)
	e.Path = Cap(e.Path, MaxPath)
	e.RequestID = Cap(e.RequestID, MaxRequestID)
	e.Detail = Cap(e.Detail, MaxDetail)
	return e
}

// Config bounds the log.
type Config struct {
	// Retention is how long events are kept.
	Retention time.Duration
	// MaxRows is how many events each tenant keeps at most (the newest).
	MaxRows int
	// PerAddress is how many events one client address may cause a minute on this
	// replica; the rest are dropped (counted in Dropped).
	PerAddress int
	// Queue is the number of events waiting to be written before new ones are dropped.
	Queue int
}

// Log is the security log's writer and reader.
type Log struct {
	db      *db.DB
	clock   clock.Clock
	log     *slog.Logger
	cfg     Config
	limiter *ratelimit.Limiter

	ch      chan Event
	flush   chan chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	dropped atomic.Int64
}

// New starts the log's writer; Close stops it.
func New(d *db.DB, c clock.Clock, log *slog.Logger, cfg Config) *Log {
	if cfg.Retention <= 0 {
		cfg.Retention = 90 * 24 * time.Hour
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = 100000
	}
	if cfg.PerAddress <= 0 {
		cfg.PerAddress = 120
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if log == nil {
		log = slog.Default()
	}
	l := &Log{db: d, clock: c, log: log, cfg: cfg, limiter: ratelimit.New(nil, log),
		ch: make(chan Event, cfg.Queue), flush: make(chan chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l
}

// Record queues e (its time is now; its fields are capped). It never blocks: past
// the per-address rate or with the queue full, the event is dropped.
func (l *Log) Record(e Event) {
	if l == nil || e.TenantID == uuid.Nil {
		return
	}
	e = e.capped()
	e.At = l.clock.Now().UTC()
	if e.IP != "" {
		if ok, _ := l.limiter.Allow(context.Background(), "seclog", ratelimit.Limit{N: l.cfg.PerAddress, Period: time.Minute}, e.IP); !ok {
			l.drop()
			return
		}
	}
	select {
	case l.ch <- e:
	default:
		l.drop()
	}
}

func (l *Log) drop() {
	if n := l.dropped.Add(1); n == 1 || n%1000 == 0 {
		l.log.Warn("security log: events dropped (per-address rate or full queue)", "dropped", n)
	}
}

// Dropped is how many events were dropped since start.
func (l *Log) Dropped() int64 { return l.dropped.Load() }

// Flush waits until every event recorded before it is written.
func (l *Log) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case l.flush <- ack:
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the writer.
func (l *Log) Close() {
	l.once.Do(func() { close(l.stop) })
	<-l.done
}

func (l *Log) run() {
	defer close(l.done)
	for {
		select {
		case e := <-l.ch:
			l.write(l.drain([]Event{e}, 256))
		case ack := <-l.flush:
			l.write(l.drain(nil, -1))
			close(ack)
		case <-l.stop:
			l.write(l.drain(nil, -1))
			return
		}
	}
}

// drain takes up to max more queued events (max < 0: all) without waiting.
func (l *Log) drain(batch []Event, max int) []Event {
	for max < 0 || len(batch) < max {
		select {
		case e := <-l.ch:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// write inserts a batch, one transaction per tenant (RLS lets a transaction insert
// only its own tenant's rows). A failure is logged and the batch dropped: the log
// must never hold up or break the requests it observes.
func (l *Log) write(batch []Event) {
	if len(batch) == 0 {
		return
	}
	byTenant := map[uuid.UUID][]Event{}
	for _, e := range batch {
		byTenant[e.TenantID] = append(byTenant[e.TenantID], e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for tenantID, events := range byTenant {
		err := l.db.Tx(ctx, db.TenantScope(tenantID, uuid.Nil), func(tx *gorm.DB) error {
			return tx.Omit("ID").CreateInBatches(events, 200).Error
		})
		if err != nil {
			l.dropped.Add(int64(len(events)))
			l.log.Error("security log: write failed", "events", len(events), "error", err)
		}
	}
}

// Filter selects events.
type Filter struct {
	Tenants []uuid.UUID
	Kind    string
	Since   time.Time
	Limit   int
	Offset  int
}

// List returns a page of events, newest first, and the total, inside tx (whose scope
// decides what may be read).
func List(tx *gorm.DB, f Filter) ([]Event, int64, error) {
	q := tx.Model(&Event{}).Where("tenant_id IN ?", f.Tenants)
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", f.Since)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var out []Event
	err := q.Order("at DESC, id DESC").Limit(f.Limit).Offset(f.Offset).Find(&out).Error
	return out, total, err
}

// Prune deletes, for each tenant, events older than the retention and all but the
// newest MaxRows. It reports how many it deleted.
func (l *Log) Prune(ctx context.Context, tenants []uuid.UUID) (int64, error) {
	cutoff := l.clock.Now().Add(-l.cfg.Retention)
	var n int64
	for _, t := range tenants {
		err := l.db.Tx(ctx, db.TenantScope(t, uuid.Nil), func(tx *gorm.DB) error {
			res := tx.Exec(`DELETE FROM security_events WHERE tenant_id = ? AND at < ?`, t, cutoff)
			if res.Error != nil {
				return res.Error
			}
			n += res.RowsAffected
			res = tx.Exec(`DELETE FROM security_events WHERE tenant_id = ? AND id <= (
				SELECT id FROM security_events WHERE tenant_id = ? ORDER BY id DESC OFFSET ? LIMIT 1)`, t, t, l.cfg.MaxRows)
			n += res.RowsAffected
			return res.Error
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// PruneTask is the periodic task that prunes the log.
const PruneTask = "security:prune"
