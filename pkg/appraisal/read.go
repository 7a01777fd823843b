package appraisal

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/files"
	"sunshine/pkg/tenant"
)

// RunView is a run as the API shows it.
type RunView struct {
	Run
	SchemeName     string   `json:"scheme_name"`
	ClosesAt       *string  `json:"closes_at"`
	ObjectionsOpen int64    `json:"objections_open"`
	Adjustments    int64    `json:"adjustments"`
	AllowedActions []string `json:"allowed_actions"`
}

// CategoryView is a category of the run's scheme version.
type CategoryView struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
	Kind   string `json:"kind"`
	Weight Points `json:"weight"`
}

// IndicatorView is an indicator of the run's scheme version.
type IndicatorView struct {
	Code       string              `json:"code"`
	Name       string              `json:"name"`
	NameEn     string              `json:"name_en"`
	Category   string              `json:"category"`
	Definition string              `json:"definition"`
	Measure    string              `json:"measure"`
	Manual     bool                `json:"manual"`
	Params     map[string][]string `json:"params"`
	Rule       Rule                `json:"rule"`
}

// GroupView is one ranking of the run.
type GroupView struct {
	Key        string `json:"key"`
	Kind       string `json:"kind"`
	TenantCode string `json:"tenant_code"`
	Name       string `json:"name"`
	Size       int    `json:"size"`
}

// ResultIndicatorView is one indicator of one subject.
type ResultIndicatorView struct {
	Code        string           `json:"code"`
	Category    string           `json:"category"`
	Definition  string           `json:"definition"`
	Numerator   int64            `json:"numerator"`
	Denominator int64            `json:"denominator"`
	Count       int64            `json:"count"`
	Rate        *Points          `json:"rate"`
	Raw         map[string]int64 `json:"raw"`
	Computed    Points           `json:"computed"`
	Points      Points           `json:"points"`
	Adjusted    bool             `json:"adjusted"`
}

// CategoryScoreView is one category of one subject.
type CategoryScoreView struct {
	Code     string `json:"code"`
	Computed Points `json:"computed"`
	Score    Points `json:"score"`
}

// PreviousView is a subject's result in the previous period.
type PreviousView struct {
	Period string `json:"period"`
	RunID  string `json:"run_id"`
	Status string `json:"status"`
	Score  Points `json:"score"`
	Rank   int    `json:"rank"`
}

// ResultView is one subject's result.
type ResultView struct {
	ID          uuid.UUID             `json:"id"`
	SubjectKey  string                `json:"subject_key"`
	SubjectKind string                `json:"subject_kind"`
	SubjectName string                `json:"subject_name"`
	SubjectCode string                `json:"subject_code"`
	TenantCode  string                `json:"tenant_code"`
	GroupKey    string                `json:"group_key"`
	Computed    Points                `json:"computed"`
	Score       Points                `json:"score"`
	Rank        int                   `json:"rank"`
	GroupSize   int                   `json:"group_size"`
	Adjusted    bool                  `json:"adjusted"`
	Previous    *PreviousView         `json:"previous"`
	ScoreChange *Points               `json:"score_change"`
	RankChange  *int                  `json:"rank_change"`
	Categories  []CategoryScoreView   `json:"categories"`
	Indicators  []ResultIndicatorView `json:"indicators,omitempty"`
}

// RunDetail is GET /runs/{id}.
type RunDetail struct {
	RunView
	Categories []CategoryView  `json:"categories"`
	Indicators []IndicatorView `json:"indicators"`
	Groups     []GroupView     `json:"groups"`
	Results    []ResultView    `json:"results"`
}

// RunFilter narrows GET /runs.
type RunFilter struct {
	SchemeID uuid.UUID
	Period   string
	Kind     string
	Status   string
	Limit    int
	Offset   int
}

// Runs lists the runs the scope may read, newest period first.
func (s *Service) Runs(ctx context.Context, scope db.Scope, a actor.Actor, f RunFilter) ([]RunView, int64, error) {
	var out []RunView
	var total int64
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		q := tx.Model(&Run{})
		if f.SchemeID != uuid.Nil {
			q = q.Where("scheme_id = ?", f.SchemeID)
		}
		if f.Period != "" {
			q = q.Where("period = ?", f.Period)
		}
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		}
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		if err := q.Count(&total).Error; err != nil {
			return db.Classify(err)
		}
		var runs []Run
		if err := q.Order("period_start DESC, kind, revision DESC, id").Limit(f.Limit).Offset(f.Offset).Find(&runs).Error; err != nil {
			return db.Classify(err)
		}
		views, err := s.runViews(ctx, tx, a, runs)
		out = views
		return err
	})
	return out, total, err
}

func (s *Service) runViews(ctx context.Context, tx *gorm.DB, a actor.Actor, runs []Run) ([]RunView, error) {
	out := make([]RunView, len(runs))
	if len(runs) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	var counts []struct {
		RunID uuid.UUID `gorm:"type:uuid"`
		Open  int64
		Adj   int64
	}
	if err := tx.Raw(`SELECT r.id AS run_id,
			(SELECT count(*) FROM appraisal_objections o WHERE o.run_id = r.id AND o.status = 'open') AS open,
			(SELECT count(*) FROM appraisal_adjustments j WHERE j.run_id = r.id) AS adj
		FROM appraisal_runs r WHERE r.id = ANY (?::uuid[])`, arrayLiteral(ids)).Scan(&counts).Error; err != nil {
		return nil, db.Classify(err)
	}
	byRun := map[uuid.UUID][2]int64{}
	for _, c := range counts {
		byRun[c.RunID] = [2]int64{c.Open, c.Adj}
	}
	names := map[uuid.UUID]string{}
	var schemes []Scheme
	if err := tx.Where("id IN ?", uniqueSchemes(runs)).Find(&schemes).Error; err != nil {
		return nil, db.Classify(err)
	}
	for _, sc := range schemes {
		names[sc.ID] = sc.Name
	}
	manage := s.mayManage(ctx, a)
	now := s.now()
	for i, r := range runs {
		v := RunView{Run: r, SchemeName: names[r.SchemeID], ObjectionsOpen: byRun[r.ID][0], Adjustments: byRun[r.ID][1]}
		if v.Definitions == nil {
			v.Definitions = []byte("{}")
		}
		object := !manage && a.Kind == actor.KindUser && s.enforcer != nil && s.enforcer.Allowed(a.UserID, a.TenantPath, "appraisal:object") &&
			r.Status == RunObjection && (r.ObjectionDeadline == nil || now.Before(*r.ObjectionDeadline)) && audienceHas(r.Audience, a.TenantID)
		v.AllowedActions = runMachine.Allowed(r.Status, func(action string) bool {
			switch action {
			case "score", "fail", "supersede", "answer":
				return false
			case "object":
				return object
			case "revise":
				return manage && r.Kind == KindFinal
			case "open_objections", "approve", "publish", "adjust":
				return manage && r.Kind == KindFinal
			}
			return manage
		})
		out[i] = v
	}
	return out, nil
}

func audienceHas(a uuidArray, t uuid.UUID) bool {
	for _, id := range a {
		if id == t {
			return true
		}
	}
	return false
}

func uniqueSchemes(runs []Run) []uuid.UUID {
	seen := map[uuid.UUID]bool{}
	out := []uuid.UUID{}
	for _, r := range runs {
		if !seen[r.SchemeID] {
			seen[r.SchemeID] = true
			out = append(out, r.SchemeID)
		}
	}
	return out
}

// DetailFilter narrows a run's results.
type DetailFilter struct {
	Group        string
	SubjectKind  string
	Subject      string
	NoIndicators bool
}

// RunDetail reads a run with its results (what the scope may see of them).
func (s *Service) RunDetail(ctx context.Context, scope db.Scope, a actor.Actor, id uuid.UUID, f DetailFilter) (*RunDetail, error) {
	var out *RunDetail
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var run Run
		if err := tx.Where("id = ?", id).First(&run).Error; err != nil {
			return db.Classify(err)
		}
		views, err := s.runViews(ctx, tx, a, []Run{run})
		if err != nil {
			return err
		}
		body, err := runBody(tx, &run)
		if err != nil {
			return err
		}
		d := &RunDetail{RunView: views[0], Categories: []CategoryView{}, Indicators: []IndicatorView{}, Groups: []GroupView{}, Results: []ResultView{}}
		if city, err := s.tenants.ByID(ctx, run.TenantID); err == nil && s.cals != nil {
			if cal, err := s.cals.For(ctx, city); err == nil {
				p, _ := ParsePeriod(run.Period)
				c := p.ClosesAt(cal, body.GraceWorkingDays).Format(time.RFC3339)
				d.ClosesAt = &c
			}
		}
		for _, c := range body.Categories {
			d.Categories = append(d.Categories, CategoryView(c))
		}
		for _, in := range body.Indicators {
			iv := IndicatorView{Code: in.Code, Name: in.Name, NameEn: in.NameEn, Category: in.Category, Definition: in.Definition, Params: in.Params, Rule: in.Rule}
			if iv.Params == nil {
				iv.Params = map[string][]string{}
			}
			if def, ok := s.reg.Get(in.Definition); ok {
				iv.Measure, iv.Manual = def.Measure, def.Manual
				if iv.Name == "" {
					iv.Name = def.Name.Zh
				}
				if iv.NameEn == "" {
					iv.NameEn = def.Name.En
				}
			}
			d.Indicators = append(d.Indicators, iv)
		}
		results, err := s.resultViews(ctx, tx, &run, body, f)
		if err != nil {
			return err
		}
		d.Results = results
		d.Groups = s.groups(ctx, results)
		out = d
		return nil
	})
	return out, err
}

// groups lists the rankings present in results.
func (s *Service) groups(ctx context.Context, results []ResultView) []GroupView {
	out := []GroupView{}
	idx := map[string]int{}
	for _, r := range results {
		if i, ok := idx[r.GroupKey]; ok {
			out[i].Size = r.GroupSize
			continue
		}
		kind, code, _ := strings.Cut(r.GroupKey, ":")
		g := GroupView{Key: r.GroupKey, Kind: kind, TenantCode: code, Size: r.GroupSize}
		if t, err := s.tenants.ByCode(ctx, code); err == nil {
			switch kind {
			case SubjectCounty:
				g.Name = t.Name + "各县（市、区）"
			case SubjectCountyDepartment:
				g.Name = t.Name + "各部门"
			default:
				g.Name = t.Name + "市直部门"
			}
		}
		idx[r.GroupKey] = len(out)
		out = append(out, g)
	}
	return out
}

// resultViews reads a run's results (as the scope may see them), with their
// indicators and the change since the previous period.
func (s *Service) resultViews(ctx context.Context, tx *gorm.DB, run *Run, body *Body, f DetailFilter) ([]ResultView, error) {
	q := tx.Where("run_id = ?", run.ID)
	if f.Group != "" {
		q = q.Where("group_key = ?", f.Group)
	}
	if f.SubjectKind != "" {
		q = q.Where("subject_kind = ?", f.SubjectKind)
	}
	if f.Subject != "" {
		q = q.Where("subject_key = ?", f.Subject)
	}
	var rows []Result
	if err := q.Order("group_key, rank, subject_code").Find(&rows).Error; err != nil {
		return nil, db.Classify(err)
	}
	inds := map[string][]ResultIndicator{}
	if !f.NoIndicators && len(rows) > 0 {
		iq := tx.Where("run_id = ?", run.ID)
		if f.Group != "" || f.SubjectKind != "" || f.Subject != "" {
			keys := make([]string, len(rows))
			for i, r := range rows {
				keys[i] = r.SubjectKey
			}
			iq = iq.Where("subject_key IN ?", keys)
		}
		var all []ResultIndicator
		if err := iq.Find(&all).Error; err != nil {
			return nil, db.Classify(err)
		}
		for _, in := range all {
			inds[in.SubjectKey] = append(inds[in.SubjectKey], in)
		}
		(&scored{indicators: inds}).sortIndicators(body)
	}
	prev, err := s.previousResults(tx, run)
	if err != nil {
		return nil, err
	}
	out := make([]ResultView, 0, len(rows))
	for _, r := range rows {
		v := resultView(r, body, inds[r.SubjectKey], s.reg)
		if t, err := s.tenants.ByID(ctx, r.SubjectTenantID); err == nil {
			v.TenantCode = t.Code
		}
		if p, ok := prev[r.SubjectKey]; ok {
			pp := p
			v.Previous = &pp
			d := v.Score - p.Score
			rc := p.Rank - v.Rank
			v.ScoreChange, v.RankChange = &d, &rc
		}
		out = append(out, v)
	}
	return out, nil
}

func resultView(r Result, body *Body, inds []ResultIndicator, reg *Registry) ResultView {
	v := ResultView{ID: r.ID, SubjectKey: r.SubjectKey, SubjectKind: r.SubjectKind, SubjectName: r.SubjectName, SubjectCode: r.SubjectCode,
		GroupKey: r.GroupKey, Computed: Points(r.ComputedCents), Score: Points(r.ScoreCents), Rank: r.Rank, GroupSize: r.GroupSize,
		Adjusted: r.Adjusted, Categories: []CategoryScoreView{}}
	var cats map[string]catScore
	_ = json.Unmarshal(r.Categories, &cats)
	for _, c := range body.Categories {
		cs := cats[c.Code]
		v.Categories = append(v.Categories, CategoryScoreView{Code: c.Code, Computed: Points(cs.Computed), Score: Points(cs.Score)})
	}
	for _, in := range inds {
		iv := ResultIndicatorView{Code: in.IndicatorCode, Category: in.CategoryCode, Definition: in.Definition, Numerator: in.Numerator,
			Denominator: in.Denominator, Count: in.ItemCount, Raw: map[string]int64{}, Computed: Points(in.ComputedCents), Points: Points(in.PointsCents),
			Adjusted: in.Adjusted}
		_ = json.Unmarshal(in.Raw, &iv.Raw)
		if bp, ok := iv.Raw["rate_bp"]; ok {
			p := Points(bp)
			iv.Rate = &p
			delete(iv.Raw, "rate_bp")
		}
		v.Indicators = append(v.Indicators, iv)
	}
	return v
}

// referenceRun is the run that stands for a period: its published result (latest
// revision), else its final draft, else its provisional run — among those the caller
// may read.
func referenceRun(tx *gorm.DB, schemeID uuid.UUID, period string) (*Run, error) {
	var runs []Run
	if err := tx.Where("scheme_id = ? AND period = ? AND status NOT IN ?", schemeID, period, []string{RunScoring, RunFailed, RunSuperseded}).
		Find(&runs).Error; err != nil {
		return nil, db.Classify(err)
	}
	rank := func(r Run) int {
		switch {
		case r.Status == RunPublished:
			return 0
		case r.Kind == KindFinal:
			return 1
		}
		return 2
	}
	sort.Slice(runs, func(i, j int) bool {
		if rank(runs[i]) != rank(runs[j]) {
			return rank(runs[i]) < rank(runs[j])
		}
		return runs[i].Revision > runs[j].Revision
	})
	if len(runs) == 0 {
		return nil, nil
	}
	return &runs[0], nil
}

// previousResults maps subject keys to their result in the previous period's
// reference run.
func (s *Service) previousResults(tx *gorm.DB, run *Run) (map[string]PreviousView, error) {
	p, err := ParsePeriod(run.Period)
	if err != nil {
		return nil, err
	}
	prev := p.Previous()
	ref, err := referenceRun(tx, run.SchemeID, prev.Label)
	if err != nil || ref == nil {
		return map[string]PreviousView{}, err
	}
	var rows []Result
	if err := tx.Select("subject_key, score_cents, rank").Where("run_id = ?", ref.ID).Find(&rows).Error; err != nil {
		return nil, db.Classify(err)
	}
	out := make(map[string]PreviousView, len(rows))
	for _, r := range rows {
		out[r.SubjectKey] = PreviousView{Period: prev.Label, RunID: ref.ID.String(), Status: ref.Status, Score: Points(r.ScoreCents), Rank: r.Rank}
	}
	return out, nil
}

// SubjectDetail is GET /runs/{id}/results/{subject}.
type SubjectDetail struct {
	Run         RunView          `json:"run"`
	Categories  []CategoryView   `json:"categories"`
	Indicators  []IndicatorView  `json:"indicators"`
	Result      ResultView       `json:"result"`
	Adjustments []AdjustmentView `json:"adjustments"`
	Objections  []ObjectionView  `json:"objections"`
	// Drillable says whether the counted objects of this subject can be listed for
	// the caller (they belong to the subject's tenant).
	Drillable bool `json:"drillable"`
}

// AdjustmentView is an adjustment with its values and evidence.
type AdjustmentView struct {
	Adjustment
	Before   Points       `json:"before"`
	After    Points       `json:"after"`
	Evidence []files.File `json:"evidence"`
}

// Subject reads one subject's result with its adjustments and objections.
func (s *Service) Subject(ctx context.Context, scope db.Scope, a actor.Actor, runID uuid.UUID, key string) (*SubjectDetail, error) {
	d, err := s.RunDetail(ctx, scope, a, runID, DetailFilter{Subject: key})
	if err != nil {
		return nil, err
	}
	if len(d.Results) != 1 {
		return nil, apperr.NotFound("not_found")
	}
	out := &SubjectDetail{Run: d.RunView, Categories: d.Categories, Indicators: d.Indicators, Result: d.Results[0],
		Adjustments: []AdjustmentView{}, Objections: []ObjectionView{}}
	res := d.Results[0]
	for _, t := range scope.Read {
		if tt, err := s.tenants.ByID(ctx, t); err == nil && tt.Code == res.TenantCode {
			out.Drillable = true
		}
	}
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var adjs []Adjustment
		if err := tx.Where("run_id = ? AND subject_key = ?", runID, key).Order("created_at, id").Find(&adjs).Error; err != nil {
			return db.Classify(err)
		}
		ids := make([]uuid.UUID, len(adjs))
		for i, ad := range adjs {
			ids[i] = ad.ID
		}
		ev, err := files.OwnedBy(tx, FileEvidence, ids)
		if err != nil {
			return err
		}
		for _, ad := range adjs {
			out.Adjustments = append(out.Adjustments, AdjustmentView{Adjustment: ad, Before: Points(ad.BeforeCents), After: Points(ad.AfterCents), Evidence: nonNilFiles(ev[ad.ID])})
		}
		var objs []Objection
		if err := tx.Where("run_id = ? AND subject_key = ?", runID, key).Order("created_at, id").Find(&objs).Error; err != nil {
			return db.Classify(err)
		}
		var run Run
		if err := tx.Where("id = ?", runID).First(&run).Error; err != nil {
			return db.Classify(err)
		}
		views, err := s.objectionViews(ctx, tx, a, &run, objs)
		if err != nil {
			return err
		}
		out.Objections = append(out.Objections, views...)
		return nil
	})
	return out, err
}

// Item is one counted (or not counted) object of an indicator.
type Item struct {
	ObjectType   string          `json:"object_type"`
	ObjectID     uuid.UUID       `json:"object_id"`
	TenantID     uuid.UUID       `json:"-"`
	TenantCode   string          `json:"tenant_code"`
	DepartmentID *uuid.UUID      `json:"department_id"`
	Role         string          `json:"role"`
	At           *time.Time      `json:"at"`
	Label        string          `json:"label"`
	Detail       json.RawMessage `json:"detail"`
}

// ItemsPage is GET …/indicators/{code}/items.
type ItemsPage struct {
	Items []Item `json:"items"`
	Total int64  `json:"total"`
	// Figures are what the run stored for this subject and indicator: the listing's
	// counted items add up to them as long as the data has not changed since.
	Numerator   int64 `json:"numerator"`
	Denominator int64 `json:"denominator"`
	Count       int64 `json:"count"`
	// DefinitionChanged: the indicator's statements changed since the run (the listing
	// follows the current ones).
	DefinitionChanged bool   `json:"definition_changed"`
	Definition        string `json:"definition"`
	Page              int    `json:"page"`
	PageSize          int    `json:"page_size"`
}

// ItemsFilter narrows the listing.
type ItemsFilter struct {
	Role   string
	Limit  int
	Offset int
	Page   int
}

// Items lists the objects an indicator counted for a subject, re-running the
// definition's listing statement with the run's parameters (period, as-of instant).
// Only a subject of the caller's read scope can be drilled into.
func (s *Service) Items(ctx context.Context, scope db.Scope, runID uuid.UUID, key, code string, f ItemsFilter) (*ItemsPage, error) {
	var out *ItemsPage
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var run Run
		if err := tx.Where("id = ?", runID).First(&run).Error; err != nil {
			return db.Classify(err)
		}
		var res Result
		if err := tx.Where("run_id = ? AND subject_key = ?", run.ID, key).First(&res).Error; err != nil {
			return db.Classify(err)
		}
		readable := false
		for _, t := range scope.Read {
			readable = readable || t == res.SubjectTenantID
		}
		if !readable {
			return apperr.NotFound("not_found")
		}
		var ind ResultIndicator
		if err := tx.Where("result_id = ? AND indicator_code = ?", res.ID, code).First(&ind).Error; err != nil {
			return db.Classify(err)
		}
		body, err := runBody(tx, &run)
		if err != nil {
			return err
		}
		bi := body.IndicatorByCode(code)
		def, ok := s.reg.Get(ind.Definition)
		if !ok || bi == nil {
			return apperr.NotFound("not_found")
		}
		var hashes map[string]string
		_ = json.Unmarshal(run.Definitions, &hashes)
		p, err := ParsePeriod(run.Period)
		if err != nil {
			return err
		}
		w := newWindow(p, run.AsOf)
		args := w.args([]uuid.UUID{res.SubjectTenantID}, def, bi.Params)
		args["tenant"] = res.SubjectTenantID
		var dept any
		if res.SubjectDepartmentID != nil {
			dept = *res.SubjectDepartmentID
		}
		args["department"] = dept
		args["role"] = f.Role
		args["limit"], args["offset"] = f.Limit, f.Offset
		base := `SELECT * FROM (` + def.Items + `) i WHERE (@role = '' OR i.role = @role)`
		page := &ItemsPage{Items: []Item{}, Numerator: ind.Numerator, Denominator: ind.Denominator, Count: ind.ItemCount, Definition: def.Code,
			DefinitionChanged: hashes[def.Code] != "" && hashes[def.Code] != def.Hash(), Page: f.Page, PageSize: f.Limit}
		if err := tx.Raw(`SELECT count(*) FROM (`+base+`) c`, args).Scan(&page.Total).Error; err != nil {
			return db.Classify(err)
		}
		rows, err := tx.Raw(base+` ORDER BY i.at NULLS LAST, i.object_id LIMIT @limit OFFSET @offset`, args).Rows()
		if err != nil {
			return db.Classify(err)
		}
		defer rows.Close()
		for rows.Next() {
			var it Item
			var detail []byte
			if err := rows.Scan(&it.ObjectType, &it.ObjectID, &it.TenantID, &it.DepartmentID, &it.Role, &it.At, &it.Label, &detail); err != nil {
				return db.Classify(err)
			}
			it.Detail = json.RawMessage(detail)
			if len(detail) == 0 {
				it.Detail = json.RawMessage("{}")
			}
			if t, err := s.tenants.ByID(ctx, it.TenantID); err == nil {
				it.TenantCode = t.Code
			}
			page.Items = append(page.Items, it)
		}
		out = page
		return rows.Err()
	})
	return out, err
}

// TrendPoint is one period of a subject's history.
type TrendPoint struct {
	Period     string              `json:"period"`
	RunID      uuid.UUID           `json:"run_id"`
	Status     string              `json:"status"`
	Kind       string              `json:"kind"`
	Score      Points              `json:"score"`
	Rank       int                 `json:"rank"`
	GroupSize  int                 `json:"group_size"`
	Categories []CategoryScoreView `json:"categories"`
}

// Trend lists a subject's score and rank over the last n periods of a scheme (the
// reference run of each period the caller may read).
func (s *Service) Trend(ctx context.Context, scope db.Scope, schemeID uuid.UUID, key string, n int) ([]TrendPoint, error) {
	out := []TrendPoint{}
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var sc Scheme
		if err := tx.Where("id = ?", schemeID).First(&sc).Error; err != nil {
			return db.Classify(err)
		}
		p := PeriodOf(sc.PeriodKind, calendar.DateOf(s.now()))
		for i := 0; i < n; i++ {
			ref, err := referenceRun(tx, sc.ID, p.Label)
			if err != nil {
				return err
			}
			if ref != nil {
				var r Result
				res := tx.Where("run_id = ? AND subject_key = ?", ref.ID, key).Limit(1).Find(&r)
				if res.Error != nil {
					return db.Classify(res.Error)
				}
				if res.RowsAffected == 1 {
					body, err := runBody(tx, ref)
					if err != nil {
						return err
					}
					v := resultView(r, body, nil, s.reg)
					out = append(out, TrendPoint{Period: p.Label, RunID: ref.ID, Status: ref.Status, Kind: ref.Kind, Score: v.Score, Rank: v.Rank,
						GroupSize: v.GroupSize, Categories: v.Categories})
				}
			}
			p = p.Previous()
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Period < out[j].Period })
	return out, err
}

// PeriodView is one period of a scheme and its runs.
type PeriodView struct {
	Period   string    `json:"period"`
	Start    string    `json:"start"`
	End      string    `json:"end"`
	ClosesAt time.Time `json:"closes_at"`
	Closed   bool      `json:"closed"`
	Version  int       `json:"version"`
	Runs     []RunRef  `json:"runs"`
}

// RunRef is a short reference to a run.
type RunRef struct {
	ID       uuid.UUID `json:"id"`
	Kind     string    `json:"kind"`
	Revision int       `json:"revision"`
	Status   string    `json:"status"`
	AsOf     time.Time `json:"as_of"`
}

// Periods lists a scheme's periods from its first version's effective date to the
// current period (newest first, at most n), with whether each has closed and its runs.
func (s *Service) Periods(ctx context.Context, scope db.Scope, schemeID uuid.UUID, n int) ([]PeriodView, error) {
	out := []PeriodView{}
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var sc Scheme
		if err := tx.Where("id = ?", schemeID).First(&sc).Error; err != nil {
			return db.Classify(err)
		}
		city, err := s.tenants.ByID(ctx, sc.TenantID)
		if err != nil {
			return err
		}
		cal, err := s.runCalendar(ctx, city)
		if err != nil {
			return err
		}
		var runs []Run
		if err := tx.Where("scheme_id = ?", sc.ID).Order("kind, revision").Find(&runs).Error; err != nil {
			return db.Classify(err)
		}
		byPeriod := map[string][]RunRef{}
		for _, r := range runs {
			byPeriod[r.Period] = append(byPeriod[r.Period], RunRef{ID: r.ID, Kind: r.Kind, Revision: r.Revision, Status: r.Status, AsOf: r.AsOf})
		}
		now := s.now()
		p := PeriodOf(sc.PeriodKind, calendar.DateOf(now))
		for i := 0; i < n; i++ {
			v, err := versionInForce(tx, sc.ID, p.Start)
			if err != nil {
				return err
			}
			if v == nil {
				break
			}
			body, err := v.Decode()
			if err != nil {
				return err
			}
			closes := p.ClosesAt(cal, body.GraceWorkingDays)
			refs := byPeriod[p.Label]
			if refs == nil {
				refs = []RunRef{}
			}
			out = append(out, PeriodView{Period: p.Label, Start: p.Start.String(), End: p.End.AddDays(-1).String(), ClosesAt: closes,
				Closed: !now.Before(closes), Version: v.Number, Runs: refs})
			p = p.Previous()
		}
		return nil
	})
	return out, err
}

// Evidence reads one evidence file the scope may read, attached to an appraisal object.
func (s *Service) Evidence(ctx context.Context, scope db.Scope, id uuid.UUID) (*files.File, error) {
	var out *files.File
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		f, err := files.Get(tx, id, FileEvidence, nil)
		if err != nil {
			f, err = files.Get(tx, id, FileObjection, nil)
		}
		if err != nil {
			return err
		}
		if f.OwnerID == nil {
			return apperr.NotFound("not_found")
		}
		out = f
		return nil
	})
	return out, err
}

// cityTenants lists the city above t and its whole tree.
func (s *Service) cityTree(ctx context.Context, t *tenant.Tenant) (*tenant.Tenant, []*tenant.Tenant, error) {
	city, err := s.rootOf(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	tree, err := s.tenants.Subtree(ctx, city)
	return city, tree, err
}
