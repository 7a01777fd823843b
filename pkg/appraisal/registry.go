package appraisal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Measures: what an indicator's figures mean.
const (
	// MeasureRate: numerator of denominator objects (on-time cases of decided cases).
	MeasureRate = "rate"
	// MeasureCount: a number of objects (cards, deemed acceptances); numerator = count.
	MeasureCount = "count"
	// MeasureAverage: numerator is a sum of scores in hundredths, denominator the
	// number of scored objects × 10000 (so the ratio is the average out of 100 %).
	MeasureAverage = "average"
)

// Rule types, and which measures each applies to.
const (
	RuleRatio    = "ratio"
	RulePerCount = "per_count"
	RuleSteps    = "steps"
)

var ruleMeasures = map[string][]string{
	RuleRatio:    {MeasureRate, MeasureAverage},
	RuleSteps:    {MeasureRate},
	RulePerCount: {MeasureCount, MeasureRate},
}

// ParamSpec is a parameter an indicator definition accepts from the scheme: a list
// of strings, each from Allowed.
type ParamSpec struct {
	Name    string   `json:"name"`
	Allowed []string `json:"allowed"`
	Label   Label    `json:"label"`
}

// Label names something in both languages.
type Label struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// Definition is a registered indicator: what it counts, over which capability's read
// port, by one set-based SQL statement for all subjects at once, and a second
// statement that lists the objects it counted for one subject.
//
// Compute returns one row per (tenant_id, department_id) — department_id may be NULL
// for objects without one; they count for the tenant as a whole — with numerator,
// denominator, item_count (bigint) and raw (jsonb of further bigint figures, or NULL).
// Items returns object_type, object_id (uuid), tenant_id, department_id, role
// ('counted', 'not_counted', 'excluded'), at (timestamptz), label (text) and detail
// (jsonb) for the tenant @tenant and, when @department is not NULL, that department.
//
// Both read these named parameters: @tenants (uuid[] literal), @from and @upto
// (timestamptz: the period's start, and the earlier of its end and the run's as-of
// instant), @as_of (timestamptz), @from_date and @to_date (date, [from, to)), and one
// text[] literal per declared parameter (e.g. @exclude_rules).
type Definition struct {
	Code        string      `json:"code"`
	Name        Label       `json:"name"`
	Description Label       `json:"description"`
	Source      string      `json:"source"`
	Measure     string      `json:"measure"`
	Manual      bool        `json:"manual"`
	Params      []ParamSpec `json:"params"`
	Rules       []string    `json:"rules"`
	Compute     string      `json:"-"`
	Items       string      `json:"-"`
	// Revision is bumped whenever the statements change meaning; the hash of the
	// statements and the revision is recorded with every run.
	Revision int `json:"revision"`
}

// Hash identifies the definition's exact statements (recorded per run).
func (d *Definition) Hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s", d.Code, d.Revision, d.Compute, d.Items)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Registry is the set of indicator definitions schemes may use. Capabilities add their
// own (ratings, complaints, disclosure) with Register; nothing else in the scoring
// code knows any indicator by name.
type Registry struct {
	mu   sync.RWMutex
	defs map[string]*Definition
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{defs: map[string]*Definition{}} }

var defCode = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// Register adds a definition. A malformed definition or a duplicate code panics at
// start-up (a programming error).
func (r *Registry) Register(d Definition) {
	if !defCode.MatchString(d.Code) {
		panic("appraisal: bad definition code " + strconv.Quote(d.Code))
	}
	if d.Compute == "" || d.Items == "" || d.Name.Zh == "" || d.Name.En == "" || d.Source == "" {
		panic("appraisal: incomplete definition " + d.Code)
	}
	switch d.Measure {
	case MeasureRate, MeasureCount, MeasureAverage:
	default:
		panic("appraisal: definition " + d.Code + " has unknown measure " + d.Measure)
	}
	d.Rules = nil
	for _, rule := range []string{RuleRatio, RuleSteps, RulePerCount} {
		for _, m := range ruleMeasures[rule] {
			if m == d.Measure {
				d.Rules = append(d.Rules, rule)
			}
		}
	}
	if d.Params == nil {
		d.Params = []ParamSpec{}
	}
	for _, p := range d.Params {
		if !strings.Contains(d.Compute, "@"+p.Name) || !strings.Contains(d.Items, "@"+p.Name) {
			panic("appraisal: definition " + d.Code + " declares parameter " + p.Name + " its statements do not use")
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.defs[d.Code]; dup {
		panic("appraisal: definition registered twice: " + d.Code)
	}
	cp := d
	r.defs[d.Code] = &cp
}

// Get returns a definition by code.
func (r *Registry) Get(code string) (*Definition, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.defs[code]
	return d, ok
}

// All lists the definitions by code.
func (r *Registry) All() []*Definition {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Definition, 0, len(r.defs))
	for _, d := range r.defs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// DefaultRegistry holds the built-in definitions (indicators.go).
func DefaultRegistry() *Registry {
	r := NewRegistry()
	registerBuiltins(r)
	return r
}
