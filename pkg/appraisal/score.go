package appraisal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/datatypes"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// subject is one thing a run ranks.
type subject struct {
	Key      string
	Kind     string
	Name     string
	Code     string
	Group    string
	TenantID uuid.UUID
	DeptID   *uuid.UUID
}

// figures are an indicator's raw counts for one subject.
type figures struct {
	Num, Den, Count int64
	Raw             map[string]int64
}

func (f *figures) add(o figures) {
	f.Num += o.Num
	f.Den += o.Den
	f.Count += o.Count
	for k, v := range o.Raw {
		if f.Raw == nil {
			f.Raw = map[string]int64{}
		}
		f.Raw[k] += v
	}
}

type deptKey struct {
	tenant uuid.UUID
	dept   uuid.UUID // uuid.Nil: objects without a department
}

// window is the time frame a run reads.
type window struct {
	period Period
	from   time.Time
	upto   time.Time
	asOf   time.Time
}

func newWindow(p Period, asOf time.Time) window {
	upto := p.To()
	if asOf.Before(upto) {
		upto = asOf
	}
	return window{period: p, from: p.From(), upto: upto, asOf: asOf}
}

// args are the named parameters every definition's statements read.
func (w window) args(tenants []uuid.UUID, def *Definition, params map[string][]string) map[string]any {
	a := map[string]any{
		"tenants": arrayLiteral(tenants), "from": w.from, "upto": w.upto, "as_of": w.asOf,
		"from_date": w.period.Start.String(), "to_date": w.period.End.String(),
	}
	for _, p := range def.Params {
		a[p.Name] = "{" + strings.Join(params[p.Name], ",") + "}"
	}
	return a
}

// subjects lists what body ranks in the city tree.
func subjects(tx *gorm.DB, body *Body, city *tenant.Tenant, tree []*tenant.Tenant) ([]subject, error) {
	var counties []*tenant.Tenant
	for _, t := range tree {
		if t.ParentID != nil && *t.ParentID == city.ID && t.Active() {
			counties = append(counties, t)
		}
	}
	sort.Slice(counties, func(i, j int) bool { return counties[i].Code < counties[j].Code })
	deptTenants := []uuid.UUID{}
	if body.Subjects.CountyDepartments {
		deptTenants = append(deptTenants, tenant.IDs(counties)...)
	}
	if body.Subjects.CityDepartments {
		deptTenants = append(deptTenants, city.ID)
	}
	type deptRow struct {
		ID       uuid.UUID `gorm:"type:uuid"`
		TenantID uuid.UUID `gorm:"type:uuid"`
		Code     string
		Name     string
	}
	var depts []deptRow
	if len(deptTenants) > 0 {
		q := `SELECT d.id, d.tenant_id, d.code, d.name FROM tenancy_departments d WHERE d.tenant_id = ANY (?::uuid[]) AND d.active`
		if body.DepartmentFilter == DepartmentsWithItems {
			q += ` AND EXISTS (SELECT 1 FROM catalogue_version_facts v WHERE v.tenant_id = d.tenant_id AND v.department_id = d.id
				AND v.status IN ('published', 'filed', 'superseded'))`
		}
		if err := tx.Raw(q+` ORDER BY d.code`, arrayLiteral(deptTenants)).Scan(&depts).Error; err != nil {
			return nil, err
		}
	}
	byTenant := map[uuid.UUID][]deptRow{}
	for _, d := range depts {
		byTenant[d.TenantID] = append(byTenant[d.TenantID], d)
	}
	var out []subject
	if body.Subjects.Counties {
		for _, c := range counties {
			out = append(out, subject{Key: c.Code, Kind: SubjectCounty, Name: c.Name, Code: c.Code, Group: SubjectCounty + ":" + city.Code, TenantID: c.ID})
		}
	}
	addDepts := func(t *tenant.Tenant, kind string) {
		for _, d := range byTenant[t.ID] {
			id := d.ID
			out = append(out, subject{Key: t.Code + "." + d.Code, Kind: kind, Name: d.Name, Code: t.Code + "." + d.Code,
				Group: kind + ":" + t.Code, TenantID: t.ID, DeptID: &id})
		}
	}
	if body.Subjects.CountyDepartments {
		for _, c := range counties {
			addDepts(c, SubjectCountyDepartment)
		}
	}
	if body.Subjects.CityDepartments {
		addDepts(city, SubjectCityDepartment)
	}
	return out, nil
}

// compute runs one definition's statement for every subject at once.
func compute(tx *gorm.DB, def *Definition, w window, tenants []uuid.UUID, params map[string][]string) (map[deptKey]figures, error) {
	rows, err := tx.Raw(def.Compute, w.args(tenants, def, params)).Rows()
	if err != nil {
		return nil, fmt.Errorf("appraisal: indicator %s: %w", def.Code, err)
	}
	defer rows.Close()
	out := map[deptKey]figures{}
	for rows.Next() {
		var t uuid.UUID
		var d *uuid.UUID
		var f figures
		var raw []byte
		if err := rows.Scan(&t, &d, &f.Num, &f.Den, &f.Count, &raw); err != nil {
			return nil, fmt.Errorf("appraisal: indicator %s: %w", def.Code, err)
		}
		if len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &f.Raw); err != nil {
				return nil, fmt.Errorf("appraisal: indicator %s raw: %w", def.Code, err)
			}
		}
		k := deptKey{tenant: t}
		if d != nil {
			k.dept = *d
		}
		cur := out[k]
		cur.add(f)
		out[k] = cur
	}
	return out, rows.Err()
}

// paramsKey identifies a definition applied with parameters (two indicators of a
// scheme may share one computation, e.g. the early-completion rate and its bonus).
func paramsKey(def string, params map[string][]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(def)
	for _, k := range keys {
		b.WriteString("|" + k + "=" + strings.Join(params[k], ","))
	}
	return b.String()
}

// scored is a run's results in memory: what is written, hashed and recomputed.
type scored struct {
	results    []Result
	indicators map[string][]ResultIndicator // by subject key, in scheme order
}

// catScore is a category's computed and adjusted score.
type catScore struct {
	Computed int64 `json:"computed"`
	Score    int64 `json:"score"`
}

// evaluate computes every subject's indicators from the figures.
func evaluate(run *Run, body *Body, reg *Registry, subs []subject, figs map[string]map[deptKey]figures) (*scored, map[string]string, error) {
	defHashes := map[string]string{}
	out := &scored{indicators: map[string][]ResultIndicator{}}
	for _, sub := range subs {
		resID := uuid.NewSHA1(run.ID, []byte("result:"+sub.Key))
		res := Result{ID: resID, TenantID: run.TenantID, RunID: run.ID, SubjectKey: sub.Key, SubjectKind: sub.Kind,
			SubjectTenantID: sub.TenantID, SubjectDepartmentID: sub.DeptID, SubjectName: sub.Name, SubjectCode: sub.Code, GroupKey: sub.Group}
		for _, in := range body.Indicators {
			def, ok := reg.Get(in.Definition)
			if !ok {
				return nil, nil, apperr.Invalid("appraisal.unknown_indicator", apperr.Params{"definition": in.Definition})
			}
			defHashes[def.Code] = def.Hash()
			all := figs[paramsKey(def.Code, in.Params)]
			var f figures
			if sub.DeptID != nil {
				f = all[deptKey{tenant: sub.TenantID, dept: *sub.DeptID}]
			} else {
				keys := make([]deptKey, 0)
				for k := range all {
					if k.tenant == sub.TenantID {
						keys = append(keys, k)
					}
				}
				for _, k := range keys {
					f.add(all[k])
				}
			}
			raw := map[string]int64{}
			for k, v := range f.Raw {
				raw[k] = v
			}
			if def.Measure != MeasureCount {
				raw["rate_bp"] = rateBP(f.Num, f.Den)
			}
			rawJSON, _ := json.Marshal(raw)
			pts := int64(in.Rule.Points(f.Num, f.Den, f.Count))
			out.indicators[sub.Key] = append(out.indicators[sub.Key], ResultIndicator{
				ID: uuid.NewSHA1(resID, []byte(in.Code)), TenantID: run.TenantID, RunID: run.ID, ResultID: resID, SubjectKey: sub.Key,
				SubjectTenantID: sub.TenantID, IndicatorCode: in.Code, Definition: def.Code, CategoryCode: in.Category,
				Numerator: f.Num, Denominator: f.Den, ItemCount: f.Count, Raw: datatypes.JSON(rawJSON), ComputedCents: pts, PointsCents: pts,
			})
		}
		out.results = append(out.results, res)
	}
	return out, defHashes, nil
}

// total recomputes every result's category scores, totals and ranks from its
// indicators' computed and current points. Ties share a rank; within a group the
// results are ordered by score, then by subject code — a stable order.
func (sc *scored) total(body *Body) {
	for i := range sc.results {
		r := &sc.results[i]
		cats := map[string]catScore{}
		for _, c := range body.Categories {
			cats[c.Code] = catScore{}
		}
		adjusted := false
		for _, ind := range sc.indicators[r.SubjectKey] {
			c := cats[ind.CategoryCode]
			c.Computed += ind.ComputedCents
			c.Score += ind.PointsCents
			cats[ind.CategoryCode] = c
			adjusted = adjusted || ind.Adjusted
		}
		var computed, score int64
		for _, c := range body.Categories {
			cs := cats[c.Code]
			lo, hi := int64(0), int64(c.Weight)
			if c.Kind == CategoryDeduction {
				lo, hi = -int64(c.Weight), 0
			}
			cs.Computed, cs.Score = clamp(cs.Computed, lo, hi), clamp(cs.Score, lo, hi)
			cats[c.Code] = cs
			computed += cs.Computed
			score += cs.Score
		}
		raw, _ := json.Marshal(cats)
		r.Categories, r.ComputedCents, r.ScoreCents, r.Adjusted = datatypes.JSON(raw), computed, score, adjusted
	}
	groups := map[string][]int{}
	for i := range sc.results {
		groups[sc.results[i].GroupKey] = append(groups[sc.results[i].GroupKey], i)
	}
	for _, idx := range groups {
		sort.Slice(idx, func(a, b int) bool {
			ra, rb := sc.results[idx[a]], sc.results[idx[b]]
			if ra.ScoreCents != rb.ScoreCents {
				return ra.ScoreCents > rb.ScoreCents
			}
			return ra.SubjectCode < rb.SubjectCode
		})
		for pos, i := range idx {
			rank := pos + 1
			if pos > 0 && sc.results[idx[pos-1]].ScoreCents == sc.results[i].ScoreCents {
				rank = sc.results[idx[pos-1]].Rank
			}
			sc.results[i].Rank, sc.results[i].GroupSize = rank, len(idx)
		}
	}
	sort.SliceStable(sc.results, func(a, b int) bool {
		ra, rb := sc.results[a], sc.results[b]
		if ra.GroupKey != rb.GroupKey {
			return ra.GroupKey < rb.GroupKey
		}
		if ra.Rank != rb.Rank {
			return ra.Rank < rb.Rank
		}
		return ra.SubjectCode < rb.SubjectCode
	})
}

// hash is the fingerprint of the computed results: every figure and computed point of
// every subject, in a fixed order. Two runs over the same data under the same version
// have the same hash (the reproducibility test compares them, and the rows).
func (sc *scored) hash() string {
	h := sha256.New()
	keys := make([]string, 0, len(sc.results))
	byKey := map[string]*Result{}
	for i := range sc.results {
		keys = append(keys, sc.results[i].SubjectKey)
		byKey[sc.results[i].SubjectKey] = &sc.results[i]
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := byKey[k]
		fmt.Fprintf(h, "S|%s|%s|%s|%d\n", r.SubjectKey, r.SubjectKind, r.GroupKey, r.ComputedCents)
		for _, in := range sc.indicators[k] {
			fmt.Fprintf(h, "I|%s|%s|%d|%d|%d|%s|%d\n", in.IndicatorCode, in.Definition, in.Numerator, in.Denominator, in.ItemCount, in.Raw, in.ComputedCents)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// applyAdjustments sets each adjusted indicator to its latest adjustment.
func (sc *scored) applyAdjustments(adjs []Adjustment) {
	latest := map[string]Adjustment{}
	for _, a := range adjs { // ordered by created_at, id
		latest[a.SubjectKey+"|"+a.IndicatorCode] = a
	}
	for key, inds := range sc.indicators {
		for i := range inds {
			if a, ok := latest[key+"|"+inds[i].IndicatorCode]; ok {
				inds[i].PointsCents = a.AfterCents
				inds[i].Adjusted = a.AfterCents != inds[i].ComputedCents
			}
		}
	}
}

// ScoreRun scores a run requested for generation (the task handler). A run that is no
// longer waiting for that generation — scored already, superseded by a newer request
// — is left alone, so a task delivered twice scores once.
func (s *Service) ScoreRun(ctx context.Context, runID uuid.UUID, generation int) error {
	var city *tenant.Tenant
	var run Run
	// The run's owner is found through the registry of cities (a run belongs to one).
	all, err := s.tenants.All(ctx)
	if err != nil {
		return err
	}
	var cities []uuid.UUID
	for _, t := range all {
		if t.Level == tenant.LevelCity {
			cities = append(cities, t.ID)
		}
	}
	if err := s.db.Tx(ctx, db.ReadOnlyScope(cities), func(tx *gorm.DB) error {
		return tx.Where("id = ?", runID).First(&run).Error
	}); err != nil {
		return db.Classify(err)
	}
	if city, err = s.tenants.ByID(ctx, run.TenantID); err != nil {
		return err
	}
	scope, tree, err := s.cityScope(ctx, city, uuid.Nil)
	if err != nil {
		return err
	}
	a := actor.System(city.ID, city.Code)
	start := time.Now()
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		if err := tx.Clauses(forUpdate).Where("id = ?", runID).First(&run).Error; err != nil {
			return db.Classify(err)
		}
		if run.Status != RunScoring || run.Generation != generation || run.ScoredGeneration >= generation {
			return nil
		}
		return s.scoreLocked(ctx, tx, a, &run, city, tree)
	})
	if err != nil {
		s.log.Error("appraisal: scoring failed", "run", runID, "error", err)
		return err
	}
	s.log.Info("appraisal: scored", "run", runID, "period", run.Period, "kind", run.Kind, "subjects", run.Subjects, "duration", time.Since(start))
	return nil
}

// scoreLocked computes and writes a locked run's results.
func (s *Service) scoreLocked(ctx context.Context, tx *gorm.DB, a actor.Actor, run *Run, city *tenant.Tenant, tree []*tenant.Tenant) error {
	var ver Version
	if err := tx.Where("id = ?", run.VersionID).First(&ver).Error; err != nil {
		return db.Classify(err)
	}
	body, err := ver.Decode()
	if err != nil {
		return err
	}
	p, err := ParsePeriod(run.Period)
	if err != nil {
		return err
	}
	w := newWindow(p, run.AsOf)
	ids := tenant.IDs(tree)
	subs, err := subjects(tx, body, city, tree)
	if err != nil {
		return err
	}
	figs := map[string]map[deptKey]figures{}
	for _, in := range body.Indicators {
		def, ok := s.reg.Get(in.Definition)
		if !ok {
			return apperr.Invalid("appraisal.unknown_indicator", apperr.Params{"definition": in.Definition})
		}
		k := paramsKey(def.Code, in.Params)
		if _, done := figs[k]; done {
			continue
		}
		f, err := compute(tx, def, w, ids, in.Params)
		if err != nil {
			return err
		}
		figs[k] = f
	}
	sc, defHashes, err := evaluate(run, body, s.reg, subs, figs)
	if err != nil {
		return err
	}
	hash := sc.hash()
	var adjs []Adjustment
	if err := tx.Where("run_id = ?", run.ID).Order("created_at, id").Find(&adjs).Error; err != nil {
		return db.Classify(err)
	}
	sc.applyAdjustments(adjs)
	sc.total(body)
	if err := tx.Exec(`DELETE FROM appraisal_result_indicators WHERE run_id = ?`, run.ID).Error; err != nil {
		return db.Classify(err)
	}
	if err := tx.Exec(`DELETE FROM appraisal_results WHERE run_id = ?`, run.ID).Error; err != nil {
		return db.Classify(err)
	}
	if len(sc.results) > 0 {
		if err := tx.CreateInBatches(sc.results, 250).Error; err != nil {
			return db.Classify(err)
		}
		var inds []ResultIndicator
		for _, r := range sc.results {
			inds = append(inds, sc.indicators[r.SubjectKey]...)
		}
		if err := tx.CreateInBatches(inds, 250).Error; err != nil {
			return db.Classify(err)
		}
	}
	audience := map[uuid.UUID]bool{}
	for _, r := range sc.results {
		audience[r.SubjectTenantID] = true
	}
	aud := make([]uuid.UUID, 0, len(audience))
	for id := range audience {
		aud = append(aud, id)
	}
	defsJSON, _ := json.Marshal(defHashes)
	next := RunDraft
	if run.Kind == KindProvisional {
		next = RunProvisional
	}
	if err := runMachine.Check("score", run.Status); err != nil {
		return err
	}
	now := s.now()
	before := map[string]any{"status": run.Status, "results_hash": run.ResultsHash}
	run.Status, run.ScoredGeneration, run.ScoredAt, run.ResultsHash, run.Subjects, run.Error = next, run.Generation, &now, hash, len(sc.results), ""
	if err := tx.Model(run).Updates(map[string]any{"status": next, "scored_generation": run.Generation, "scored_at": now,
		"results_hash": hash, "definitions": datatypes.JSON(defsJSON), "subjects": len(sc.results), "error": "",
		"audience": uuidArray(aud)}).Error; err != nil {
		return db.Classify(err)
	}
	return audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.score", ObjectType: "appraisal_run", ObjectID: run.ID.String(),
		Before: before, After: map[string]any{"status": next, "results_hash": hash, "subjects": len(sc.results), "generation": run.Generation,
			"period": run.Period, "kind": run.Kind, "as_of": run.AsOf.Format(time.RFC3339Nano)}})
}

// loadScored reads a run's results and indicators back into memory (adjustments and
// sign-off recompute from them).
func loadScored(tx *gorm.DB, runID uuid.UUID) (*scored, error) {
	sc := &scored{indicators: map[string][]ResultIndicator{}}
	if err := tx.Where("run_id = ?", runID).Order("group_key, rank, subject_code").Find(&sc.results).Error; err != nil {
		return nil, db.Classify(err)
	}
	var inds []ResultIndicator
	if err := tx.Where("run_id = ?", runID).Find(&inds).Error; err != nil {
		return nil, db.Classify(err)
	}
	for _, in := range inds {
		sc.indicators[in.SubjectKey] = append(sc.indicators[in.SubjectKey], in)
	}
	return sc, nil
}

// sortIndicators puts each subject's indicators in the scheme's order.
func (sc *scored) sortIndicators(body *Body) {
	order := map[string]int{}
	for i, in := range body.Indicators {
		order[in.Code] = i
	}
	for k := range sc.indicators {
		inds := sc.indicators[k]
		sort.Slice(inds, func(a, b int) bool { return order[inds[a].IndicatorCode] < order[inds[b].IndicatorCode] })
	}
}

// runCalendar is the city's calendar (periods close by it).
func (s *Service) runCalendar(ctx context.Context, city *tenant.Tenant) (*calendar.Calendar, error) {
	if s.cals == nil {
		return nil, apperr.Internal(fmt.Errorf("appraisal: no calendars"))
	}
	return s.cals.For(ctx, city)
}
