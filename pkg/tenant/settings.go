package tenant

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"sunshine/pkg/apperr"
)

// Setting keys. These are every key the code reads (supervision, catalogue, casework,
// tenancy) plus the local limits the manifests record for the console; nothing else
// may be stored.
const (
	SettingReminderWorkingDays = "reminder_working_days"
	SettingRedAfterWorkingDays = "red_card_after_working_days"
	SettingNoticeReplyDays     = "notice_reply_working_days"
	SettingFilingWorkingDays   = "catalogue_filing_working_days"
	SettingRatingRectifyDays   = "rating_rectify_working_days"
	SettingComplaintDays       = "complaint_working_days"
	SettingLowVolume           = "window_low_volume_threshold"
	SettingPortalNotice        = "portal_notice"
	SettingPowerCategories     = "power_categories"
	SettingDepartmentTemplate  = "department_template"
)

// settingKind is the JSON shape of a setting.
type settingKind int

const (
	kindInteger settingKind = iota // a whole number in [Min, Max]
	kindNumber                     // any number in [Min, Max]
	kindString                     // a string of at most MaxLen characters
	kindStrings                    // an array of 1..MaxItems non-blank strings of at most MaxLen characters
	kindObjects                    // an array of at most MaxItems objects (checked further by their owner)
)

// SettingSpec bounds one setting. The bounds are the contract of
// PATCH /api/v1/tenants/{code}/settings (openapi.yaml's TenantSettings repeats them;
// a test keeps the two equal) and of every reader: a value outside them is never
// used for arithmetic.
type SettingSpec struct {
	Key      string
	kind     settingKind
	Min, Max float64  // numbers
	MaxLen   int      // strings (characters)
	MaxItems int      // arrays
	Fields   []string // the keys objects may have
}

// Type names the JSON type of the setting ("integer", "number", "string", "array").
func (s SettingSpec) Type() string {
	switch s.kind {
	case kindInteger:
		return "integer"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	}
	return "array"
}

// Settings is the schema of tenant settings, by key.
var Settings = map[string]SettingSpec{
	// A reminder this many working days before the deadline (1: on its last working
	// day). A yellow card follows at the deadline and a red one
	// red_card_after_working_days later, so the ladder is ordered by construction.
	SettingReminderWorkingDays: {kind: kindInteger, Min: 1, Max: 20},
	SettingRedAfterWorkingDays: {kind: kindInteger, Min: 1, Max: 60},
	SettingNoticeReplyDays:     {kind: kindInteger, Min: 1, Max: 30},
	SettingFilingWorkingDays:   {kind: kindInteger, Min: 1, Max: 60},
	SettingRatingRectifyDays:   {kind: kindInteger, Min: 1, Max: 60},
	SettingComplaintDays:       {kind: kindInteger, Min: 1, Max: 60},
	SettingLowVolume:           {kind: kindNumber, Min: 0, Max: 10000},
	SettingPortalNotice:        {kind: kindString, MaxLen: 2000},
	SettingPowerCategories:     {kind: kindStrings, MaxItems: 50, MaxLen: 50},
	SettingDepartmentTemplate:  {kind: kindObjects, MaxItems: 200, Fields: []string{"code", "name", "type", "sort"}},
}

func init() {
	for k, s := range Settings {
		s.Key = k
		Settings[k] = s
	}
	apperr.Register("tenant.settings_invalid", "租户 {code} 的设置 {key} 无效：{reason}", "Tenant {code} has an invalid setting {key}: {reason}")
}

// SettingKeys lists the known keys, sorted.
func SettingKeys() []string {
	out := make([]string, 0, len(Settings))
	for k := range Settings {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ValidateSettings checks settings as sent by a client or a manifest: unknown keys,
// wrong types and values out of range are field errors under prefix+key ("settings.").
// With patch, null means "remove the key" and is accepted.
func ValidateSettings(settings map[string]any, prefix string, patch bool) error {
	var v apperr.Fields
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := settings[k]
		field := prefix + k
		spec, ok := Settings[k]
		if !ok {
			v.Add(field, "unknown_field")
			continue
		}
		if val == nil {
			if !patch {
				v.Add(field, "wrong_type", apperr.Params{"want": spec.Type()})
			}
			continue
		}
		if code, params := spec.check(val); code != "" {
			v.Add(field, code, params)
		}
	}
	return v.Err()
}

// check returns the field error code of val, or "".
func (s SettingSpec) check(val any) (string, apperr.Params) {
	switch s.kind {
	case kindInteger, kindNumber:
		f, ok := toFloat(val)
		if !ok || (s.kind == kindInteger && f != math.Trunc(f)) {
			return "wrong_type", apperr.Params{"want": s.Type()}
		}
		if f < s.Min || f > s.Max {
			return "out_of_range", apperr.Params{"min": s.Min, "max": s.Max}
		}
	case kindString:
		str, ok := val.(string)
		if !ok {
			return "wrong_type", apperr.Params{"want": "string"}
		}
		if !utf8.ValidString(str) || strings.ContainsRune(str, 0) {
			return "invalid_characters", nil
		}
		if utf8.RuneCountInString(str) > s.MaxLen {
			return "too_long", apperr.Params{"max": s.MaxLen}
		}
	case kindStrings:
		list, ok := val.([]any)
		if !ok {
			return "wrong_type", apperr.Params{"want": "array of strings"}
		}
		if len(list) == 0 || len(list) > s.MaxItems {
			return "out_of_range", apperr.Params{"min": 1, "max": s.MaxItems}
		}
		for _, x := range list {
			str, ok := x.(string)
			if !ok {
				return "wrong_type", apperr.Params{"want": "array of strings"}
			}
			if strings.TrimSpace(str) == "" {
				return "required", nil
			}
			if !utf8.ValidString(str) || strings.ContainsRune(str, 0) {
				return "invalid_characters", nil
			}
			if utf8.RuneCountInString(str) > s.MaxLen {
				return "too_long", apperr.Params{"max": s.MaxLen}
			}
		}
	case kindObjects:
		list, ok := val.([]any)
		if !ok {
			return "wrong_type", apperr.Params{"want": "array"}
		}
		if len(list) > s.MaxItems {
			return "out_of_range", apperr.Params{"min": 0, "max": s.MaxItems}
		}
		for _, x := range list {
			obj, ok := x.(map[string]any)
			if !ok {
				return "wrong_type", apperr.Params{"want": "array of objects"}
			}
			for k := range obj {
				if !slices.Contains(s.Fields, k) {
					return "wrong_type", apperr.Params{"want": "array of {" + strings.Join(s.Fields, ", ") + "}"}
				}
			}
		}
	}
	return "", nil
}

// toFloat reads a JSON number (float64 after encoding/json; ints from YAML).
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// WorkingDays reads an integer setting from (effective) settings: def when the key is
// absent, an error naming the tenant when the stored value is not what the schema
// allows (written around the API). Callers never do arithmetic with an unchecked
// value.
func WorkingDays(settings map[string]any, t *Tenant, key string, def int) (int, error) {
	val, ok := settings[key]
	if !ok || val == nil {
		return def, nil
	}
	spec, known := Settings[key]
	if !known || spec.kind != kindInteger {
		return 0, fmt.Errorf("tenant: %s is not an integer setting", key)
	}
	if code, params := spec.check(val); code != "" {
		return 0, apperr.Invalid("tenant.settings_invalid", apperr.Params{"code": codeOf(t), "key": key,
			"reason": fmt.Sprintf("%s %v (%v)", code, truncateValue(val), params)})
	}
	f, _ := toFloat(val)
	return int(f), nil
}

func codeOf(t *Tenant) string {
	if t == nil {
		return ""
	}
	return t.Code
}

// truncateValue keeps a stored value short enough to log.
func truncateValue(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}
