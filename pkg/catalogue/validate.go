package catalogue

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"sunshine/pkg/apperr"
)

// Limits on an item's content. Working-day limits beyond a year have no legal
// meaning; the 60-day extension cap covers the longest special-law extensions.
const (
	MaxLimitDays     = 365
	MaxExtensionDays = 60
	maxListLen       = 100
)

var powerCodeRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// DeptRef is a department as the catalogue needs it.
type DeptRef struct {
	ID     uuid.UUID `json:"id"`
	Code   string    `json:"code"`
	Name   string    `json:"name"`
	Active bool      `json:"-"`
}

// Rules is what content is checked against: the tenant's categories and departments.
type Rules struct {
	Categories []string
	ByID       map[uuid.UUID]DeptRef
	ByCode     map[string]DeptRef
}

// Normalize trims every text and replaces nil lists with empty ones, so that stored
// versions and diffs do not differ by whitespace or null-versus-empty.
func (c *Content) Normalize() {
	tr := strings.TrimSpace
	c.Code, c.Name, c.Category = tr(c.Code), tr(c.Name), tr(c.Category)
	c.LeadingOfficial, c.ResponsibleUnit, c.StaffDuties = tr(c.LeadingOfficial), tr(c.ResponsibleUnit), tr(c.StaffDuties)
	c.HandlingType, c.Conditions, c.EnquiryPhone, c.ChangeNote = tr(c.HandlingType), tr(c.Conditions), tr(c.EnquiryPhone), tr(c.ChangeNote)
	c.ComplaintChannels = ComplaintChannels{Phone: tr(c.ComplaintChannels.Phone), Address: tr(c.ComplaintChannels.Address), URL: tr(c.ComplaintChannels.URL)}
	if c.LegalBasis == nil {
		c.LegalBasis = []LegalBasis{}
	}
	for i := range c.LegalBasis {
		b := &c.LegalBasis[i]
		b.Law, b.Article, b.Text = tr(b.Law), tr(b.Article), tr(b.Text)
	}
	if c.Fees == nil {
		c.Fees = []FeeItem{}
	}
	for i := range c.Fees {
		c.Fees[i].Item, c.Fees[i].Basis = tr(c.Fees[i].Item), tr(c.Fees[i].Basis)
	}
	if c.Materials == nil {
		c.Materials = []Material{}
	}
	for i := range c.Materials {
		c.Materials[i].Name, c.Materials[i].Note = tr(c.Materials[i].Name), tr(c.Materials[i].Note)
	}
	if c.CounterpartyRights == nil {
		c.CounterpartyRights = []string{}
	}
	for i := range c.CounterpartyRights {
		c.CounterpartyRights[i] = tr(c.CounterpartyRights[i])
	}
	if c.Discretion == nil {
		c.Discretion = []DiscretionBand{}
	}
	for i := range c.Discretion {
		d := &c.Discretion[i]
		d.Circumstance, d.Penalty, d.Basis = tr(d.Circumstance), tr(d.Penalty), tr(d.Basis)
	}
	if c.Flowchart.Steps == nil {
		c.Flowchart.Steps = []Step{}
	}
	if c.Flowchart.Edges == nil {
		c.Flowchart.Edges = []Edge{}
	}
	for i := range c.Flowchart.Steps {
		s := &c.Flowchart.Steps[i]
		s.ID, s.Name, s.Post, s.Role = tr(s.ID), tr(s.Name), tr(s.Post), tr(s.Role)
		s.DepartmentCode, s.Duties, s.CounterpartyRights = tr(s.DepartmentCode), tr(s.Duties), tr(s.CounterpartyRights)
	}
	for i := range c.Flowchart.Edges {
		e := &c.Flowchart.Edges[i]
		e.From, e.To = tr(e.From), tr(e.To)
	}
}

// Validate checks content against the rules of an item (clause [5] and the
// Administrative Licensing Law's limits), collecting every problem into one 422.
func (c *Content) Validate(r Rules) error {
	var v apperr.Fields
	c.validate(&v, r)
	return v.Err()
}

func (c *Content) validate(v *apperr.Fields, r Rules) {
	maxLen := func(field, s string, n int) {
		if len([]rune(s)) > n {
			v.Add(field, "too_long", apperr.Params{"max": n})
		}
	}
	if v.Required("code", c.Code) && !powerCodeRE.MatchString(c.Code) {
		v.Add("code", "catalogue.code_format")
	}
	if v.Required("name", c.Name) {
		maxLen("name", c.Name, 200)
	}
	if v.Required("category", c.Category) && !contains(r.Categories, c.Category) {
		v.Add("category", "not_allowed_value", apperr.Params{"allowed": strings.Join(r.Categories, "、")})
	}
	if c.DepartmentID == uuid.Nil {
		v.Add("department_id", "required")
	} else if d, ok := r.ByID[c.DepartmentID]; !ok || !d.Active {
		v.Add("department_id", "catalogue.department_unknown", apperr.Params{"code": c.DepartmentID.String()})
	}
	if v.Required("leading_official", c.LeadingOfficial) {
		maxLen("leading_official", c.LeadingOfficial, 100)
	}
	if v.Required("responsible_unit", c.ResponsibleUnit) {
		maxLen("responsible_unit", c.ResponsibleUnit, 200)
	}
	if v.Required("staff_duties", c.StaffDuties) {
		maxLen("staff_duties", c.StaffDuties, 4000)
	}
	if len(c.LegalBasis) == 0 {
		v.Add("legal_basis", "catalogue.legal_basis_required")
	}
	if len(c.LegalBasis) > maxListLen {
		v.Add("legal_basis", "catalogue.too_many", apperr.Params{"max": maxListLen})
	}
	for i, b := range c.LegalBasis {
		p := fmt.Sprintf("legal_basis[%d].", i)
		if v.Required(p+"law", b.Law) {
			maxLen(p+"law", b.Law, 200)
		}
		maxLen(p+"article", b.Article, 100)
		maxLen(p+"text", b.Text, 4000)
	}
	switch c.HandlingType {
	case HandlingInstant, HandlingPromise:
	case "":
		v.Add("handling_type", "required")
	default:
		v.Add("handling_type", "not_allowed_value", apperr.Params{"allowed": "instant, promise"})
	}
	limitsOK := true
	if c.LegalLimit < 0 || c.LegalLimit > MaxLimitDays {
		v.Add("legal_limit", "out_of_range", apperr.Params{"min": 0, "max": MaxLimitDays})
		limitsOK = false
	}
	if c.PromisedLimit < 0 || c.PromisedLimit > MaxLimitDays {
		v.Add("promised_limit", "out_of_range", apperr.Params{"min": 0, "max": MaxLimitDays})
		limitsOK = false
	}
	if limitsOK {
		switch {
		case c.PromisedLimit > c.LegalLimit:
			v.Add("promised_limit", "catalogue.promised_over_legal", apperr.Params{"legal": c.LegalLimit})
			limitsOK = false
		case c.HandlingType == HandlingInstant && c.PromisedLimit != 0:
			v.Add("promised_limit", "catalogue.instant_limit")
			limitsOK = false
		case c.HandlingType == HandlingPromise && c.PromisedLimit < 1:
			v.Add("promised_limit", "catalogue.promise_limit")
			limitsOK = false
		}
	}
	if c.GreenLimit != nil && (*c.GreenLimit < 0 || *c.GreenLimit > c.PromisedLimit) {
		v.Add("green_limit", "catalogue.green_over_promised", apperr.Params{"promised": c.PromisedLimit})
	}
	if c.ExtensionDays < 0 || c.ExtensionDays > MaxExtensionDays {
		v.Add("extension_days", "out_of_range", apperr.Params{"min": 0, "max": MaxExtensionDays})
	}
	if c.Free && len(c.Fees) > 0 {
		v.Add("fees", "catalogue.free_with_fees")
	}
	if !c.Free && len(c.Fees) == 0 {
		v.Add("fees", "catalogue.fees_required")
	}
	if len(c.Fees) > maxListLen {
		v.Add("fees", "catalogue.too_many", apperr.Params{"max": maxListLen})
	}
	for i, f := range c.Fees {
		p := fmt.Sprintf("fees[%d].", i)
		if v.Required(p+"item", f.Item) {
			maxLen(p+"item", f.Item, 200)
		}
		if f.AmountFen <= 0 || f.AmountFen > 100_000_000_00 {
			v.Add(p+"amount_fen", "catalogue.fee_amount")
		}
		if v.Required(p+"basis", f.Basis) {
			maxLen(p+"basis", f.Basis, 500)
		}
	}
	if len(c.Materials) > maxListLen {
		v.Add("materials", "catalogue.too_many", apperr.Params{"max": maxListLen})
	}
	for i, m := range c.Materials {
		p := fmt.Sprintf("materials[%d].", i)
		if v.Required(p+"name", m.Name) {
			maxLen(p+"name", m.Name, 200)
		}
		if m.Copies < 0 || m.Copies > 99 {
			v.Add(p+"copies", "out_of_range", apperr.Params{"min": 0, "max": 99})
		}
		maxLen(p+"note", m.Note, 500)
	}
	maxLen("conditions", c.Conditions, 4000)
	if len(c.CounterpartyRights) > 30 {
		v.Add("counterparty_rights", "catalogue.too_many", apperr.Params{"max": 30})
	}
	for i, s := range c.CounterpartyRights {
		if v.Required(fmt.Sprintf("counterparty_rights[%d]", i), s) {
			maxLen(fmt.Sprintf("counterparty_rights[%d]", i), s, 200)
		}
	}
	if v.Required("complaint_channels.phone", c.ComplaintChannels.Phone) {
		maxLen("complaint_channels.phone", c.ComplaintChannels.Phone, 50)
	}
	maxLen("complaint_channels.address", c.ComplaintChannels.Address, 200)
	if u := c.ComplaintChannels.URL; u != "" && !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
		v.Add("complaint_channels.url", "invalid_format")
	}
	maxLen("complaint_channels.url", c.ComplaintChannels.URL, 500)
	maxLen("enquiry_phone", c.EnquiryPhone, 50)
	if c.Category == PenaltyCategory && len(c.Discretion) == 0 {
		v.Add("discretion", "catalogue.discretion_required")
	}
	if len(c.Discretion) > maxListLen {
		v.Add("discretion", "catalogue.too_many", apperr.Params{"max": maxListLen})
	}
	for i, d := range c.Discretion {
		p := fmt.Sprintf("discretion[%d].", i)
		if v.Required(p+"circumstance", d.Circumstance) {
			maxLen(p+"circumstance", d.Circumstance, 1000)
		}
		if v.Required(p+"penalty", d.Penalty) {
			maxLen(p+"penalty", d.Penalty, 1000)
		}
		maxLen(p+"basis", d.Basis, 500)
	}
	maxLen("change_note", c.ChangeNote, 2000)
	// The flowchart's limit check needs a sane promised limit; with a broken one the
	// shape is still checked (against the legal maximum).
	promised := c.PromisedLimit
	if !limitsOK {
		promised = MaxLimitDays
	}
	c.Flowchart.validate(v, promised)
	for i, s := range c.Flowchart.Steps {
		if s.Kind == KindTask && s.DepartmentCode != "" {
			if d, ok := r.ByCode[s.DepartmentCode]; !ok || !d.Active {
				v.Add(fmt.Sprintf("flowchart.steps[%d].department_code", i), "catalogue.department_unknown", apperr.Params{"code": s.DepartmentCode})
			}
		}
		maxLen(fmt.Sprintf("flowchart.steps[%d].post", i), s.Post, 100)
		maxLen(fmt.Sprintf("flowchart.steps[%d].duties", i), s.Duties, 2000)
		maxLen(fmt.Sprintf("flowchart.steps[%d].counterparty_rights", i), s.CounterpartyRights, 1000)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func init() {
	apperr.Register("catalogue.code_format", "事项编码须为 1-64 位字母、数字、点、下划线或连字符", "Item codes are 1–64 letters, digits, dots, underscores or hyphens")
	apperr.Register("catalogue.department_unknown", "部门 {code} 不存在或已停用", "Department {code} does not exist or is inactive")
	apperr.Register("catalogue.legal_basis_required", "至少填写一条设定或实施依据", "At least one legal basis is required")
	apperr.Register("catalogue.too_many", "最多 {max} 条", "At most {max} entries")
	apperr.Register("catalogue.promised_over_legal", "承诺时限不能超过法定时限（{legal} 个工作日）", "The promised limit cannot exceed the legal limit ({legal} working days)")
	apperr.Register("catalogue.instant_limit", "即办件的承诺时限为 0（当场办结）", "An instant item's promised limit is 0 (decided on the spot)")
	apperr.Register("catalogue.promise_limit", "承诺件的承诺时限至少 1 个工作日", "A promise item's promised limit is at least 1 working day")
	apperr.Register("catalogue.green_over_promised", "绿色通道承诺时限须在 0 到承诺时限（{promised}）之间", "The green-channel limit must be between 0 and the promised limit ({promised})")
	apperr.Register("catalogue.free_with_fees", "不收费的事项不能填写收费项目", "A free item has no fee lines")
	apperr.Register("catalogue.fees_required", "收费事项至少填写一个收费项目，否则请选择不收费", "A charged item needs at least one fee line (or mark it free)")
	apperr.Register("catalogue.fee_amount", "收费金额须大于 0（以分计）", "A fee must be more than 0 (in fen)")
	apperr.Register("catalogue.discretion_required", "行政处罚事项须填写自由裁量基准", "A penalty item needs its discretion bands")
}
