package httpapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"sunshine/pkg/apitest"
	"sunshine/pkg/httpapi"
	"sunshine/pkg/tenant"
)

// TestTenantSettingsAreTypedAndBounded (issue 12, item 2): PATCH settings accepted
// any key and any value (red_card_after_working_days: 400, strings for numbers, 1e12,
// ≥ 2^63), and the thresholds fed working-day arithmetic on every case action and in
// the sweep. Now unknown keys, wrong types and values out of range are 422 with one
// field error per key, nothing is stored, and valid values still work.
func TestTenantSettingsAreTypedAndBounded(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	city := env.Login("410500", "admin")
	county := env.Login("410581", "admin")
	patch := func(c *apitest.Client, code, body string) *apitest.Response {
		t.Helper()
		return c.DoRaw("PATCH", "/api/v1/tenants/"+code+"/settings", "application/json", []byte(`{"settings":`+body+`}`))
	}
	refused := []struct {
		body, field, code string
	}{
		{`{"red_card_after_working_days": 400}`, "settings.red_card_after_working_days", "out_of_range"},
		{`{"red_card_after_working_days": 0}`, "settings.red_card_after_working_days", "out_of_range"},
		{`{"red_card_after_working_days": -3}`, "settings.red_card_after_working_days", "out_of_range"},
		{`{"red_card_after_working_days": 1e12}`, "settings.red_card_after_working_days", "out_of_range"},
		{`{"red_card_after_working_days": 9223372036854775808}`, "settings.red_card_after_working_days", "out_of_range"},
		{`{"red_card_after_working_days": 18446744073709551616000}`, "settings.red_card_after_working_days", "out_of_range"},
		{`{"red_card_after_working_days": "3"}`, "settings.red_card_after_working_days", "wrong_type"},
		{`{"red_card_after_working_days": 2.5}`, "settings.red_card_after_working_days", "wrong_type"},
		{`{"red_card_after_working_days": true}`, "settings.red_card_after_working_days", "wrong_type"},
		{`{"reminder_working_days": 21}`, "settings.reminder_working_days", "out_of_range"},
		{`{"reminder_working_days": [1]}`, "settings.reminder_working_days", "wrong_type"},
		{`{"notice_reply_working_days": 31}`, "settings.notice_reply_working_days", "out_of_range"},
		{`{"catalogue_filing_working_days": 61}`, "settings.catalogue_filing_working_days", "out_of_range"},
		{`{"complaint_working_days": {"n": 3}}`, "settings.complaint_working_days", "wrong_type"},
		{`{"window_low_volume_threshold": -1}`, "settings.window_low_volume_threshold", "out_of_range"},
		{`{"window_low_volume_threshold": "many"}`, "settings.window_low_volume_threshold", "wrong_type"},
		{`{"portal_notice": 5}`, "settings.portal_notice", "wrong_type"},
		{`{"portal_notice": "` + strings.Repeat("通", 2001) + `"}`, "settings.portal_notice", "too_long"},
		{`{"power_categories": []}`, "settings.power_categories", "out_of_range"},
		{`{"power_categories": ["行政许可", 3]}`, "settings.power_categories", "wrong_type"},
		{`{"power_categories": "行政许可"}`, "settings.power_categories", "wrong_type"},
		{`{"department_template": [{"code": "X", "name": "Y", "boss": "Z"}]}`, "settings.department_template", "wrong_type"},
		{`{"department_template": [{"code": "bad code!", "name": "Y"}]}`, "settings.department_template[0].code", "tenancy.department_code_format"},
		{`{"favourite_colour": "blue"}`, "settings.favourite_colour", "unknown_field"},
		{`{"Red_Card_After_Working_Days": 3}`, "settings.Red_Card_After_Working_Days", "unknown_field"},
	}
	for _, tc := range refused {
		r := patch(county, "410581", tc.body)
		if r.Status != 422 {
			t.Errorf("%.80s: %d %s", tc.body, r.Status, r.Body)
			continue
		}
		p := r.Problem(t)
		if p.Code != "validation_failed" || len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code || p.Errors[0].Message == "" {
			t.Errorf("%.80s: %+v", tc.body, p)
		}
	}
	// Every problem at once, one field error per key; nothing is stored.
	r := patch(county, "410581", `{"red_card_after_working_days": 400, "nope": 1, "complaint_working_days": 10}`)
	if p := r.Problem(t); r.Status != 422 || len(p.Errors) != 2 {
		t.Fatalf("several: %d %+v", r.Status, p)
	}
	var detail struct {
		Settings  map[string]any `json:"settings"`
		Effective map[string]any `json:"effective_settings"`
	}
	county.Do("GET", "/api/v1/tenants/410581", nil).JSON(t, &detail)
	if _, ok := detail.Settings["complaint_working_days"]; ok {
		t.Fatalf("a refused patch stored something: %v", detail.Settings)
	}

	// Valid values at the bounds are stored; null removes a key again.
	r = patch(county, "410581", `{"red_card_after_working_days": 60, "reminder_working_days": 1, "window_low_volume_threshold": 0.5, "portal_notice": "", "power_categories": ["行政许可"]}`)
	if r.Status != 200 {
		t.Fatalf("valid: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &detail)
	if detail.Settings["red_card_after_working_days"] != float64(60) || detail.Effective["complaint_working_days"] != float64(15) {
		t.Fatalf("stored: %v / %v", detail.Settings, detail.Effective)
	}
	if r := patch(county, "410581", `{"red_card_after_working_days": null, "power_categories": null}`); r.Status != 200 {
		t.Fatalf("null removes: %d %s", r.Status, r.Body)
	} else {
		detail.Settings, detail.Effective = nil, nil
		r.JSON(t, &detail)
		if _, ok := detail.Settings["red_card_after_working_days"]; ok || detail.Effective["red_card_after_working_days"] != float64(3) {
			t.Fatalf("after null: %v / %v", detail.Settings, detail.Effective)
		}
	}
	// The city's defaults are bounded the same way.
	if r := patch(city, "410500", `{"red_card_after_working_days": 1e12}`); r.Status != 422 {
		t.Fatalf("city: %d %s", r.Status, r.Body)
	}
	// So are the settings of a newly provisioned county.
	r = city.Do("POST", "/api/v1/tenants", map[string]any{"code": "410599", "name": "测试新区", "level": "county", "parent": "410500",
		"settings": map[string]any{"reminder_working_days": 1e19, "colour": "red"}})
	if p := r.Problem(t); r.Status != 422 || len(p.Errors) != 2 {
		t.Fatalf("provision with bad settings: %d %+v", r.Status, p)
	}
}

// TestTenantSettingsSchemaMatchesTheCode: openapi.yaml's TenantSettings documents
// exactly the keys, types and bounds that pkg/tenant enforces, and forbids others.
func TestTenantSettingsSchemaMatchesTheCode(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas["TenantSettings"]
	if ref == nil {
		t.Fatal("openapi.yaml has no TenantSettings schema")
	}
	s := ref.Value
	if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
		t.Fatal("TenantSettings must forbid additional properties")
	}
	var documented []string
	for k := range s.Properties {
		documented = append(documented, k)
	}
	slices.Sort(documented)
	if !slices.Equal(documented, tenant.SettingKeys()) {
		t.Fatalf("documented %v, enforced %v", documented, tenant.SettingKeys())
	}
	for k, spec := range tenant.Settings {
		p := s.Properties[k].Value
		if !p.Type.Is(spec.Type()) {
			t.Errorf("%s: documented %v, enforced %s", k, p.Type, spec.Type())
		}
		switch spec.Type() {
		case "integer", "number":
			if p.Min == nil || p.Max == nil || *p.Min != spec.Min || *p.Max != spec.Max {
				b, _ := json.Marshal(p)
				t.Errorf("%s: documented %s, enforced [%v, %v]", k, b, spec.Min, spec.Max)
			}
		case "string":
			if p.MaxLength == nil || int(*p.MaxLength) != spec.MaxLen {
				t.Errorf("%s: maxLength %v, enforced %d", k, p.MaxLength, spec.MaxLen)
			}
		case "array":
			if p.MaxItems == nil || int(*p.MaxItems) != spec.MaxItems {
				t.Errorf("%s: maxItems %v, enforced %d", k, p.MaxItems, spec.MaxItems)
			}
		}
	}
}
