// Package audit is the tamper-evident record of every state change: each event is
// written in the same transaction as the change it records, appended to its
// tenant's hash chain (each event hashes its canonical form with the previous hash),
// and can never be updated or deleted by the application. Verify walks a chain and
// names the first event that does not fit.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
)

// Event is one state change to record.
type Event struct {
	// Action names what happened, "<object>.<verb>" (e.g. "tenant.provision",
	// "case.accept", "auth.login_failed").
	Action     string
	ObjectType string
	ObjectID   string
	// Before and After summarise the object around the change (nil when not
	// applicable); Data holds anything else worth keeping (reasons, counts).
	Before any
	After  any
	Data   map[string]any
}

// summary is the stored JSON; its field order is fixed, and maps inside marshal with
// sorted keys, so the same event always encodes to the same bytes.
type summary struct {
	Before any            `json:"before,omitempty"`
	After  any            `json:"after,omitempty"`
	Data   map[string]any `json:"data,omitempty"`
}

// Record appends e to the acting tenant's chain inside tx (whose scope names the
// tenant). The event's time is now, truncated to the database's microseconds.
func Record(tx *gorm.DB, a actor.Actor, now time.Time, e Event) error {
	args, err := appendArgs(a, now, e)
	if err != nil {
		return err
	}
	return tx.Exec(appendSQL, args...).Error
}

// Statement returns the append of e as a SELECT with $n placeholders, for the hot
// paths that compose it into a pipeline's statement (pkg/platform/db/pipeline).
func Statement(a actor.Actor, now time.Time, e Event) (string, []any, error) {
	args, err := appendArgs(a, now, e)
	return appendSQLPositional, args, err
}

const (
	appendSQL           = `SELECT audit_append(?, ?, ?, ?, ?, ?, ?, ?::json, ?, ?, ?)`
	appendSQLPositional = `SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8::json, $9, $10, $11)`
)

func appendArgs(a actor.Actor, now time.Time, e Event) ([]any, error) {
	sum, err := json.Marshal(summary{Before: e.Before, After: e.After, Data: e.Data})
	if err != nil {
		return nil, fmt.Errorf("audit: summary of %s: %w", e.Action, err)
	}
	if len(sum) > MaxSummary {
		return nil, fmt.Errorf("audit: summary of %s is %d bytes (at most %d)", e.Action, len(sum), MaxSummary)
	}
	// The columns may carry what a caller typed (a username at sign-in, an address):
	// capped, so that no caller can write an arbitrarily long string into the chain.
	row := Row{
		ID: uuid.Must(uuid.NewV7()), At: now.UTC().Truncate(time.Microsecond),
		ActorName: capField(a.Name()), Action: capField(e.Action), ObjectType: capField(e.ObjectType), ObjectID: capField(e.ObjectID),
		Summary: string(sum), RequestID: capField(a.RequestID), IP: capField(a.IP),
	}
	if a.UserID != uuid.Nil {
		id := a.UserID
		row.ActorID = &id
	}
	var actorID any
	if row.ActorID != nil {
		actorID = *row.ActorID
	}
	return []any{row.ID, row.At, actorID, row.ActorName, row.Action, row.ObjectType, row.ObjectID,
		row.Summary, row.RequestID, row.IP, row.canonical()}, nil
}

// MaxField is the longest a column of an event may be, in characters; MaxSummary
// the longest its JSON summary may be, in bytes.
const (
	MaxField   = 256
	MaxSummary = 256 << 10
)

// capField cuts s to MaxField characters (marking the cut).
func capField(s string) string {
	if len(s) <= MaxField {
		return s
	}
	r := []rune(strings.ToValidUTF8(s, "?"))
	if len(r) <= MaxField {
		return string(r)
	}
	return string(r[:MaxField-1]) + "…"
}

// Row is a stored event.
type Row struct {
	TenantID   uuid.UUID  `json:"tenant_id"`
	Lane       int16      `json:"lane"`
	Seq        int64      `json:"seq"`
	ID         uuid.UUID  `json:"id"`
	At         time.Time  `json:"at"`
	ActorID    *uuid.UUID `json:"actor_id"`
	ActorName  string     `json:"actor_name"`
	Action     string     `json:"action"`
	ObjectType string     `json:"object_type"`
	ObjectID   string     `json:"object_id"`
	Summary    string     `json:"-"`
	RequestID  string     `json:"request_id"`
	IP         string     `json:"ip"`
	PrevHash   []byte     `json:"-"`
	Hash       []byte     `json:"-"`
}

// TableName maps Row to its table.
func (Row) TableName() string { return "audit_events" }

// canonical is the byte string the chain hashes (after the previous hash and the
// sequence number): the event's columns, length-prefixed so that no two different
// events share an encoding.
func (r Row) canonical() []byte {
	var b bytes.Buffer
	field := func(s string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		b.Write(n[:])
		b.WriteString(s)
	}
	actorID := ""
	if r.ActorID != nil {
		actorID = r.ActorID.String()
	}
	field("v1")
	field(r.ID.String())
	field(r.At.UTC().Format(time.RFC3339Nano))
	field(actorID)
	field(r.ActorName)
	field(r.Action)
	field(r.ObjectType)
	field(r.ObjectID)
	field(r.Summary)
	field(r.RequestID)
	field(r.IP)
	return b.Bytes()
}

// expectedHash recomputes the hash the chain should hold for r after prev.
func (r Row) expectedHash(prev []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	var lane [2]byte
	binary.BigEndian.PutUint16(lane[:], uint16(r.Lane))
	h.Write(lane[:])
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(r.Seq))
	h.Write(seq[:])
	h.Write(r.canonical())
	return h.Sum(nil)
}

// SummaryJSON returns the stored summary as raw JSON for API responses.
func (r Row) SummaryJSON() json.RawMessage { return json.RawMessage(r.Summary) }

// Problem describes the first event of a chain that fails verification.
type Problem struct {
	TenantID uuid.UUID `json:"tenant_id"`
	Lane     int16     `json:"lane"`
	Seq      int64     `json:"seq"`
	ID       string    `json:"id,omitempty"`
	Action   string    `json:"action,omitempty"`
	At       time.Time `json:"at,omitempty"`
	Reason   string    `json:"reason"`
}

// Report is the outcome of verifying one or more chains.
type Report struct {
	OK     bool     `json:"ok"`
	Events int64    `json:"events"`
	First  *Problem `json:"first_bad_event,omitempty"`
}

// Verify checks the chains of tenants (read through d with a read-only scope over
// them): every event's hash, the links, the sequence without gaps, and the head.
func Verify(ctx context.Context, d *db.DB, tenants []uuid.UUID) (Report, error) {
	rep := Report{OK: true}
	for _, t := range tenants {
		n, p, err := verifyChain(ctx, d, t)
		rep.Events += n
		if err != nil {
			return rep, err
		}
		if p != nil {
			rep.OK = false
			rep.First = p
			return rep, nil
		}
	}
	return rep, nil
}

const batch = 5000

// verifyChain walks every lane of a tenant's trail in (lane, seq) order.
func verifyChain(ctx context.Context, d *db.DB, tenant uuid.UUID) (int64, *Problem, error) {
	var count int64
	var problem *Problem
	err := d.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{tenant}), func(tx *gorm.DB) error {
		heads := map[int16]struct {
			seq  int64
			hash []byte
		}{}
		var hs []struct {
			Lane int16
			Seq  int64
			Hash []byte
		}
		if err := tx.Raw(`SELECT lane, seq, hash FROM audit_heads WHERE tenant_id = ?`, tenant).Scan(&hs).Error; err != nil {
			return err
		}
		for _, h := range hs {
			heads[h.Lane] = struct {
				seq  int64
				hash []byte
			}{h.Seq, h.Hash}
		}
		lane, last := int16(-1), int64(0)
		prev := []byte{}
		seen := map[int16]bool{}
		// closeLane checks that a finished lane ends where its head says.
		closeLane := func() {
			if lane < 0 || problem != nil {
				return
			}
			h, ok := heads[lane]
			switch {
			case !ok:
				problem = &Problem{TenantID: tenant, Lane: lane, Seq: last, Reason: "the chain head is missing"}
			case h.seq != last || !bytes.Equal(h.hash, prev):
				problem = &Problem{TenantID: tenant, Lane: lane, Seq: last + 1, Reason: fmt.Sprintf("lane %d ends at %d but its head records %d (events removed from the end)", lane, last, h.seq)}
			}
		}
		afterLane, afterSeq := int16(-1), int64(0)
		for problem == nil {
			var rows []Row
			if err := tx.Where("tenant_id = ? AND (lane, seq) > (?, ?)", tenant, afterLane, afterSeq).Order("lane, seq").Limit(batch).Find(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				if r.Lane != lane {
					closeLane()
					if problem != nil {
						return nil
					}
					lane, last, prev = r.Lane, 0, []byte{}
					seen[lane] = true
				}
				count++
				fail := func(reason string) {
					problem = &Problem{TenantID: tenant, Lane: r.Lane, Seq: r.Seq, ID: r.ID.String(), Action: r.Action, At: r.At, Reason: reason}
				}
				switch {
				case r.Seq != last+1:
					problem = &Problem{TenantID: tenant, Lane: r.Lane, Seq: last + 1, Reason: fmt.Sprintf("event %d of lane %d is missing (next present is %d)", last+1, r.Lane, r.Seq)}
				case !bytes.Equal(r.PrevHash, prev):
					fail("its link to the previous event is broken")
				case !bytes.Equal(r.Hash, r.expectedHash(prev)):
					fail("its content does not match its hash (altered)")
				}
				if problem != nil {
					return nil
				}
				prev, last = r.Hash, r.Seq
				afterLane, afterSeq = r.Lane, r.Seq
			}
			if len(rows) < batch {
				break
			}
		}
		closeLane()
		// A head whose lane has no events left at all: its whole lane was removed.
		for l, h := range heads {
			if !seen[l] && h.seq > 0 && problem == nil {
				problem = &Problem{TenantID: tenant, Lane: l, Seq: 1, Reason: fmt.Sprintf("lane %d has lost all its %d events", l, h.seq)}
			}
		}
		return nil
	})
	return count, problem, err
}

// Filter selects events for the audit log.
type Filter struct {
	Tenants    []uuid.UUID
	Action     string
	ActorID    uuid.UUID
	ObjectType string
	ObjectID   string
	From, To   time.Time
	Limit      int
	Offset     int
}

// List returns events matching f, newest first, and the total count. tx must be
// scoped to (at least) f.Tenants.
func List(tx *gorm.DB, f Filter) ([]Row, int64, error) {
	q := tx.Model(&Row{})
	if len(f.Tenants) > 0 {
		q = q.Where("tenant_id IN ?", f.Tenants)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") || !strings.Contains(f.Action, ".") {
			q = q.Where("action LIKE ?", strings.TrimSuffix(f.Action, ".")+".%")
		} else {
			q = q.Where("action = ?", f.Action)
		}
	}
	if f.ActorID != uuid.Nil {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []Row
	if f.Limit <= 0 {
		f.Limit = 50
	}
	err := q.Order("at DESC, id DESC").Limit(f.Limit).Offset(f.Offset).Find(&rows).Error
	return rows, total, err
}

// Events lists the events matching f that the caller in ctx may read, newest first,
// with the total: f.Tenants is narrowed to the caller's readable tenants (all of them
// when empty), and the transaction reads only those.
func Events(ctx context.Context, d *db.DB, f Filter) ([]Row, int64, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	if len(f.Tenants) == 0 {
		f.Tenants = c.ReadTenants
	} else {
		f.Tenants = c.Readable(f.Tenants)
	}
	if len(f.Tenants) == 0 {
		return []Row{}, 0, nil
	}
	var rows []Row
	var total int64
	err = d.Tx(ctx, c.ReadScopeOf(f.Tenants), func(tx *gorm.DB) error {
		var err error
		rows, total, err = List(tx, f)
		return err
	})
	return rows, total, err
}

func init() {
	apperr.Register("audit.no_tenant", "审计事件缺少所属租户", "An audit event needs a tenant")
}
