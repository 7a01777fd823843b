package catalogue

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"sunshine/pkg/apperr"
)

// FuzzFlowchartJSON: any JSON decoded into a flowchart is validated without panicking,
// into nil or a 422 with fields; a flowchart that validates has one start and one end,
// and its longest counted path is within the promised limit.
func FuzzFlowchartJSON(f *testing.F) {
	good, _ := json.Marshal(parallel())
	f.Add(good, 7)
	f.Add([]byte(`{"steps":[{"id":"s","kind":"start"},{"id":"e","kind":"end"}],"edges":[{"from":"s","to":"e"}]}`), 0)
	f.Add([]byte(`{"steps":[{"id":"a","kind":"task","time_limit":-1}],"edges":[{"from":"a","to":"a"}]}`), 1)
	f.Add([]byte(`{"steps":[],"edges":null}`), 5)
	f.Fuzz(func(t *testing.T, data []byte, promised int) {
		var fc Flowchart
		if json.Unmarshal(data, &fc) != nil {
			return
		}
		err := fc.Validate(promised)
		if err == nil {
			if fc.Start().ID == "" || fc.End().ID == "" {
				t.Fatalf("valid without start or end: %s", data)
			}
			if n := fc.LongestCountedPath(); promised > 0 && n > promised {
				t.Fatalf("valid but its longest path %d exceeds %d: %s", n, promised, data)
			}
			return
		}
		if e := apperr.From(err); e.Kind != apperr.KindInvalid {
			t.Fatalf("kind %v for %s: %v", e.Kind, data, err)
		}
	})
}

// FuzzImportWorkbook: any bytes offered as a workbook are read without panicking, into
// items, cell errors or a client error (never an internal one).
func FuzzImportWorkbook(f *testing.F) {
	tpl, err := writeWorkbook(nil, codeTable{Categories: DefaultCategories})
	if err != nil {
		f.Fatal(err)
	}
	full, err := writeWorkbook([]exportItem{{Content: sampleContent("A-1"), DeptCode: "ZJJ", Number: 1, Status: StatusDraft}}, codeTable{Categories: DefaultCategories})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tpl)
	f.Add(full)
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := parseWorkbook(context.Background(), bytes.NewReader(data))
		if err != nil && apperr.From(err).Kind == apperr.KindInternal {
			t.Fatalf("internal error for a bad workbook: %v", err)
		}
	})
}
