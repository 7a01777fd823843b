package catalogue

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Change is one field that differs between two versions. Field is a path into the
// content ("fees[0].amount_fen", "flowchart.steps[review].time_limit": list entries
// with an id are named by it, others by position); From or To is nil when the field
// exists on one side only.
type Change struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// contentKeys is the order of Content's fields, so that diffs read top to bottom like
// the item page.
var contentKeys = func() []string {
	t := reflect.TypeOf(Content{})
	out := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}()

// DiffContent lists the fields that differ from a to b.
func DiffContent(a, b Content) []Change {
	fa, fb := flattenContent(a), flattenContent(b)
	var out []Change
	seen := map[string]bool{}
	for _, p := range fa.order {
		seen[p] = true
		va, vb := fa.values[p], fb.values[p]
		if _, ok := fb.values[p]; !ok {
			out = append(out, Change{Field: p, From: va, To: nil})
		} else if !reflect.DeepEqual(va, vb) {
			out = append(out, Change{Field: p, From: va, To: vb})
		}
	}
	for _, p := range fb.order {
		if !seen[p] {
			out = append(out, Change{Field: p, From: nil, To: fb.values[p]})
		}
	}
	return out
}

// ChangedFields lists the paths that differ (for the audit trail).
func ChangedFields(a, b Content) []string {
	changes := DiffContent(a, b)
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.Field
	}
	return out
}

type flat struct {
	order  []string
	values map[string]any
}

func flattenContent(c Content) flat {
	c.Normalize()
	b, _ := json.Marshal(c)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	f := flat{values: map[string]any{}}
	for _, k := range contentKeys {
		flatten(&f, k, m[k])
	}
	return f
}

func flatten(f *flat, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		// Steps read best with their identity first.
		sort.Slice(keys, func(i, j int) bool {
			if (keys[i] == "id") != (keys[j] == "id") {
				return keys[i] == "id"
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			flatten(f, path+"."+k, x[k])
		}
	case []any:
		if len(x) == 0 {
			f.order = append(f.order, path)
			f.values[path] = "[]"
			return
		}
		for i, e := range x {
			key := fmt.Sprint(i)
			if m, ok := e.(map[string]any); ok {
				if id, ok := m["id"].(string); ok && id != "" {
					key = id
				}
			}
			flatten(f, fmt.Sprintf("%s[%s]", path, key), e)
		}
	default:
		f.order = append(f.order, path)
		f.values[path] = x
	}
}
