package catalogue

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"sunshine/pkg/apperr"
)

func sampleContent(code string) Content {
	g := 3
	c := Content{
		Code: code, Name: "建筑工程施工许可证核发", Category: "行政许可", LeadingOfficial: "副局长", ResponsibleUnit: "建筑业管理股",
		StaffDuties: "审查\n审批", LegalBasis: []LegalBasis{{Law: "《建筑法》", Article: "第七条", Text: "应当申请领取施工许可证。"}, {Law: "《施工许可管理办法》"}},
		HandlingType: HandlingPromise, LegalLimit: 7, PromisedLimit: 5, GreenLimit: &g, ExtensionDays: 10, Free: false,
		Fees:       []FeeItem{{Item: "工本费", AmountFen: 1050, Basis: "豫价费"}, {Item: "登记费", AmountFen: 55000, Basis: "发改价格规〔2016〕2559号"}, {Item: "分", AmountFen: 1, Basis: "x"}},
		Materials:  []Material{{Name: "申请表", Required: true, Copies: 1}, {Name: "委托书", Required: false, Copies: 0, Note: "委托时"}},
		Conditions: "有图纸", CounterpartyRights: []string{"陈述", "申辩"}, ComplaintChannels: ComplaintChannels{Phone: "12345", Address: "一楼", URL: "https://x.gov.cn/"},
		EnquiryPhone: "0372-1", Discretion: []DiscretionBand{{Circumstance: "轻微", Penalty: "警告", Basis: "第64条"}},
		Flowchart: parallel(), ChangeNote: "",
	}
	c.Flowchart.Steps[1].Checkpoint = true
	c.Flowchart.Steps[4].Counts = false
	c.Flowchart.Steps[4].Post = "规划岗"
	c.Normalize()
	return c
}

// TestWorkbookRoundTrip: what the export writes, the import reads back unchanged.
func TestWorkbookRoundTrip(t *testing.T) {
	t.Parallel()
	a, b := sampleContent("A-1"), sampleContent("B-2")
	b.Free, b.Fees, b.GreenLimit, b.HandlingType, b.PromisedLimit = true, []FeeItem{}, nil, HandlingInstant, 0
	b.Discretion = []DiscretionBand{}
	data, err := writeWorkbook([]exportItem{{Content: a, DeptCode: "ZJJ", Number: 2, Status: StatusFiled}, {Content: b, DeptCode: "FGW", Number: 1, Status: StatusDraft}},
		codeTable{Categories: DefaultCategories, Depts: []DeptRef{{Code: "ZJJ", Name: "住建局", Active: true}}})
	if err != nil {
		t.Fatal(err)
	}
	items, errs, err := parseWorkbook(context.Background(), bytes.NewReader(data))
	if err != nil || errs.err() != nil {
		t.Fatalf("parse: %v %v", err, errs.err())
	}
	if len(items) != 2 || items[0].DeptCode != "ZJJ" || items[1].DeptCode != "FGW" {
		t.Fatalf("items: %+v", items)
	}
	for i, want := range []Content{a, b} {
		got := items[i].Content
		got.DepartmentID = uuid.Nil
		if d := DiffContent(want, got); len(d) != 0 {
			t.Errorf("%s differs after the round trip: %+v", want.Code, d)
		}
	}
	// The template is the same workbook without rows; it parses as "no items".
	tpl, err := writeWorkbook(nil, codeTable{Categories: DefaultCategories})
	if err != nil {
		t.Fatal(err)
	}
	_, errs, _ = parseWorkbook(context.Background(), bytes.NewReader(tpl))
	if e := apperr.From(errs.err()); e == nil || e.Fields[0].Code != "catalogue.xls_empty" {
		t.Fatalf("empty template: %v", errs.err())
	}
}

// TestWorkbookReportsEveryBadCell: unreadable cells are reported by sheet, column and
// row, all of them at once.
func TestWorkbookReportsEveryBadCell(t *testing.T) {
	t.Parallel()
	data, err := writeWorkbook([]exportItem{{Content: sampleContent("A-1"), DeptCode: "ZJJ"}}, codeTable{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	set := func(sheet, cell string, v any) {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set(sheetItems, "I2", "二十")    // legal limit not a number
	set(sheetItems, "M2", "也许")    // free: not yes/no
	set(sheetItems, "A3", "A-1")   // duplicate code
	set(sheetFees, "C2", "12.345") // three decimals
	set(sheetSteps, "D3", "循环")    // unknown kind
	set(sheetEdges, "A12", "Z-9")  // unknown item
	buf, _ := f.WriteToBuffer()
	_, errs, err := parseWorkbook(context.Background(), bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fe := range errs.list {
		got[fe.Field] = fe.Code
	}
	want := map[string]string{
		"事项!I2": "catalogue.xls_integer", "事项!M2": "catalogue.xls_bool", "事项!A3": "catalogue.xls_duplicate_item",
		"收费标准!C2": "catalogue.xls_amount", "流程环节!D3": "not_allowed_value", "流程连线!A12": "catalogue.xls_unknown_item",
	}
	for cell, code := range want {
		if got[cell] != code {
			t.Errorf("%s: want %s, got %q (all %v)", cell, code, got[cell], got)
		}
	}
	if e := apperr.From(errs.err()); e.Code != "catalogue.import_failed" || e.Kind != apperr.KindInvalid {
		t.Fatalf("%v", e)
	}
	// A workbook that is not one, and a sheet renamed away.
	if _, _, err := parseWorkbook(context.Background(), strings.NewReader("not a zip")); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Fatalf("garbage: %v", err)
	}
	_ = f.SetSheetName(sheetSteps, "Steps")
	buf, _ = f.WriteToBuffer()
	_, errs, _ = parseWorkbook(context.Background(), bytes.NewReader(buf.Bytes()))
	if len(errs.list) != 1 || errs.list[0].Field != sheetSteps || errs.list[0].Code != "catalogue.xls_missing_sheet" {
		t.Fatalf("missing sheet: %+v", errs.list)
	}
}

func TestParseYuan(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"0": 0, "12": 1200, "12.3": 1230, "12.34": 1234, "550": 55000, "0.01": 1, "12.300000000000001": 1230} {
		got, err := parseYuan(in)
		if err != nil || got != want {
			t.Errorf("%s: want %d, got %d %v", in, want, got, err)
		}
	}
	for _, bad := range []string{"", "-1", "1.234", "一百", "1e3x"} {
		if _, err := parseYuan(bad); err == nil {
			t.Errorf("%q must be refused", bad)
		}
	}
}

func TestCellOfMapsFieldsToCells(t *testing.T) {
	t.Parallel()
	it := &parsedItem{row: 7, rows: map[string][]int{sheetSteps: {4, 5, 6}, sheetEdges: {9, 10}, sheetFees: {3}}}
	for field, want := range map[string]string{
		"name":                          "事项!B7",
		"promised_limit":                "事项!J7",
		"complaint_channels.phone":      "事项!P7",
		"flowchart.steps[2].time_limit": "流程环节!H6",
		"flowchart.steps[1]":            "流程环节!B5",
		"flowchart.edges[1]":            "流程连线!B10",
		"fees[0].amount_fen":            "收费标准!C3",
		"flowchart.steps":               "流程环节!A4",
		"legal_basis":                   "事项!A7",
		"department_id":                 "事项!D7",
	} {
		sh, col, row := it.cellOf(field)
		if got := sh + "!" + col + strconv.Itoa(row); got != want {
			t.Errorf("%s: want %s, got %s", field, want, got)
		}
	}
}

func TestDiffContent(t *testing.T) {
	t.Parallel()
	a := sampleContent("A-1")
	b := sampleContent("A-1")
	b.PromisedLimit = 4
	b.Fees[0].AmountFen = 1100
	b.Flowchart.Steps[3].TimeLimit = 2
	b.Materials = append(b.Materials, Material{Name: "图纸", Required: true, Copies: 2})
	got := map[string][2]any{}
	for _, c := range DiffContent(a, b) {
		got[c.Field] = [2]any{c.From, c.To}
	}
	if len(got) != 7 {
		t.Fatalf("changes: %v", got)
	}
	if got["promised_limit"] != [2]any{float64(5), float64(4)} || got["fees[0].amount_fen"] != [2]any{float64(1050), float64(1100)} {
		t.Fatalf("changes: %v", got)
	}
	if _, ok := got["flowchart.steps[zj].time_limit"]; !ok {
		t.Fatalf("steps are named by id: %v", got)
	}
	if _, ok := got["materials[2].name"]; !ok || got["materials[2].name"][0] != nil {
		t.Fatalf("added entries: %v", got)
	}
	if len(DiffContent(a, a)) != 0 {
		t.Fatal("a version does not differ from itself")
	}
}

// withSheet rewrites a workbook with the first sheet's XML replaced by the rows that
// rows writes (after the header row of the template), keeping every other entry.
func withSheet(t testing.TB, rows func(w io.Writer)) []byte {
	t.Helper()
	tpl, err := writeWorkbook(nil, codeTable{Categories: DefaultCategories})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(tpl), int64(len(tpl)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name != "xl/worksheets/sheet1.xml" {
			rc, _ := f.Open()
			_, _ = io.Copy(w, rc)
			rc.Close()
			continue
		}
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		rows(w)
		io.WriteString(w, `</sheetData></worksheet>`)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestImportRefusesAZipBombFastWithLittleMemory: a workbook of ~150 KB that unpacks to
// 57 MB once held a request 28 s and 200 MB before the row limit answered. The zip's
// directory is checked before anything is inflated.
func TestImportRefusesAZipBombFastWithLittleMemory(t *testing.T) {
	pad := strings.Repeat("<row/>", 1000)
	bomb := withSheet(t, func(w io.Writer) {
		for written := 0; written < 57<<20; written += len(pad) {
			io.WriteString(w, pad)
		}
	})
	if len(bomb) > 400<<10 {
		t.Fatalf("test setup: the bomb is %d bytes compressed", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, _, err := parseWorkbook(context.Background(), bytes.NewReader(bomb))
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if e := apperr.From(err); e == nil || e.Code != "catalogue.xls_too_large" || e.Kind != apperr.KindInvalid {
		t.Fatalf("bomb: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("refusing the bomb allocated %d bytes", alloc)
	}
	if took > 2*time.Second {
		t.Errorf("refusing the bomb took %v", took)
	}
}

// TestImportStopsAtTheRowLimitAndTheClock: rows are streamed and counted; the parse
// stops at the limit, and when its time is up.
func TestImportStopsAtTheRowLimitAndTheClock(t *testing.T) {
	t.Parallel()
	tpl, err := writeWorkbook(nil, codeTable{Categories: DefaultCategories})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter(listSheets[0].name)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= maxImportRows+50; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := sw.SetRow(cell, []any{"x" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	_, errs, err := parseWorkbook(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if e := apperr.From(errs.err()); e == nil || e.Fields[0].Code != "catalogue.xls_too_many_rows" {
		t.Fatalf("too many rows: %v", errs.err())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = parseWorkbook(ctx, bytes.NewReader(data))
	if e := apperr.From(err); e == nil || e.Code != "catalogue.xls_too_slow" {
		t.Fatalf("out of time: %v", err)
	}
}
