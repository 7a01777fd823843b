package appraisal

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// PublicResult is one subject on a portal's ranking.
type PublicResult struct {
	SubjectKey  string              `json:"subject_key"`
	SubjectName string              `json:"subject_name"`
	Score       Points              `json:"score"`
	Rank        int                 `json:"rank"`
	GroupSize   int                 `json:"group_size"`
	ScoreChange *Points             `json:"score_change"`
	RankChange  *int                `json:"rank_change"`
	Categories  []CategoryScoreView `json:"categories"`
}

// PublicGroup is one ranking on a portal.
type PublicGroup struct {
	Key     string         `json:"key"`
	Kind    string         `json:"kind"`
	Name    string         `json:"name"`
	Results []PublicResult `json:"results"`
}

// PublicRevision is one published revision of a period (the announcement of a
// correction).
type PublicRevision struct {
	Revision     int        `json:"revision"`
	Reason       string     `json:"reason"`
	PublishedAt  time.Time  `json:"published_at"`
	SupersededAt *time.Time `json:"superseded_at"`
}

// PublicRanking is GET /public/{tenantCode}/appraisal.
type PublicRanking struct {
	TenantCode  string           `json:"tenant_code"`
	TenantName  string           `json:"tenant_name"`
	SchemeID    *uuid.UUID       `json:"scheme_id"`
	SchemeName  string           `json:"scheme_name"`
	Period      string           `json:"period"`
	Periods     []string         `json:"periods"`
	Revision    int              `json:"revision"`
	PublishedAt *time.Time       `json:"published_at"`
	Revisions   []PublicRevision `json:"revisions"`
	Categories  []CategoryView   `json:"categories"`
	Groups      []PublicGroup    `json:"groups"`
}

// Public reads the published results a tenant's portal shows: on the city's portal
// the counties' ranking and the city departments'; on a county's, its departments'
// and its place among the counties. Only published rows are readable here (the
// database's policy), in whatever scope.
func (s *Service) Public(ctx context.Context, t *tenant.Tenant, schemeID uuid.UUID, period string) (*PublicRanking, error) {
	city, err := s.rootOf(ctx, t)
	if err != nil {
		return nil, err
	}
	out := &PublicRanking{TenantCode: t.Code, TenantName: t.Name, Periods: []string{}, Revisions: []PublicRevision{}, Categories: []CategoryView{}, Groups: []PublicGroup{}}
	if period != "" {
		if _, err := ParsePeriod(period); err != nil {
			return nil, err
		}
	}
	err = s.db.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{t.ID}), func(tx *gorm.DB) error {
		var published []Run
		q := tx.Where("tenant_id = ? AND kind = ? AND published_at IS NOT NULL", city.ID, KindFinal)
		if schemeID != uuid.Nil {
			q = q.Where("scheme_id = ?", schemeID)
		}
		if err := q.Order("published_at DESC, id").Find(&published).Error; err != nil {
			return db.Classify(err)
		}
		if len(published) == 0 {
			if period != "" {
				return apperr.NotFound("appraisal.nothing_published", apperr.Params{"period": period})
			}
			return nil
		}
		sid := published[0].SchemeID
		var current *Run
		seen := map[string]bool{}
		for i := range published {
			r := &published[i]
			if r.SchemeID != sid {
				continue
			}
			if !seen[r.Period] {
				seen[r.Period] = true
				out.Periods = append(out.Periods, r.Period)
			}
			if r.Status == RunPublished && (period == "" && (current == nil || r.PeriodStart.After(current.PeriodStart)) || r.Period == period) {
				current = r
			}
		}
		sortDesc(out.Periods)
		if current == nil {
			return apperr.NotFound("appraisal.nothing_published", apperr.Params{"period": period})
		}
		var sc Scheme
		if err := tx.Where("id = ?", sid).First(&sc).Error; err != nil {
			return db.Classify(err)
		}
		out.SchemeID, out.SchemeName, out.Period, out.Revision, out.PublishedAt = &sid, sc.Name, current.Period, current.Revision, current.PublishedAt
		for _, r := range published {
			if r.SchemeID == sid && r.Period == current.Period {
				out.Revisions = append(out.Revisions, PublicRevision{Revision: r.Revision, Reason: r.RevisionReason, PublishedAt: *r.PublishedAt, SupersededAt: r.SupersededAt})
			}
		}
		body, err := runBody(tx, current)
		if err != nil {
			return err
		}
		for _, c := range body.Categories {
			out.Categories = append(out.Categories, CategoryView(c))
		}
		groups := []string{SubjectCounty + ":" + city.Code}
		if t.ID == city.ID {
			groups = append(groups, SubjectCityDepartment+":"+city.Code)
		} else {
			groups = append([]string{SubjectCountyDepartment + ":" + t.Code}, groups...)
		}
		for _, g := range groups {
			views, err := s.resultViews(ctx, tx, current, body, DetailFilter{Group: g, NoIndicators: true})
			if err != nil {
				return err
			}
			if len(views) == 0 {
				continue
			}
			pg := PublicGroup{Key: g, Results: []PublicResult{}}
			for _, gv := range s.groups(ctx, views) {
				pg.Kind, pg.Name = gv.Kind, gv.Name
			}
			for _, v := range views {
				pg.Results = append(pg.Results, PublicResult{SubjectKey: v.SubjectKey, SubjectName: v.SubjectName, Score: v.Score, Rank: v.Rank,
					GroupSize: v.GroupSize, ScoreChange: v.ScoreChange, RankChange: v.RankChange, Categories: v.Categories})
			}
			out.Groups = append(out.Groups, pg)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func sortDesc(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] > s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func init() {
	apperr.Register("appraisal.nothing_published", "周期 {period} 没有公布的考核结果", "No appraisal results are published for {period}")
}
