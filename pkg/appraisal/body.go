package appraisal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"sunshine/pkg/apperr"
)

// Subject kinds: what a scheme ranks.
const (
	SubjectCountyDepartment = "county_department" // the departments inside each county, ranked within the county
	SubjectCounty           = "county"            // the counties and districts, ranked across the city
	SubjectCityDepartment   = "city_department"   // the city's own departments, ranked among themselves
)

// Category kinds.
const (
	// CategoryScore: a share of the total; its score lies in [0, weight].
	CategoryScore = "score"
	// CategoryBonus: extra points on top, in [0, weight].
	CategoryBonus = "bonus"
	// CategoryDeduction: points taken off, in [−weight, 0].
	CategoryDeduction = "deduction"
)

// Department filters: which departments of a tenant are ranked.
const (
	// DepartmentsWithItems: departments that have published at least one catalogue item.
	DepartmentsWithItems = "with_items"
	// DepartmentsAll: every active department.
	DepartmentsAll = "all"
)

// Body is the definition of one scheme version. It is stored as canonical JSON and
// hashed; a run records the version it applied.
type Body struct {
	Subjects             Subjects        `json:"subjects"`
	DepartmentFilter     string          `json:"department_filter"`
	TotalPoints          Points          `json:"total_points"`
	WeightsMustSum       bool            `json:"weights_must_sum"`
	ObjectionWorkingDays int             `json:"objection_working_days"`
	GraceWorkingDays     int             `json:"grace_working_days"`
	ReviewChecklist      []ChecklistItem `json:"review_checklist"`
	Categories           []Category      `json:"categories"`
	Indicators           []Indicator     `json:"indicators"`
}

// Subjects says which rankings a scheme produces.
type Subjects struct {
	CountyDepartments bool `json:"county_departments"`
	Counties          bool `json:"counties"`
	CityDepartments   bool `json:"city_departments"`
}

// ChecklistItem is one line of the case-file review checklist (评查表).
type ChecklistItem struct {
	Item      string `json:"item"`
	MaxPoints Points `json:"max_points"`
}

// Category groups indicators under a weight.
type Category struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
	Kind   string `json:"kind"`
	Weight Points `json:"weight"`
}

// Indicator is one registered definition applied with a rule in a category.
type Indicator struct {
	Code       string              `json:"code"`
	Name       string              `json:"name"`
	NameEn     string              `json:"name_en"`
	Category   string              `json:"category"`
	Definition string              `json:"definition"`
	Params     map[string][]string `json:"params,omitempty"`
	Rule       Rule                `json:"rule"`
}

// Rule turns an indicator's figures into points.
//
//   - ratio: max_points × numerator ÷ denominator (empty_points, default max_points,
//     when there is nothing to count);
//   - per_count: base_points + per_item × count, kept within [min_points, max_points]
//     (max_points defaults to base_points);
//   - steps: once numerator ÷ denominator reaches threshold_percent, points_per_step,
//     and again for every further step_percent, up to max_points ("+1 when early
//     completions reach 10 %, +1 per further 10 %").
type Rule struct {
	Type             string  `json:"type"`
	MaxPoints        *Points `json:"max_points,omitempty"`
	EmptyPoints      *Points `json:"empty_points,omitempty"`
	BasePoints       *Points `json:"base_points,omitempty"`
	PerItem          *Points `json:"per_item,omitempty"`
	MinPoints        *Points `json:"min_points,omitempty"`
	ThresholdPercent *Points `json:"threshold_percent,omitempty"`
	StepPercent      *Points `json:"step_percent,omitempty"`
	PointsPerStep    *Points `json:"points_per_step,omitempty"`
}

func pv(p *Points, def Points) Points {
	if p == nil {
		return def
	}
	return *p
}

// ceiling is the most an indicator can contribute (the weights check adds these up).
func (r Rule) ceiling() Points {
	switch r.Type {
	case RulePerCount:
		return pv(r.MaxPoints, pv(r.BasePoints, 0))
	default:
		return pv(r.MaxPoints, 0)
	}
}

// Points applies the rule to figures, in hundredths.
func (r Rule) Points(num, den, count int64) Points {
	switch r.Type {
	case RuleRatio:
		max := int64(pv(r.MaxPoints, 0))
		if den <= 0 {
			return pv(r.EmptyPoints, Points(max))
		}
		return Points(clamp(mulDivRound(max, num, den), 0, max))
	case RulePerCount:
		base := int64(pv(r.BasePoints, 0))
		v := base + int64(pv(r.PerItem, 0))*count
		hi := int64(pv(r.MaxPoints, Points(base)))
		lo := int64(-maxPoints)
		if r.MinPoints != nil {
			lo = int64(*r.MinPoints)
		}
		return Points(clamp(v, lo, hi))
	case RuleSteps:
		threshold, step := int64(pv(r.ThresholdPercent, 0)), int64(pv(r.StepPercent, 0))
		if den <= 0 || step <= 0 || num*10000 < threshold*den {
			return 0
		}
		n := (num*10000-threshold*den)/(step*den) + 1
		v := n * int64(pv(r.PointsPerStep, 0))
		if r.MaxPoints != nil {
			v = min(v, int64(*r.MaxPoints))
		}
		return Points(v)
	}
	return 0
}

// DefaultChecklist is the case-file review checklist used when a scheme names none.
var DefaultChecklist = []ChecklistItem{
	{Item: "受理材料齐全、一次告知规范", MaxPoints: 2000},
	{Item: "办理环节完整、按流程图流转", MaxPoints: 2500},
	{Item: "审查意见明确、依据充分", MaxPoints: 2000},
	{Item: "决定文书规范、送达回证齐全", MaxPoints: 2000},
	{Item: "收费合规、票据齐全", MaxPoints: 1500},
}

var codeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Normalise fills defaults (so that the stored body is complete and canonical).
func (b *Body) Normalise() {
	if b.DepartmentFilter == "" {
		b.DepartmentFilter = DepartmentsWithItems
	}
	if len(b.ReviewChecklist) == 0 {
		b.ReviewChecklist = slices.Clone(DefaultChecklist)
	}
	for i := range b.Indicators {
		in := &b.Indicators[i]
		in.Name, in.NameEn = strings.TrimSpace(in.Name), strings.TrimSpace(in.NameEn)
		if len(in.Params) == 0 {
			in.Params = nil
		}
		for k, v := range in.Params {
			s := slices.Clone(v)
			slices.Sort(s)
			in.Params[k] = slices.Compact(s)
		}
	}
	for i := range b.Categories {
		c := &b.Categories[i]
		c.Name, c.NameEn = strings.TrimSpace(c.Name), strings.TrimSpace(c.NameEn)
	}
}

// Validate checks a body against the registry. Every problem is reported at once;
// the error's code names the most specific one (an unknown indicator, weights that do
// not add up) and its fields say where.
func (b *Body) Validate(reg *Registry) error {
	var fields []apperr.FieldError
	add := func(field, code string, p ...apperr.Params) {
		f := apperr.FieldError{Field: field, Code: code}
		if len(p) > 0 {
			f.Params = p[0]
		}
		fields = append(fields, f)
	}
	topCode, topParams := "validation_failed", apperr.Params(nil)
	if !b.Subjects.CountyDepartments && !b.Subjects.Counties && !b.Subjects.CityDepartments {
		add("subjects", "appraisal.no_subjects")
	}
	if b.DepartmentFilter != DepartmentsWithItems && b.DepartmentFilter != DepartmentsAll {
		add("department_filter", "not_allowed_value", apperr.Params{"allowed": DepartmentsWithItems + ", " + DepartmentsAll})
	}
	if b.TotalPoints <= 0 || b.TotalPoints > 100000 {
		add("total_points", "out_of_range", apperr.Params{"min": 0.01, "max": 1000})
	}
	if b.ObjectionWorkingDays < 1 || b.ObjectionWorkingDays > 30 {
		add("objection_working_days", "out_of_range", apperr.Params{"min": 1, "max": 30})
	}
	if b.GraceWorkingDays < 0 || b.GraceWorkingDays > 30 {
		add("grace_working_days", "out_of_range", apperr.Params{"min": 0, "max": 30})
	}
	var checklistSum Points
	for i, it := range b.ReviewChecklist {
		f := fmt.Sprintf("review_checklist[%d]", i)
		if l := utf8.RuneCountInString(strings.TrimSpace(it.Item)); l < 1 || l > 200 {
			add(f+".item", "required")
		}
		if it.MaxPoints <= 0 || it.MaxPoints > 10000 {
			add(f+".max_points", "out_of_range", apperr.Params{"min": 0.01, "max": 100})
		}
		checklistSum += it.MaxPoints
	}
	if len(b.ReviewChecklist) > 50 {
		add("review_checklist", "appraisal.too_many", apperr.Params{"max": 50})
	} else if checklistSum != 10000 {
		add("review_checklist", "appraisal.checklist_not_100", apperr.Params{"sum": checklistSum.String()})
	}
	if len(b.Categories) == 0 || len(b.Categories) > 30 {
		add("categories", "out_of_range", apperr.Params{"min": 1, "max": 30})
	}
	if len(b.Indicators) == 0 || len(b.Indicators) > 100 {
		add("indicators", "out_of_range", apperr.Params{"min": 1, "max": 100})
	}
	cats := map[string]*Category{}
	var scoreSum Points
	for i := range b.Categories {
		c := &b.Categories[i]
		f := fmt.Sprintf("categories[%d]", i)
		if !codeRe.MatchString(c.Code) {
			add(f+".code", "appraisal.bad_code")
		} else if cats[c.Code] != nil {
			add(f+".code", "appraisal.duplicate_code")
		} else {
			cats[c.Code] = c
		}
		if l := utf8.RuneCountInString(c.Name); l < 1 || l > 100 {
			add(f+".name", "required")
		}
		if utf8.RuneCountInString(c.NameEn) > 100 {
			add(f+".name_en", "too_long", apperr.Params{"max": 100})
		}
		switch c.Kind {
		case CategoryScore:
			scoreSum += c.Weight
		case CategoryBonus, CategoryDeduction:
		default:
			add(f+".kind", "not_allowed_value", apperr.Params{"allowed": "score, bonus, deduction"})
		}
		if c.Weight < 0 || c.Weight > 100000 {
			add(f+".weight", "out_of_range", apperr.Params{"min": 0, "max": 1000})
		}
	}
	codes := map[string]bool{}
	ceilings := map[string]Points{}
	unknown := ""
	for i := range b.Indicators {
		in := &b.Indicators[i]
		f := fmt.Sprintf("indicators[%d]", i)
		if !codeRe.MatchString(in.Code) {
			add(f+".code", "appraisal.bad_code")
		} else if codes[in.Code] {
			add(f+".code", "appraisal.duplicate_code")
		}
		codes[in.Code] = true
		if utf8.RuneCountInString(in.Name) > 100 || utf8.RuneCountInString(in.NameEn) > 100 {
			add(f+".name", "too_long", apperr.Params{"max": 100})
		}
		cat := cats[in.Category]
		if cat == nil {
			add(f+".category", "appraisal.unknown_category", apperr.Params{"category": truncate(in.Category, 40)})
		}
		def, ok := reg.Get(in.Definition)
		if !ok {
			add(f+".definition", "appraisal.unknown_indicator", apperr.Params{"definition": truncate(in.Definition, 60)})
			if unknown == "" {
				unknown = truncate(in.Definition, 60)
			}
			continue
		}
		for name, vals := range in.Params {
			var spec *ParamSpec
			for j := range def.Params {
				if def.Params[j].Name == name {
					spec = &def.Params[j]
				}
			}
			if spec == nil {
				add(f+".params."+truncate(name, 40), "unknown_field")
				continue
			}
			if len(vals) > 20 {
				add(f+".params."+name, "appraisal.too_many", apperr.Params{"max": 20})
			}
			for k, v := range vals {
				if !slices.Contains(spec.Allowed, v) {
					add(fmt.Sprintf("%s.params.%s[%d]", f, name, k), "not_allowed_value", apperr.Params{"allowed": strings.Join(spec.Allowed, ", ")})
				}
			}
		}
		if !slices.Contains(def.Rules, in.Rule.Type) {
			add(f+".rule.type", "appraisal.rule_not_applicable", apperr.Params{"allowed": strings.Join(def.Rules, ", "), "allowed_zh": rulesZh(def.Rules)})
			continue
		}
		validateRule(in.Rule, f+".rule", add)
		if cat != nil && cat.Kind == CategoryScore {
			ceilings[cat.Code] += in.Rule.ceiling()
		}
	}
	if unknown != "" {
		topCode, topParams = "appraisal.unknown_indicator", apperr.Params{"definition": unknown}
	}
	if b.WeightsMustSum && len(fields) == 0 {
		if scoreSum != b.TotalPoints {
			add("categories", "appraisal.weights_mismatch", apperr.Params{"sum": scoreSum.String(), "total": b.TotalPoints.String()})
			topCode, topParams = "appraisal.weights_mismatch", apperr.Params{"sum": scoreSum.String(), "total": b.TotalPoints.String()}
		}
		for i, c := range b.Categories {
			if c.Kind == CategoryScore && ceilings[c.Code] != c.Weight {
				add(fmt.Sprintf("categories[%d].weight", i), "appraisal.weights_mismatch",
					apperr.Params{"sum": ceilings[c.Code].String(), "total": c.Weight.String()})
				topCode, topParams = "appraisal.weights_mismatch", apperr.Params{"sum": ceilings[c.Code].String(), "total": c.Weight.String()}
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	e := apperr.Invalid(topCode, topParams)
	e.Fields = fields
	return e
}

func validateRule(r Rule, f string, add func(string, string, ...apperr.Params)) {
	bound := func(name string, p *Points, required bool, lo, hi Points) {
		if p == nil {
			if required {
				add(f+"."+name, "required")
			}
			return
		}
		if *p < lo || *p > hi {
			add(f+"."+name, "out_of_range", apperr.Params{"min": lo.String(), "max": hi.String()})
		}
	}
	forbid := func(name string, p *Points) {
		if p != nil {
			add(f+"."+name, "appraisal.rule_field_not_applicable", apperr.Params{"rule": r.Type, "rule_zh": ruleZh[r.Type]})
		}
	}
	switch r.Type {
	case RuleRatio:
		bound("max_points", r.MaxPoints, true, 0, 100000)
		bound("empty_points", r.EmptyPoints, false, 0, pv(r.MaxPoints, 0))
		forbid("base_points", r.BasePoints)
		forbid("per_item", r.PerItem)
		forbid("min_points", r.MinPoints)
		forbid("threshold_percent", r.ThresholdPercent)
		forbid("step_percent", r.StepPercent)
		forbid("points_per_step", r.PointsPerStep)
	case RulePerCount:
		bound("base_points", r.BasePoints, false, -100000, 100000)
		bound("per_item", r.PerItem, true, -100000, 100000)
		bound("min_points", r.MinPoints, false, -100000, 100000)
		bound("max_points", r.MaxPoints, r.PerItem != nil && *r.PerItem > 0, -100000, 100000)
		if r.MinPoints != nil && *r.MinPoints > pv(r.MaxPoints, pv(r.BasePoints, 0)) {
			add(f+".min_points", "appraisal.min_above_max")
		}
		forbid("empty_points", r.EmptyPoints)
		forbid("threshold_percent", r.ThresholdPercent)
		forbid("step_percent", r.StepPercent)
		forbid("points_per_step", r.PointsPerStep)
	case RuleSteps:
		bound("threshold_percent", r.ThresholdPercent, true, 0, 10000)
		bound("step_percent", r.StepPercent, true, 1, 10000)
		bound("points_per_step", r.PointsPerStep, true, -100000, 100000)
		bound("max_points", r.MaxPoints, false, -100000, 100000)
		forbid("empty_points", r.EmptyPoints)
		forbid("base_points", r.BasePoints)
		forbid("per_item", r.PerItem)
		forbid("min_points", r.MinPoints)
	}
}

// Canonical encodes the body as the JSON that is stored and hashed.
func (b *Body) Canonical() ([]byte, string, error) {
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(raw)
	return raw, hex.EncodeToString(sum[:]), nil
}

// Category returns a category by code.
func (b *Body) Category(code string) *Category {
	for i := range b.Categories {
		if b.Categories[i].Code == code {
			return &b.Categories[i]
		}
	}
	return nil
}

// IndicatorByCode returns an indicator by code.
func (b *Body) IndicatorByCode(code string) *Indicator {
	for i := range b.Indicators {
		if b.Indicators[i].Code == code {
			return &b.Indicators[i]
		}
	}
	return nil
}
