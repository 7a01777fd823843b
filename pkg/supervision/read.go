package supervision

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/calendar"
	"sunshine/pkg/casework"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// CardFilter selects cards among those the caller may see (Visible).
type CardFilter struct {
	// Tenant (a code) narrows the list to one visible tenant.
	Tenant string
	// DepartmentID narrows it to one department (a department reader may name only
	// its own: another is a 404).
	DepartmentID uuid.UUID
	Level        string
	Status       string
	Rule         string
	CaseID       uuid.UUID
	Limit        int
	Offset       int
}

// Cards lists cards, newest first, with the total.
func (s *Service) Cards(ctx context.Context, f CardFilter) ([]CardRow, int64, error) {
	ts, dept, err := s.Visible(ctx, f.Tenant)
	if err != nil {
		return nil, 0, err
	}
	if dept != uuid.Nil {
		if f.DepartmentID != uuid.Nil && f.DepartmentID != dept {
			return nil, 0, apperr.NotFound("not_found")
		}
		f.DepartmentID = dept
	}
	tenants := tenant.IDs(ts)
	var out []CardRow
	var total int64
	err = s.db.Tx(ctx, db.ReadOnlyScope(tenants), func(tx *gorm.DB) error {
		q := tx.Model(&CardRow{}).Where("tenant_id IN ?", tenants)
		if f.Level != "" {
			q = q.Where("level = ?", f.Level)
		}
		if f.Status != "" {
			if f.Status == "open" {
				q = q.Where("status IN ('active', 'appealed')")
			} else {
				q = q.Where("status = ?", f.Status)
			}
		}
		if f.Rule != "" {
			q = q.Where("rule = ?", f.Rule)
		}
		if f.DepartmentID != uuid.Nil {
			q = q.Where("department_id = ?", f.DepartmentID)
		}
		if f.CaseID != uuid.Nil {
			q = q.Where("case_id = ?", f.CaseID)
		}
		if err := q.Count(&total).Error; err != nil {
			return err
		}
		if f.Limit <= 0 {
			f.Limit = 50
		}
		if err := q.Order("created_at DESC, id").Limit(f.Limit).Offset(f.Offset).Find(&out).Error; err != nil {
			return err
		}
		return s.nameCards(ctx, tx, out)
	})
	if out == nil {
		out = []CardRow{}
	}
	return out, total, err
}

// Card returns one card the caller may see (Visible), with its names.
func (s *Service) Card(ctx context.Context, id uuid.UUID) (*CardRow, error) {
	ts, dept, err := s.Visible(ctx, "")
	if err != nil {
		return nil, err
	}
	var c CardRow
	err = s.db.Tx(ctx, db.ReadOnlyScope(tenant.IDs(ts)), func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).First(&c).Error; err != nil {
			return err
		}
		one := []CardRow{c}
		if err := s.nameCards(ctx, tx, one); err != nil {
			return err
		}
		c = one[0]
		return nil
	})
	if err != nil {
		return nil, db.Classify(err)
	}
	if dept != uuid.Nil && (c.DepartmentID == nil || *c.DepartmentID != dept) {
		return nil, apperr.NotFound("not_found")
	}
	return &c, nil
}

// nameCards fills the cards' tenant codes and department names.
func (s *Service) nameCards(ctx context.Context, tx *gorm.DB, cards []CardRow) error {
	var ids []uuid.UUID
	for _, c := range cards {
		if c.DepartmentID != nil {
			ids = append(ids, *c.DepartmentID)
		}
	}
	names, err := tenancy.DepartmentNames(tx, ids)
	if err != nil {
		return err
	}
	for i := range cards {
		if t, err := s.tenants.ByID(ctx, cards[i].TenantID); err == nil {
			cards[i].TenantCode = t.Code
		}
		if cards[i].DepartmentID != nil {
			cards[i].DepartmentName = names[*cards[i].DepartmentID]
		}
		cards[i].AllowedActions = s.cardActions(ctx, &cards[i])
	}
	return nil
}

// Counts are open cards by level.
type Counts struct {
	Reminder int `json:"reminder"`
	Yellow   int `json:"yellow"`
	Red      int `json:"red"`
	Appealed int `json:"appealed"`
	Total    int `json:"total"`
}

func (c *Counts) add(level, status string, n int) {
	switch level {
	case LevelReminder:
		c.Reminder += n
	case LevelYellow:
		c.Yellow += n
	case LevelRed:
		c.Red += n
	}
	if status == StatusAppealed {
		c.Appealed += n
	}
	c.Total += n
}

// TenantCounts are one tenant's open cards.
type TenantCounts struct {
	TenantID uuid.UUID `json:"-"`
	Code     string    `json:"code"`
	Name     string    `json:"name"`
	Counts   Counts    `json:"counts"`
	// OverdueCases is the number of open cases past their due date now.
	OverdueCases int `json:"overdue_cases"`
}

// DepartmentCounts are one department's open cards.
type DepartmentCounts struct {
	TenantCode   string    `json:"tenant_code"`
	DepartmentID uuid.UUID `json:"department_id"`
	Name         string    `json:"name"`
	Counts       Counts    `json:"counts"`
}

// TrendPoint is the cards created on one day.
type TrendPoint struct {
	Date     string `json:"date"`
	Reminder int    `json:"reminder"`
	Yellow   int    `json:"yellow"`
	Red      int    `json:"red"`
}

// Overview is what the dashboards show.
type Overview struct {
	Tenants     []TenantCounts     `json:"tenants"`
	Departments []DepartmentCounts `json:"departments"`
	ByRule      map[string]int     `json:"by_rule"`
	Totals      Counts             `json:"totals"`
	Oldest      []CardRow          `json:"oldest"`
	Trend       []TrendPoint       `json:"trend"`
	// CaseRungs counts the cases with open cards once each, at their highest open rung
	// (a case with an open yellow card and an open step card counts as one yellow).
	CaseRungs Counts `json:"case_rungs"`
	// Cases are the highest open card of each case at the top of the ladder: red
	// first, then yellow, then reminders, oldest first, at most MaxOverviewCases.
	Cases       []CardRow `json:"cases"`
	GeneratedAt time.Time `json:"generated_at"`
}

// MaxOverviewCases bounds Overview.Cases.
const MaxOverviewCases = 20

// highestOpenPerCase selects, per case, its highest open card (ties: the oldest).
const highestOpenPerCase = `SELECT DISTINCT ON (tenant_id, case_id) id, level, status, created_at,
		CASE level WHEN 'red' THEN 3 WHEN 'yellow' THEN 2 ELSE 1 END AS rung
	FROM supervision_cards WHERE tenant_id IN ? AND case_id IS NOT NULL AND status IN ('active', 'appealed')`

// Overview aggregates the open cards of the tenants the caller may read (a city
// caller's every county, a county caller's own; tenantCode narrows it to one),
// optionally of one department, with a 30-day trend.
func (s *Service) Overview(ctx context.Context, tenantCode string, department uuid.UUID) (*Overview, error) {
	tenants, err := s.Readable(ctx, tenantCode)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	ids := make([]uuid.UUID, len(tenants))
	byID := map[uuid.UUID]*TenantCounts{}
	out := &Overview{ByRule: map[string]int{}, GeneratedAt: now}
	for i, t := range tenants {
		ids[i] = t.ID
		out.Tenants = append(out.Tenants, TenantCounts{TenantID: t.ID, Code: t.Code, Name: t.Name})
	}
	for i := range out.Tenants {
		byID[out.Tenants[i].TenantID] = &out.Tenants[i]
	}
	err = s.db.Tx(ctx, db.ReadOnlyScope(ids), func(tx *gorm.DB) error {
		deptFilter := func(q *gorm.DB) *gorm.DB {
			if department != uuid.Nil {
				return q.Where("department_id = ?", department)
			}
			return q
		}
		var rows []struct {
			TenantID     uuid.UUID  `gorm:"type:uuid"`
			DepartmentID *uuid.UUID `gorm:"type:uuid"`
			Level        string
			Rule         string
			Status       string
			N            int
		}
		q := deptFilter(tx.Table("supervision_cards").Select("tenant_id, department_id, level, rule, status, count(*) AS n").
			Where("tenant_id IN ? AND status IN ('active', 'appealed')", ids)).Group("tenant_id, department_id, level, rule, status")
		if err := q.Scan(&rows).Error; err != nil {
			return err
		}
		depts := map[uuid.UUID]*DepartmentCounts{}
		var deptIDs []uuid.UUID
		for _, r := range rows {
			if t := byID[r.TenantID]; t != nil {
				t.Counts.add(r.Level, r.Status, r.N)
			}
			out.Totals.add(r.Level, r.Status, r.N)
			out.ByRule[r.Rule] += r.N
			if r.DepartmentID != nil {
				d, ok := depts[*r.DepartmentID]
				if !ok {
					code := ""
					if t := byID[r.TenantID]; t != nil {
						code = t.Code
					}
					d = &DepartmentCounts{TenantCode: code, DepartmentID: *r.DepartmentID}
					depts[*r.DepartmentID] = d
					deptIDs = append(deptIDs, *r.DepartmentID)
				}
				d.Counts.add(r.Level, r.Status, r.N)
			}
		}
		names, err := tenancy.DepartmentNames(tx, deptIDs)
		if err != nil {
			return err
		}
		for id, name := range names {
			if d := depts[id]; d != nil {
				d.Name = name
			}
		}
		for _, id := range deptIDs {
			out.Departments = append(out.Departments, *depts[id])
		}
		overdue, err := casework.OverdueCounts(tx, ids, department, now)
		if err != nil {
			return err
		}
		for id, n := range overdue {
			if t := byID[id]; t != nil {
				t.OverdueCases = n
			}
		}
		if err := deptFilter(tx.Where("tenant_id IN ? AND status IN ('active', 'appealed')", ids)).Order("created_at, id").Limit(10).Find(&out.Oldest).Error; err != nil {
			return err
		}
		if err := s.nameCards(ctx, tx, out.Oldest); err != nil {
			return err
		}
		// Each case once, at its highest open rung.
		top, args := highestOpenPerCase, []any{ids}
		if department != uuid.Nil {
			top += " AND department_id = ?"
			args = append(args, department)
		}
		top += " ORDER BY tenant_id, case_id, rung DESC, created_at, id"
		var rungs []struct {
			Level  string
			Status string
			N      int
		}
		if err := tx.Raw("SELECT level, status, count(*) AS n FROM ("+top+") x GROUP BY level, status", args...).Scan(&rungs).Error; err != nil {
			return err
		}
		for _, r := range rungs {
			out.CaseRungs.add(r.Level, r.Status, r.N)
		}
		if err := tx.Raw("SELECT k.* FROM supervision_cards k JOIN ("+top+") x ON x.id = k.id ORDER BY x.rung DESC, k.created_at, k.id LIMIT ?",
			append(args, MaxOverviewCases)...).Scan(&out.Cases).Error; err != nil {
			return err
		}
		if err := s.nameCards(ctx, tx, out.Cases); err != nil {
			return err
		}
		from := calendar.DateOf(now).AddDays(-29)
		var trend []struct {
			Day   time.Time
			Level string
			N     int
		}
		if err := deptFilter(tx.Table("supervision_cards").
			Select("date_trunc('day', created_at AT TIME ZONE 'Asia/Shanghai') AS day, level, count(*) AS n").
			Where("tenant_id IN ? AND created_at >= ?", ids, from.Start())).Group("day, level").Scan(&trend).Error; err != nil {
			return err
		}
		points := map[string]*TrendPoint{}
		for d := from; !d.After(calendar.DateOf(now)); d = d.AddDays(1) {
			p := &TrendPoint{Date: d.String()}
			points[p.Date] = p
			out.Trend = append(out.Trend, TrendPoint{})
		}
		for _, r := range trend {
			p := points[calendar.NewDate(r.Day.Year(), r.Day.Month(), r.Day.Day()).String()]
			if p == nil {
				continue
			}
			switch r.Level {
			case LevelReminder:
				p.Reminder += r.N
			case LevelYellow:
				p.Yellow += r.N
			case LevelRed:
				p.Red += r.N
			}
		}
		i := 0
		for d := from; !d.After(calendar.DateOf(now)); d = d.AddDays(1) {
			out.Trend[i] = *points[d.String()]
			i++
		}
		return nil
	})
	if out.Oldest == nil {
		out.Oldest = []CardRow{}
	}
	if out.Cases == nil {
		out.Cases = []CardRow{}
	}
	if out.Departments == nil {
		out.Departments = []DepartmentCounts{}
	}
	return out, err
}

// TenantRef names a tenant for the overview.
type TenantRef struct {
	ID   uuid.UUID
	Code string
	Name string
}

// NoticeFilter selects notices among those the caller may see (Visible).
type NoticeFilter struct {
	// Tenant (a code) narrows the list to one visible tenant.
	Tenant string
	Status string
}

// Notices lists the notices the caller may see, newest first.
func (s *Service) Notices(ctx context.Context, f NoticeFilter) ([]Notice, error) {
	ts, dept, err := s.Visible(ctx, f.Tenant)
	if err != nil {
		return nil, err
	}
	tenants := tenant.IDs(ts)
	var out []Notice
	err = s.db.Tx(ctx, db.ReadOnlyScope(tenants), func(tx *gorm.DB) error {
		q := tx.Where("tenant_id IN ?", tenants)
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		if dept != uuid.Nil {
			q = q.Where("department_id = ?", dept)
		}
		if err := q.Order("created_at DESC").Limit(500).Find(&out).Error; err != nil {
			return err
		}
		return nameNotices(ctx, tx, out)
	})
	if out == nil {
		out = []Notice{}
	}
	return out, err
}

// nameNotices fills the notices' department names and the reader's allowed actions.
func nameNotices(ctx context.Context, tx *gorm.DB, ns []Notice) error {
	ids := make([]uuid.UUID, len(ns))
	for i, n := range ns {
		ids[i] = n.DepartmentID
	}
	names, err := tenancy.DepartmentNames(tx, ids)
	if err != nil {
		return err
	}
	for i := range ns {
		ns[i].DepartmentName = names[ns[i].DepartmentID]
		ns[i].AllowedActions = noticeActions(ctx, &ns[i])
	}
	return nil
}

// Inbox returns the caller's notifications, newest first, and the unread count.
func (s *Service) Inbox(ctx context.Context, unreadOnly bool, limit, offset int) (items []Notification, total, unread int64, err error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, 0, 0, err
	}
	tenantID, userID := c.TenantID, c.UserID
	err = s.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		if err := tx.Model(&Notification{}).Where("tenant_id = ? AND user_id = ? AND read_at IS NULL", tenantID, userID).Count(&unread).Error; err != nil {
			return err
		}
		total = unread
		if !unreadOnly {
			if err := tx.Model(&Notification{}).Where("tenant_id = ? AND user_id = ?", tenantID, userID).Count(&total).Error; err != nil {
				return err
			}
		}
		q := tx.Where("tenant_id = ? AND user_id = ?", tenantID, userID)
		if unreadOnly {
			q = q.Where("read_at IS NULL")
		}
		if limit <= 0 || limit > 200 {
			limit = 50
		}
		if offset < 0 {
			offset = 0
		}
		return q.Order("created_at DESC, id DESC").Limit(limit).Offset(offset).Find(&items).Error
	})
	if items == nil {
		items = []Notification{}
	}
	return items, total, unread, err
}

// MarkRead marks one (or, with id Nil, every) notification of the caller read.
func (s *Service) MarkRead(ctx context.Context, id uuid.UUID) error {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return err
	}
	tenantID, userID := c.TenantID, c.UserID
	return s.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		q := tx.Model(&Notification{}).Where("tenant_id = ? AND user_id = ? AND read_at IS NULL", tenantID, userID)
		if id != uuid.Nil {
			q = q.Where("id = ?", id)
		}
		res := q.Update("read_at", s.clock.Now())
		if res.Error != nil {
			return res.Error
		}
		if id != uuid.Nil && res.RowsAffected == 0 {
			var n int64
			tx.Model(&Notification{}).Where("id = ? AND user_id = ?", id, userID).Count(&n)
			if n == 0 {
				return apperr.NotFound("not_found")
			}
		}
		return nil
	})
}

// Channels reports the notification channels' state.
func (s *Service) Channels() map[string]string {
	if s.notifier == nil {
		return map[string]string{"inapp": "configured", "email": "not_configured", "sms": "not_configured"}
	}
	return s.notifier.Channels()
}
