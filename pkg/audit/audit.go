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
	sum, err := json.Marshal(summary{Before: e.Before, After: e.After, Data: e.Data})
	if err != nil {
		return fmt.Errorf("audit: summary of %s: %w", e.Action, err)
	}
	row := Row{
		ID: uuid.Must(uuid.NewV7()), At: now.UTC().Truncate(time.Microsecond),
		ActorName: a.Name(), Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		Summary: string(sum), RequestID: a.RequestID, IP: a.IP,
	}
	if a.UserID != uuid.Nil {
		id := a.UserID
		row.ActorID = &id
	}
	body := row.canonical()
	var actorID any
	if row.ActorID != nil {
		actorID = *row.ActorID
	}
	return tx.Exec(`SELECT audit_append(?, ?, ?, ?, ?, ?, ?, ?::json, ?, ?, ?)`,
		row.ID, row.At, actorID, row.ActorName, row.Action, row.ObjectType, row.ObjectID,
		row.Summary, row.RequestID, row.IP, body).Error
}

// Row is a stored event.
type Row struct {
	TenantID   uuid.UUID  `json:"tenant_id"`
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

const batch = 2000

func verifyChain(ctx context.Context, d *db.DB, tenant uuid.UUID) (int64, *Problem, error) {
	var count int64
	var problem *Problem
	prev := []byte{}
	var last int64
	err := d.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{tenant}), func(tx *gorm.DB) error {
		for {
			var rows []Row
			if err := tx.Where("tenant_id = ? AND seq > ?", tenant, last).Order("seq").Limit(batch).Find(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				count++
				fail := func(reason string) {
					problem = &Problem{TenantID: tenant, Seq: r.Seq, ID: r.ID.String(), Action: r.Action, At: r.At, Reason: reason}
				}
				switch {
				case r.Seq != last+1:
					problem = &Problem{TenantID: tenant, Seq: last + 1, Reason: fmt.Sprintf("event %d is missing (next present is %d)", last+1, r.Seq)}
				case !bytes.Equal(r.PrevHash, prev):
					fail("its link to the previous event is broken")
				case !bytes.Equal(r.Hash, r.expectedHash(prev)):
					fail("its content does not match its hash (altered)")
				}
				if problem != nil {
					return nil
				}
				prev, last = r.Hash, r.Seq
			}
			if len(rows) < batch {
				break
			}
		}
		var head struct {
			Seq  int64
			Hash []byte
		}
		res := tx.Raw(`SELECT seq, hash FROM audit_heads WHERE tenant_id = ?`, tenant).Scan(&head)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if last != 0 {
				problem = &Problem{TenantID: tenant, Seq: last, Reason: "the chain head is missing"}
			}
			return nil
		}
		if head.Seq != last || !bytes.Equal(head.Hash, prev) {
			problem = &Problem{TenantID: tenant, Seq: last + 1, Reason: fmt.Sprintf("the chain ends at %d but its head records %d (events removed from the end)", last, head.Seq)}
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
	err := q.Order("at DESC, seq DESC").Limit(f.Limit).Offset(f.Offset).Find(&rows).Error
	return rows, total, err
}

func init() {
	apperr.Register("audit.no_tenant", "审计事件缺少所属租户", "An audit event needs a tenant")
}
