package supervision

import (
	"context"
	"fmt"
	"net/smtp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/tenant"
)

// SMTPConfig is the email channel; empty Addr means not configured.
type SMTPConfig struct {
	Addr     string
	From     string
	Username string
	Password string
}

// SMSSender is the SMS channel. No provider is wired in this deployment: the channel
// reports itself as not configured rather than pretending to send.
type SMSSender interface {
	Send(ctx context.Context, phone, text string) error
}

// Notifier writes the in-app inbox and queues deliveries on outside channels.
type Notifier struct {
	db       *db.DB
	tenants  *tenant.Registry
	enforcer *authz.Enforcer
	smtp     SMTPConfig
	sms      SMSSender
	queue    *queue.Client
}

// NewNotifier builds the notifier.
func NewNotifier(d *db.DB, tenants *tenant.Registry, enforcer *authz.Enforcer, smtpCfg SMTPConfig, sms SMSSender, q *queue.Client) *Notifier {
	return &Notifier{db: d, tenants: tenants, enforcer: enforcer, smtp: smtpCfg, sms: sms, queue: q}
}

// TypeEmail delivers one notification by email.
const TypeEmail = "notify:email"

// recipients: the handlers and the head of the card's department, and the tenant's
// supervisors (for red cards also the supervisors above the tenant).
func (n *Notifier) recipients(tx *gorm.DB, t *tenant.Tenant, dept *uuid.UUID, level string) (map[uuid.UUID][]uuid.UUID, error) {
	out := map[uuid.UUID][]uuid.UUID{} // tenant → users
	if dept != nil {
		ids, err := identity.ActiveUsersOfDepartment(tx, t.ID, *dept)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			for _, g := range n.enforcer.GrantsOf(id) {
				if (g.Role == authz.CaseHandler || g.Role == authz.DeptAdmin) && g.Domain == t.Path {
					out[t.ID] = append(out[t.ID], id)
					break
				}
			}
		}
	}
	for _, h := range n.enforcer.Holders(authz.Supervisor) {
		if !h.Covers(t.Path) {
			continue
		}
		if h.Domain == t.Path {
			out[t.ID] = append(out[t.ID], h.UserID)
		} else if level == LevelRed {
			if up, err := n.tenants.ByCode(context.Background(), lastSegment(h.Domain)); err == nil {
				out[up.ID] = append(out[up.ID], h.UserID)
			}
		}
	}
	return out, nil
}

func lastSegment(path string) string {
	if i := strings.LastIndex(path, "/"); i >= 0 {
		return path[i+1:]
	}
	return path
}

// CardCreated notifies the people of a new card, inside the card's transaction.
func (n *Notifier) CardCreated(tx *gorm.DB, t *tenant.Tenant, c CardRow, now time.Time) error {
	who, err := n.recipients(tx, t, c.DepartmentID, c.Level)
	if err != nil {
		return err
	}
	link := "/supervision/cards/" + c.ID.String()
	if c.CaseID != nil {
		link = "/cases/" + c.CaseID.String()
	}
	return n.deliver(tx, t, who, "card."+c.Level, c.Title, c.Reason, link, "card:"+c.ID.String(), now)
}

// deliver writes inbox entries for users (by tenant; the scope switches to each
// tenant for its rows and back) and queues their outside deliveries. now is the
// platform clock's, like every other timestamp of the event that caused it.
func (n *Notifier) deliver(tx *gorm.DB, home *tenant.Tenant, who map[uuid.UUID][]uuid.UUID, kind, title, body, link, key string, now time.Time) error {
	email, sms := n.deliveryStates()
	for tid, users := range who {
		if tid != home.ID {
			if err := db.SetScope(tx, db.TenantScope(tid, uuid.Nil)); err != nil {
				return err
			}
		}
		// One statement per tenant: the inbox entries (an existing one for the same
		// key is left alone) and, for those inserted, a delivery row per outside
		// channel. A card reaches several people; a round trip each was most of a
		// card's cost.
		seen := map[uuid.UUID]bool{}
		var ids, us, emailIDs, smsIDs []string
		for _, u := range users {
			if seen[u] {
				continue
			}
			seen[u] = true
			ids = append(ids, uuid.Must(uuid.NewV7()).String())
			us = append(us, u.String())
			emailIDs = append(emailIDs, uuid.Must(uuid.NewV7()).String())
			smsIDs = append(smsIDs, uuid.Must(uuid.NewV7()).String())
		}
		if len(ids) > 0 {
			err := tx.Exec(`WITH x AS (SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[]) AS x(id, user_id, email_id, sms_id)),
				n AS (INSERT INTO notifications (id, tenant_id, user_id, kind, title, body, link, dedupe_key, created_at)
					SELECT x.id, ?, x.user_id, ?, ?, ?, ?, ?, ? FROM x
					ON CONFLICT (tenant_id, user_id, dedupe_key) DO NOTHING RETURNING id)
				INSERT INTO notification_deliveries (id, tenant_id, notification_id, channel, status)
				SELECT d.id, ?, n.id, d.channel, d.status FROM n JOIN x ON x.id = n.id
				CROSS JOIN LATERAL (VALUES (x.email_id, 'email', ?::text), (x.sms_id, 'sms', ?::text)) AS d(id, channel, status)`,
				uuidArray(ids), uuidArray(us), uuidArray(emailIDs), uuidArray(smsIDs),
				tid, kind, title, body, link, key, now, tid, email, sms).Error
			if err != nil {
				return err
			}
		}
		if tid != home.ID {
			if err := db.SetScope(tx, db.TenantScope(home.ID, uuid.Nil)); err != nil {
				return err
			}
		}
	}
	return nil
}

// uuidArray is a PostgreSQL array literal of UUIDs (their text has no characters that
// need quoting), passed as one parameter: GORM would expand a Go slice into a list.
func uuidArray(ids []string) string { return "{" + strings.Join(ids, ",") + "}" }

// deliveryStates is the initial state of an email and an SMS delivery: pending when
// the channel is configured, else not_configured.
func (n *Notifier) deliveryStates() (email, sms string) {
	email, sms = "pending", "not_configured"
	if n.smtp.Addr == "" {
		email = "not_configured"
	}
	if n.sms != nil {
		sms = "pending"
	}
	return email, sms
}

// Channels reports each channel's state for the console.
func (n *Notifier) Channels() map[string]string {
	out := map[string]string{"inapp": "configured", "email": "configured", "sms": "configured"}
	if n.smtp.Addr == "" {
		out["email"] = "not_configured"
	}
	if n.sms == nil {
		out["sms"] = "not_configured"
	}
	return out
}

// EmailPayload is TypeEmail's payload.
type EmailPayload struct {
	queue.Scope
	NotificationID uuid.UUID `json:"notification_id"`
}

// SendPendingEmails enqueues pending email deliveries (called by the sweep so that a
// lost enqueue is retried).
func (n *Notifier) SendPendingEmails(ctx context.Context, tenants []*tenant.Tenant) error {
	if n.smtp.Addr == "" || n.queue == nil {
		return nil
	}
	var rows []struct {
		NotificationID uuid.UUID `gorm:"type:uuid"`
		TenantID       uuid.UUID `gorm:"type:uuid"`
	}
	err := n.db.Tx(ctx, db.ReadOnlyScope(tenant.IDs(tenants)), func(tx *gorm.DB) error {
		return tx.Raw(`SELECT notification_id, tenant_id FROM notification_deliveries WHERE channel = 'email' AND status = 'pending' LIMIT 1000`).Scan(&rows).Error
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		t, err := n.tenants.ByID(ctx, r.TenantID)
		if err != nil {
			continue
		}
		p := EmailPayload{Scope: queue.Scope{TenantID: t.ID, TenantCode: t.Code}, NotificationID: r.NotificationID}
		_ = n.queue.Enqueue(ctx, asynq.NewTask(TypeEmail, queue.Payload(p)), t.Code, queue.Low, asynq.TaskID("email:"+r.NotificationID.String()), asynq.MaxRetry(8))
	}
	return nil
}

// HandleEmail sends one notification by email over SMTP and records the outcome.
func (n *Notifier) HandleEmail(ctx context.Context, task *asynq.Task) error {
	var p EmailPayload
	if err := queue.Decode(task, &p); err != nil {
		return err
	}
	var row struct {
		Title  string
		Body   string
		UserID uuid.UUID `gorm:"type:uuid"`
		Email  string    `gorm:"-"`
		Status string
	}
	err := n.db.Tx(ctx, db.TenantScope(p.TenantID, uuid.Nil), func(tx *gorm.DB) error {
		res := tx.Raw(`SELECT n.title, n.body, n.user_id, d.status FROM notifications n
			JOIN notification_deliveries d ON d.notification_id = n.id AND d.channel = 'email' WHERE n.id = ?`, p.NotificationID).Scan(&row)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		var err error
		row.Email, err = identity.EmailOf(tx, row.UserID)
		return err
	})
	if err != nil {
		return err
	}
	if row.Status != "pending" {
		return nil
	}
	status, detail := "sent", ""
	switch {
	case row.Email == "":
		status = "no_address"
	default:
		msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n",
			n.smtp.From, row.Email, b64(row.Title), row.Body)
		var auth smtp.Auth
		if n.smtp.Username != "" {
			host := n.smtp.Addr
			if i := strings.LastIndex(host, ":"); i > 0 {
				host = host[:i]
			}
			auth = smtp.PlainAuth("", n.smtp.Username, n.smtp.Password, host)
		}
		if err := smtp.SendMail(n.smtp.Addr, auth, n.smtp.From, []string{row.Email}, []byte(msg)); err != nil {
			// Stays pending with the error recorded; Asynq retries with backoff.
			status, detail = "pending", err.Error()
		}
	}
	err = n.db.Tx(ctx, db.TenantScope(p.TenantID, uuid.Nil), func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE notification_deliveries SET status = ?, detail = ?, attempts = attempts + 1, updated_at = now()
			WHERE notification_id = ? AND channel = 'email'`, status, detail, p.NotificationID).Error
	})
	if err != nil {
		return err
	}
	if status == "pending" {
		return apperr.New(apperr.KindUnavailable, "unavailable", apperr.Params{"dependency": "smtp: " + detail})
	}
	return nil
}
