package catalogue

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// The workbook departments keep their 权力清单 in: one sheet of items, one per list
// (legal basis, fees, materials, discretion, flowchart steps and edges) keyed by the
// item code, an instruction sheet and a code table that feeds the drop-downs.
const (
	sheetGuide      = "说明"
	sheetItems      = "事项"
	sheetBasis      = "设定依据"
	sheetFees       = "收费标准"
	sheetMaterials  = "申请材料"
	sheetDiscretion = "裁量基准"
	sheetSteps      = "流程环节"
	sheetEdges      = "流程连线"
	sheetCodes      = "代码表"

	// XLSXContentType is the media type of the workbooks.
	XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	maxImportRows   = 20000

	// An imported workbook may unpack to at most MaxImportUnzipped bytes in all, and
	// its parsing may take at most ImportParseTimeout. The largest real catalogue
	// workbook (20,000 rows in a sheet) unpacks to a few megabytes; a 152 KB zip bomb
	// unpacked to 57 MB and held a request 28 s and 200 MB of memory before the row
	// limit answered.
	MaxImportUnzipped  = 24 << 20
	ImportParseTimeout = 10 * time.Second
)

type column struct {
	key    string // content field (JSON name) the column holds
	header string
	width  float64
}

var (
	itemColumns = []column{
		{"code", "事项编码", 18}, {"name", "事项名称", 30}, {"category", "职权类别", 12}, {"department", "实施部门编码", 12},
		{"leading_official", "主管领导", 12}, {"responsible_unit", "内部责任单位", 18}, {"staff_duties", "岗位职责", 30},
		{"handling_type", "办件类型", 10}, {"legal_limit", "法定时限（工作日）", 10}, {"promised_limit", "承诺时限（工作日）", 10},
		{"green_limit", "绿色通道时限（工作日）", 10}, {"extension_days", "可延长（工作日）", 10}, {"free", "是否免费", 8},
		{"conditions", "受理条件", 30}, {"counterparty_rights", "相对人权利（用、分隔）", 24}, {"complaint_channels.phone", "投诉电话", 14},
		{"complaint_channels.address", "投诉地址", 20}, {"complaint_channels.url", "投诉网址", 20}, {"enquiry_phone", "咨询电话", 14},
		{"change_note", "修订说明", 20}, {"version", "当前版本（只读）", 8}, {"status", "状态（只读）", 12},
	}
	basisColumns      = []column{{"code", "事项编码", 18}, {"law", "法律法规名称", 30}, {"article", "条款", 14}, {"text", "条文内容", 60}}
	feeColumns        = []column{{"code", "事项编码", 18}, {"item", "收费项目", 24}, {"amount_fen", "金额（元）", 12}, {"basis", "收费依据", 40}}
	materialColumns   = []column{{"code", "事项编码", 18}, {"name", "材料名称", 36}, {"required", "是否必需", 8}, {"copies", "份数", 6}, {"note", "备注", 30}}
	discretionColumns = []column{{"code", "事项编码", 18}, {"circumstance", "违法情形", 40}, {"penalty", "处罚幅度", 40}, {"basis", "裁量依据", 24}}
	stepColumns       = []column{{"code", "事项编码", 18}, {"id", "环节编号", 10}, {"name", "环节名称", 18}, {"kind", "节点类型", 8},
		{"post", "承办岗位", 14}, {"role", "办理角色", 12}, {"department_code", "承办部门编码", 12}, {"time_limit", "时限（工作日）", 10},
		{"counts", "计入办理时限", 10}, {"checkpoint", "监督制约环节", 10}, {"duties", "职责要求", 30}, {"counterparty_rights", "相对人权利", 24}}
	edgeColumns = []column{{"code", "事项编码", 18}, {"from", "起始环节编号", 12}, {"to", "指向环节编号", 12}}

	listSheets = []struct {
		name string
		cols []column
	}{
		{sheetItems, itemColumns}, {sheetBasis, basisColumns}, {sheetFees, feeColumns}, {sheetMaterials, materialColumns},
		{sheetDiscretion, discretionColumns}, {sheetSteps, stepColumns}, {sheetEdges, edgeColumns},
	}
)

var (
	kindLabels = map[StepKind]string{KindStart: "开始", KindTask: "办理", KindSplit: "并行分支", KindJoin: "并行汇合", KindEnd: "结束"}
	roleLabels = map[string]string{authz.WindowClerk: "窗口受理员", authz.CaseHandler: "承办人", authz.DeptAdmin: "部门负责人", authz.LegalReviewer: "法制审核员"}
	typeLabels = map[string]string{HandlingInstant: "即办件", HandlingPromise: "承诺件"}
)

func colName(i int) string {
	n, _ := excelize.ColumnNumberToName(i + 1)
	return n
}

func colOf(cols []column, key string) string {
	for i, c := range cols {
		if c.key == key {
			return colName(i)
		}
	}
	return "A"
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// exportItem is one item as written to a workbook.
type exportItem struct {
	Content
	DeptCode string
	Number   int
	Status   string
}

// codeTable is what the drop-downs offer.
type codeTable struct {
	Categories []string
	Depts      []DeptRef
}

func writeWorkbook(items []exportItem, codes codeTable) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetGuide); err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	if err != nil {
		return nil, err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return nil, err
	}
	guide := []string{
		"权力清单导入模板（阳光施政平台）",
		"1. “事项”表每行一个事项；其余各表用“事项编码”对应到事项，每行一条（设定依据、收费标准、申请材料、裁量基准、流程环节、流程连线）。",
		"2. 实施部门编码、承办部门编码见“代码表”；职权类别、办件类型、节点类型、办理角色请从下拉列表选择；是/否列填“是”或“否”。",
		"3. 时限均以工作日计；承诺时限不超过法定时限；即办件承诺时限为 0；金额以元计，最多两位小数；不收费的事项“是否免费”填“是”且不填收费标准。",
		"4. 流程图：恰有一个“开始”和一个“结束”；并联办理用“并行分支”分出、在同一个“并行汇合”会合；最长路径上计入时限的环节合计不超过承诺时限。",
		"5. 导入时：新编码创建草稿；草稿或已退回的事项更新内容；已备案的事项生成修订草稿；正在审核或待备案的事项不能修改。",
		"6. 任一行有错误时整份文件都不会导入，系统会列出每个错误所在的工作表、行和列。“只读”列导入时忽略。",
	}
	for i, line := range guide {
		if err := f.SetCellStr(sheetGuide, fmt.Sprintf("A%d", i+1), line); err != nil {
			return nil, err
		}
	}
	_ = f.SetColWidth(sheetGuide, "A", "A", 120)
	for _, sh := range listSheets {
		if _, err := f.NewSheet(sh.name); err != nil {
			return nil, err
		}
		headers := make([]any, len(sh.cols))
		for i, c := range sh.cols {
			headers[i] = c.header
			_ = f.SetColWidth(sh.name, colName(i), colName(i), c.width)
		}
		if err := f.SetSheetRow(sh.name, "A1", &headers); err != nil {
			return nil, err
		}
		_ = f.SetCellStyle(sh.name, "A1", colName(len(sh.cols)-1)+"1", head)
		_ = f.SetPanes(sh.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	rows := map[string]int{}
	put := func(sheet string, values ...any) error {
		rows[sheet]++
		r := rows[sheet] + 1
		return f.SetSheetRow(sheet, fmt.Sprintf("A%d", r), &values)
	}
	for _, it := range items {
		c := it.Content
		var green any = ""
		if c.GreenLimit != nil {
			green = *c.GreenLimit
		}
		if err := put(sheetItems, c.Code, c.Name, c.Category, it.DeptCode, c.LeadingOfficial, c.ResponsibleUnit, c.StaffDuties,
			typeLabels[c.HandlingType], c.LegalLimit, c.PromisedLimit, green, c.ExtensionDays, yesNo(c.Free), c.Conditions,
			strings.Join(c.CounterpartyRights, "、"), c.ComplaintChannels.Phone, c.ComplaintChannels.Address, c.ComplaintChannels.URL,
			c.EnquiryPhone, c.ChangeNote, it.Number, StatusLabels[it.Status]); err != nil {
			return nil, err
		}
		for _, b := range c.LegalBasis {
			if err := put(sheetBasis, c.Code, b.Law, b.Article, b.Text); err != nil {
				return nil, err
			}
		}
		for _, fee := range c.Fees {
			if err := put(sheetFees, c.Code, fee.Item, float64(fee.AmountFen)/100, fee.Basis); err != nil {
				return nil, err
			}
			cell := fmt.Sprintf("C%d", rows[sheetFees]+1)
			_ = f.SetCellStyle(sheetFees, cell, cell, money)
		}
		for _, m := range c.Materials {
			if err := put(sheetMaterials, c.Code, m.Name, yesNo(m.Required), m.Copies, m.Note); err != nil {
				return nil, err
			}
		}
		for _, d := range c.Discretion {
			if err := put(sheetDiscretion, c.Code, d.Circumstance, d.Penalty, d.Basis); err != nil {
				return nil, err
			}
		}
		for _, s := range c.Flowchart.Steps {
			role := roleLabels[s.Role]
			if role == "" {
				role = s.Role
			}
			if err := put(sheetSteps, c.Code, s.ID, s.Name, kindLabels[s.Kind], s.Post, role, s.DepartmentCode, s.TimeLimit,
				yesNo(s.Counts), yesNo(s.Checkpoint), s.Duties, s.CounterpartyRights); err != nil {
				return nil, err
			}
		}
		for _, e := range c.Flowchart.Edges {
			if err := put(sheetEdges, c.Code, e.From, e.To); err != nil {
				return nil, err
			}
		}
	}
	// The code table and the drop-downs that read it.
	if _, err := f.NewSheet(sheetCodes); err != nil {
		return nil, err
	}
	codeCols := [][]string{{"职权类别"}, {"部门编码"}, {"部门名称"}, {"办理角色"}, {"节点类型"}, {"办件类型"}, {"是/否"}}
	codeCols[0] = append(codeCols[0], codes.Categories...)
	for _, d := range codes.Depts {
		codeCols[1] = append(codeCols[1], d.Code)
		codeCols[2] = append(codeCols[2], d.Name)
	}
	for _, r := range HandlingRoles {
		codeCols[3] = append(codeCols[3], roleLabels[r])
	}
	for _, k := range StepKinds {
		codeCols[4] = append(codeCols[4], kindLabels[k])
	}
	codeCols[5] = append(codeCols[5], typeLabels[HandlingInstant], typeLabels[HandlingPromise])
	codeCols[6] = append(codeCols[6], "是", "否")
	for i, col := range codeCols {
		vals := make([]any, len(col))
		for j, v := range col {
			vals[j] = v
		}
		if err := f.SetSheetCol(sheetCodes, colName(i)+"1", &vals); err != nil {
			return nil, err
		}
		_ = f.SetColWidth(sheetCodes, colName(i), colName(i), 22)
	}
	_ = f.SetCellStyle(sheetCodes, "A1", "G1", head)
	drop := func(sheet string, cols []column, key string, codeCol int) {
		n := len(codeCols[codeCol]) - 1
		if n < 1 {
			return
		}
		dv := excelize.NewDataValidation(true)
		c := colOf(cols, key)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", c, c, maxImportRows)
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheetCodes, colName(codeCol), colName(codeCol), n+1))
		_ = f.AddDataValidation(sheet, dv)
	}
	drop(sheetItems, itemColumns, "category", 0)
	drop(sheetItems, itemColumns, "department", 1)
	drop(sheetItems, itemColumns, "handling_type", 5)
	drop(sheetItems, itemColumns, "free", 6)
	drop(sheetMaterials, materialColumns, "required", 6)
	drop(sheetSteps, stepColumns, "kind", 4)
	drop(sheetSteps, stepColumns, "role", 3)
	drop(sheetSteps, stepColumns, "department_code", 1)
	drop(sheetSteps, stepColumns, "counts", 6)
	drop(sheetSteps, stepColumns, "checkpoint", 6)
	f.SetActiveSheet(1)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parsedItem is one item read from a workbook, with where each of its parts came from.
type parsedItem struct {
	Content
	DeptCode string
	row      int
	rows     map[string][]int // sheet → row of each list entry, in order
	broken   bool             // a cell could not be read; content checks are skipped
}

// cellErrors collects problems by cell ("事项!C5").
type cellErrors struct{ list []apperr.FieldError }

func (e *cellErrors) add(sheet, col string, row int, code string, params ...apperr.Params) {
	f := apperr.FieldError{Field: fmt.Sprintf("%s!%s%d", sheet, col, row), Code: code}
	if row == 0 {
		f.Field = sheet
	}
	if len(params) > 0 {
		f.Params = params[0]
	}
	e.list = append(e.list, f)
}

func (e *cellErrors) err() error {
	if len(e.list) == 0 {
		return nil
	}
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "catalogue.import_failed", Params: apperr.Params{"count": len(e.list)}, Fields: e.list}
}

var amountRE = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)

// checkZip refuses, from the zip's central directory alone (nothing is inflated), a
// workbook whose entries would unpack to more than MaxImportUnzipped bytes. The
// declared sizes are binding: archive/zip, which excelize reads through, fails an
// entry that inflates past its declared size.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return apperr.Wrap(err, apperr.KindInvalid, "catalogue.xls_unreadable")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > MaxImportUnzipped || f.UncompressedSize64 > MaxImportUnzipped {
			return apperr.Invalid("catalogue.xls_too_large", apperr.Params{"max_mb": MaxImportUnzipped >> 20})
		}
	}
	return nil
}

// readSheet streams a sheet's rows (as GetRows returns them: trailing empty rows
// dropped), stopping at the row limit and when ctx ends.
func readSheet(ctx context.Context, f *excelize.File, sheet string) ([][]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out, cur, last := make([][]string, 0, 64), 0, 0
	for rows.Next() {
		cur++
		if cur%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, apperr.Invalid("catalogue.xls_too_slow", apperr.Params{"seconds": int(ImportParseTimeout.Seconds())})
			}
		}
		row, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, apperr.Wrap(err, apperr.KindInvalid, "catalogue.xls_unreadable")
		}
		if len(row) == 0 {
			continue
		}
		// The header plus maxImportRows rows at most.
		if cur > maxImportRows+1 {
			return nil, errTooManyRows
		}
		if gap := cur - last - 1; gap > 0 {
			out = append(out, make([][]string, gap)...)
		}
		out = append(out, row)
		last = cur
	}
	return out, rows.Error()
}

var errTooManyRows = errors.New("too many rows")

// parseWorkbook reads every sheet, reporting unreadable cells by position. It refuses
// a workbook that unpacks too large before inflating anything, streams each sheet, and
// gives up after ImportParseTimeout.
func parseWorkbook(ctx context.Context, r io.Reader) ([]*parsedItem, *cellErrors, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.KindInvalid, "catalogue.xls_unreadable")
	}
	if err := checkZip(data); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, ImportParseTimeout)
	defer cancel()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxImportUnzipped, UnzipXMLSizeLimit: 4 << 20})
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.KindInvalid, "catalogue.xls_unreadable")
	}
	defer f.Close()
	errs := &cellErrors{}
	sheets := map[string][][]string{}
	for _, sh := range listSheets {
		if idx, err := f.GetSheetIndex(sh.name); err != nil || idx < 0 {
			errs.add(sh.name, "", 0, "catalogue.xls_missing_sheet", apperr.Params{"sheet": sh.name})
			continue
		}
		rows, err := readSheet(ctx, f, sh.name)
		if errors.Is(err, errTooManyRows) {
			errs.add(sh.name, "", 0, "catalogue.xls_too_many_rows", apperr.Params{"max": maxImportRows})
			continue
		}
		if err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) {
				return nil, nil, ae
			}
			errs.add(sh.name, "", 0, "catalogue.xls_missing_sheet", apperr.Params{"sheet": sh.name})
			continue
		}
		ok := len(rows) > 0
		for i, c := range sh.cols {
			if !ok || i >= len(rows[0]) || strings.TrimSpace(rows[0][i]) != c.header {
				errs.add(sh.name, colName(i), 1, "catalogue.xls_header", apperr.Params{"want": c.header})
				ok = false
				break
			}
		}
		if ok {
			sheets[sh.name] = rows
		}
	}
	if len(errs.list) > 0 {
		return nil, errs, nil
	}
	cell := func(row []string, i int) string {
		if i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	blank := func(row []string) bool {
		for _, c := range row {
			if strings.TrimSpace(c) != "" {
				return false
			}
		}
		return true
	}
	var items []*parsedItem
	byCode := map[string]*parsedItem{}
	intCell := func(it *parsedItem, sheet string, cols []column, row []string, key string, rowN int, optional bool) (int, bool) {
		i := indexOf(cols, key)
		s := cell(row, i)
		if s == "" && optional {
			return 0, false
		}
		if s == "" {
			errs.add(sheet, colName(i), rowN, "required")
			it.broken = true
			return 0, false
		}
		fv, err := strconv.ParseFloat(s, 64)
		if err != nil || fv != math.Trunc(fv) || math.Abs(fv) > 1e6 {
			errs.add(sheet, colName(i), rowN, "catalogue.xls_integer")
			it.broken = true
			return 0, false
		}
		return int(fv), true
	}
	boolCell := func(it *parsedItem, sheet string, cols []column, row []string, key string, rowN int, def bool) bool {
		i := indexOf(cols, key)
		switch strings.ToLower(cell(row, i)) {
		case "":
			return def
		case "是", "y", "yes", "true", "1", "√":
			return true
		case "否", "n", "no", "false", "0", "×":
			return false
		}
		errs.add(sheet, colName(i), rowN, "catalogue.xls_bool")
		it.broken = true
		return def
	}
	for n, row := range sheets[sheetItems][1:] {
		rowN := n + 2
		if blank(row) {
			continue
		}
		c := func(key string) string { return cell(row, indexOf(itemColumns, key)) }
		it := &parsedItem{row: rowN, rows: map[string][]int{}}
		it.Code, it.Name, it.Category, it.DeptCode = c("code"), c("name"), c("category"), c("department")
		it.LeadingOfficial, it.ResponsibleUnit, it.StaffDuties = c("leading_official"), c("responsible_unit"), c("staff_duties")
		switch ht := c("handling_type"); ht {
		case "即办件", HandlingInstant:
			it.HandlingType = HandlingInstant
		case "承诺件", HandlingPromise:
			it.HandlingType = HandlingPromise
		case "":
		default:
			errs.add(sheetItems, colOf(itemColumns, "handling_type"), rowN, "not_allowed_value", apperr.Params{"allowed": "即办件、承诺件"})
			it.broken = true
		}
		it.LegalLimit, _ = intCell(it, sheetItems, itemColumns, row, "legal_limit", rowN, false)
		it.PromisedLimit, _ = intCell(it, sheetItems, itemColumns, row, "promised_limit", rowN, false)
		if g, ok := intCell(it, sheetItems, itemColumns, row, "green_limit", rowN, true); ok {
			it.GreenLimit = &g
		}
		it.ExtensionDays = DefaultExtensionDays
		if e, ok := intCell(it, sheetItems, itemColumns, row, "extension_days", rowN, true); ok {
			it.ExtensionDays = e
		}
		it.Free = boolCell(it, sheetItems, itemColumns, row, "free", rowN, true)
		it.Conditions = c("conditions")
		it.CounterpartyRights = []string{}
		for _, r := range strings.FieldsFunc(c("counterparty_rights"), func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == '\n' }) {
			if r = strings.TrimSpace(r); r != "" {
				it.CounterpartyRights = append(it.CounterpartyRights, r)
			}
		}
		it.ComplaintChannels = ComplaintChannels{Phone: c("complaint_channels.phone"), Address: c("complaint_channels.address"), URL: c("complaint_channels.url")}
		it.EnquiryPhone, it.ChangeNote = c("enquiry_phone"), c("change_note")
		if it.Code == "" {
			errs.add(sheetItems, "A", rowN, "required")
			continue
		}
		if prev, dup := byCode[it.Code]; dup {
			errs.add(sheetItems, "A", rowN, "catalogue.xls_duplicate_item", apperr.Params{"code": it.Code, "row": prev.row})
			continue
		}
		byCode[it.Code] = it
		items = append(items, it)
	}
	child := func(sheet string, cols []column, fn func(it *parsedItem, row []string, rowN int)) {
		for n, row := range sheets[sheet][1:] {
			rowN := n + 2
			if blank(row) {
				continue
			}
			code := cell(row, 0)
			it, ok := byCode[code]
			if !ok {
				if code == "" {
					errs.add(sheet, "A", rowN, "required")
				} else {
					errs.add(sheet, "A", rowN, "catalogue.xls_unknown_item", apperr.Params{"code": code})
				}
				continue
			}
			it.rows[sheet] = append(it.rows[sheet], rowN)
			fn(it, row, rowN)
		}
	}
	child(sheetBasis, basisColumns, func(it *parsedItem, row []string, _ int) {
		it.LegalBasis = append(it.LegalBasis, LegalBasis{Law: cell(row, 1), Article: cell(row, 2), Text: cell(row, 3)})
	})
	child(sheetFees, feeColumns, func(it *parsedItem, row []string, rowN int) {
		fee := FeeItem{Item: cell(row, 1), Basis: cell(row, 3)}
		amount, err := parseYuan(cell(row, 2))
		if err != nil {
			errs.add(sheetFees, "C", rowN, "catalogue.xls_amount")
			it.broken = true
		}
		fee.AmountFen = amount
		it.Fees = append(it.Fees, fee)
	})
	child(sheetMaterials, materialColumns, func(it *parsedItem, row []string, rowN int) {
		m := Material{Name: cell(row, 1), Note: cell(row, 4)}
		m.Required = boolCell(it, sheetMaterials, materialColumns, row, "required", rowN, true)
		m.Copies = 1
		if n, ok := intCell(it, sheetMaterials, materialColumns, row, "copies", rowN, true); ok {
			m.Copies = n
		}
		it.Materials = append(it.Materials, m)
	})
	child(sheetDiscretion, discretionColumns, func(it *parsedItem, row []string, _ int) {
		it.Discretion = append(it.Discretion, DiscretionBand{Circumstance: cell(row, 1), Penalty: cell(row, 2), Basis: cell(row, 3)})
	})
	child(sheetSteps, stepColumns, func(it *parsedItem, row []string, rowN int) {
		c := func(key string) string { return cell(row, indexOf(stepColumns, key)) }
		s := Step{ID: c("id"), Name: c("name"), Post: c("post"), DepartmentCode: c("department_code"), Duties: c("duties"), CounterpartyRights: c("counterparty_rights")}
		kind := c("kind")
		for k, label := range kindLabels {
			if kind == label || kind == string(k) {
				s.Kind = k
			}
		}
		if s.Kind == "" {
			errs.add(sheetSteps, colOf(stepColumns, "kind"), rowN, "not_allowed_value", apperr.Params{"allowed": "开始、办理、并行分支、并行汇合、结束"})
			it.broken = true
		}
		role := c("role")
		for r, label := range roleLabels {
			if role == label {
				role = r
			}
		}
		s.Role = role
		if s.Kind.Control() && s.Kind != "" {
			s.TimeLimit, _ = intCell(it, sheetSteps, stepColumns, row, "time_limit", rowN, true)
		} else {
			s.TimeLimit, _ = intCell(it, sheetSteps, stepColumns, row, "time_limit", rowN, false)
		}
		s.Counts = boolCell(it, sheetSteps, stepColumns, row, "counts", rowN, s.Kind == KindTask)
		s.Checkpoint = boolCell(it, sheetSteps, stepColumns, row, "checkpoint", rowN, false)
		it.Flowchart.Steps = append(it.Flowchart.Steps, s)
	})
	child(sheetEdges, edgeColumns, func(it *parsedItem, row []string, _ int) {
		it.Flowchart.Edges = append(it.Flowchart.Edges, Edge{From: cell(row, 1), To: cell(row, 2)})
	})
	for _, it := range items {
		it.Normalize()
	}
	if len(items) == 0 && len(errs.list) == 0 {
		errs.add(sheetItems, "A", 2, "catalogue.xls_empty")
	}
	return items, errs, nil
}

func indexOf(cols []column, key string) int {
	for i, c := range cols {
		if c.key == key {
			return i
		}
	}
	return -1
}

// parseYuan reads an amount in yuan with at most two decimals into fen, exactly.
func parseYuan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if !amountRE.MatchString(s) {
		// Spreadsheets store 12.3 as 12.300000000000001 at times: accept what rounds
		// to the cent without loss.
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || math.Abs(f*100-math.Round(f*100)) > 1e-6 {
			return 0, fmt.Errorf("bad amount %q", s)
		}
		return int64(math.Round(f * 100)), nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e10 {
		return 0, fmt.Errorf("bad amount %q", s)
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + c, nil
}

// cellOf maps a content field path of item it to the cell that holds it.
func (it *parsedItem) cellOf(field string) (string, string, int) {
	list := func(sheet string, cols []column, rest string) (string, string, int) {
		idx, sub, _ := strings.Cut(rest, "]")
		sub = strings.TrimPrefix(sub, ".")
		n, err := strconv.Atoi(idx)
		rows := it.rows[sheet]
		if err != nil || n < 0 || n >= len(rows) {
			return sheetItems, "A", it.row
		}
		col := "A"
		if sub != "" {
			col = colOf(cols, sub)
		} else if sheet == sheetSteps || sheet == sheetEdges {
			col = "B"
		}
		return sheet, col, rows[n]
	}
	firstRow := func(sheet string) (string, string, int) {
		if rows := it.rows[sheet]; len(rows) > 0 {
			return sheet, "A", rows[0]
		}
		return sheetItems, "A", it.row
	}
	switch {
	case strings.HasPrefix(field, "legal_basis["):
		return list(sheetBasis, basisColumns, strings.TrimPrefix(field, "legal_basis["))
	case strings.HasPrefix(field, "fees["):
		return list(sheetFees, feeColumns, strings.TrimPrefix(field, "fees["))
	case strings.HasPrefix(field, "materials["):
		return list(sheetMaterials, materialColumns, strings.TrimPrefix(field, "materials["))
	case strings.HasPrefix(field, "discretion["):
		return list(sheetDiscretion, discretionColumns, strings.TrimPrefix(field, "discretion["))
	case strings.HasPrefix(field, "flowchart.steps["):
		return list(sheetSteps, stepColumns, strings.TrimPrefix(field, "flowchart.steps["))
	case strings.HasPrefix(field, "flowchart.edges["):
		return list(sheetEdges, edgeColumns, strings.TrimPrefix(field, "flowchart.edges["))
	case strings.HasPrefix(field, "flowchart"):
		return firstRow(sheetSteps)
	case strings.HasPrefix(field, "counterparty_rights"):
		return sheetItems, colOf(itemColumns, "counterparty_rights"), it.row
	case field == "fees":
		return sheetItems, colOf(itemColumns, "free"), it.row
	case field == "discretion":
		return sheetItems, colOf(itemColumns, "category"), it.row
	case field == "legal_basis":
		return firstRow(sheetBasis)
	case field == "department_id":
		return sheetItems, colOf(itemColumns, "department"), it.row
	}
	if i := indexOf(itemColumns, field); i >= 0 {
		return sheetItems, colName(i), it.row
	}
	return sheetItems, "A", it.row
}

// ImportLine reports what happened to one item of an imported workbook.
type ImportLine struct {
	Code    string    `json:"code"`
	Name    string    `json:"name"`
	PowerID uuid.UUID `json:"power_id"`
	// Action is created, updated, revised (a revision draft of a filed item) or
	// unchanged.
	Action  string `json:"action"`
	Version int    `json:"version"`
}

// ImportReport is the outcome of an import: nothing or everything.
type ImportReport struct {
	Created   int          `json:"created"`
	Updated   int          `json:"updated"`
	Revised   int          `json:"revised"`
	Unchanged int          `json:"unchanged"`
	Items     []ImportLine `json:"items"`
}

// Import reads a workbook into the actor's tenant: every row is checked first and
// every problem reported by cell; only a file without problems is written, in one
// transaction (new codes become drafts, drafts and returned versions are updated,
// filed items get a revision draft, items under review or awaiting filing cannot
// change).
func (s *Service) Import(ctx context.Context, r io.Reader) (*ImportReport, error) {
	items, parseErrs, err := parseWorkbook(ctx, r)
	if err != nil {
		return nil, err
	}
	if e := parseErrs.err(); e != nil && len(items) == 0 {
		return nil, e // missing sheets or headers: nothing to check further
	}
	rep := &ImportReport{Items: []ImportLine{}}
	err = s.inOwnTenant(ctx, func(o op) error {
		*rep = ImportReport{Items: []ImportLine{}}
		rules, err := s.rules(ctx, o.tx, o.t)
		if err != nil {
			return err
		}
		// Unreadable cells and broken rules are reported together.
		errs := &cellErrors{list: append([]apperr.FieldError(nil), parseErrs.list...)}
		fieldErr := func(it *parsedItem, e error) {
			ae := apperr.From(e)
			if ae.Kind == apperr.KindInternal {
				return
			}
			if len(ae.Fields) == 0 {
				errs.add(sheetItems, "A", it.row, ae.Code, ae.Params)
				return
			}
			for _, f := range ae.Fields {
				sh, col, row := it.cellOf(f.Field)
				errs.add(sh, col, row, f.Code, f.Params)
			}
		}
		existing := map[string]*Power{}
		var powers []Power
		if err := o.tx.Where("tenant_id = ?", o.t.ID).Find(&powers).Error; err != nil {
			return err
		}
		for i := range powers {
			existing[powers[i].Code] = &powers[i]
		}
		for _, it := range items {
			if d, ok := rules.ByCode[it.DeptCode]; ok {
				it.DepartmentID = d.ID
			} else if it.DeptCode == "" {
				errs.add(sheetItems, colOf(itemColumns, "department"), it.row, "required")
				continue
			} else {
				errs.add(sheetItems, colOf(itemColumns, "department"), it.row, "catalogue.department_unknown", apperr.Params{"code": it.DeptCode})
				continue
			}
			if err := checkDepartment(o.a, it.DepartmentID); err != nil {
				errs.add(sheetItems, colOf(itemColumns, "department"), it.row, "catalogue.not_your_department")
				continue
			}
			if p := existing[it.Code]; p != nil && p.DepartmentID != it.DepartmentID {
				errs.add(sheetItems, colOf(itemColumns, "department"), it.row, "catalogue.department_fixed")
				continue
			}
			if it.broken {
				continue
			}
			if err := it.Content.Validate(rules); err != nil {
				fieldErr(it, err)
			}
		}
		if e := errs.err(); e != nil {
			return e
		}
		for _, it := range items {
			line := ImportLine{Code: it.Code, Name: it.Name}
			p := existing[it.Code]
			if p == nil {
				np, v, err := s.create(ctx, o, it.Content)
				if err != nil {
					fieldErr(it, err)
					continue
				}
				line.PowerID, line.Action, line.Version = np.ID, "created", v.Number
				rep.Created++
				rep.Items = append(rep.Items, line)
				continue
			}
			line.PowerID = p.ID
			p, latest, err := locked(o.tx, p.ID)
			if err != nil {
				return err
			}
			line.Version = latest.Number
			if len(ChangedFields(latest.Content(), it.Content)) == 0 {
				line.Action = "unchanged"
				rep.Unchanged++
				rep.Items = append(rep.Items, line)
				continue
			}
			switch {
			case machine.Can(actionEdit, latest.Status):
				line.Action = "updated"
				rep.Updated++
			case machine.Can(actionRevise, latest.Status):
				v, err := s.revise(o, p, latest, it.ChangeNote)
				if err != nil {
					fieldErr(it, err)
					continue
				}
				line.Action, line.Version = "revised", v.Number
				rep.Revised++
			default:
				errs.add(sheetItems, "A", it.row, "catalogue.import_busy", apperr.Params{"code": it.Code, "status": latest.Status, "status_zh": StatusLabels[latest.Status]})
				continue
			}
			if _, _, err := s.update(ctx, o, p.ID, it.Content); err != nil {
				fieldErr(it, err)
				continue
			}
			rep.Items = append(rep.Items, line)
		}
		if e := errs.err(); e != nil {
			return e
		}
		return audit.Record(o.tx, o.a, o.now, audit.Event{Action: "power.import", ObjectType: auditObject, ObjectID: o.t.Code,
			Data: map[string]any{"created": rep.Created, "updated": rep.Updated, "revised": rep.Revised, "unchanged": rep.Unchanged}})
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// Export writes the latest version of every item of tenant t matching f (the
// catalogue as it is being edited; Exercise narrows it to what is in force).
func (s *Service) Export(ctx context.Context, t *tenant.Tenant, f Filter) ([]byte, error) {
	f.tenants = []uuid.UUID{t.ID}
	var items []exportItem
	var codes codeTable
	err := s.db.Tx(ctx, db.ReadOnlyScope(f.tenants), func(tx *gorm.DB) error {
		rules, err := s.rules(ctx, tx, t)
		if err != nil {
			return err
		}
		codes = s.codeTable(rules)
		var ids []uuid.UUID
		q := f.apply(tx.Table("powers p").Joins("JOIN " + tenancy.DepartmentsView + " d ON d.id = p.department_id")).Order("d.sort, d.code, p.code")
		if err := q.Pluck("p.latest_version_id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		var versions []Version
		if err := tx.Where("id IN ?", ids).Find(&versions).Error; err != nil {
			return err
		}
		byID := map[uuid.UUID]*Version{}
		for i := range versions {
			byID[versions[i].ID] = &versions[i]
		}
		for _, id := range ids {
			v := byID[id]
			c := v.Content()
			c.Normalize()
			items = append(items, exportItem{Content: c, DeptCode: rules.ByID[v.DepartmentID].Code, Number: v.Number, Status: v.Status})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return writeWorkbook(items, codes)
}

// Template is an empty workbook with the tenant's categories and departments in the
// drop-downs.
func (s *Service) Template(ctx context.Context, t *tenant.Tenant) ([]byte, error) {
	var codes codeTable
	err := s.db.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{t.ID}), func(tx *gorm.DB) error {
		rules, err := s.rules(ctx, tx, t)
		codes = s.codeTable(rules)
		return err
	})
	if err != nil {
		return nil, err
	}
	return writeWorkbook(nil, codes)
}

func (s *Service) codeTable(r Rules) codeTable {
	c := codeTable{Categories: r.Categories}
	for _, d := range r.ByCode {
		if d.Active {
			c.Depts = append(c.Depts, d)
		}
	}
	sortDepts(c.Depts)
	return c
}

func sortDepts(ds []DeptRef) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].Code < ds[j-1].Code; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

func init() {
	apperr.Register("catalogue.import_failed", "导入文件有 {count} 处错误，未导入任何内容；请按提示修改后重新导入", "The file has {count} problems; nothing was imported. Fix them and import again")
	apperr.Register("catalogue.xls_unreadable", "无法读取文件，请上传 Excel（.xlsx）格式的权力清单", "The file cannot be read; upload the catalogue as an Excel workbook (.xlsx)")
	apperr.Register("catalogue.xls_missing_sheet", "缺少工作表“{sheet}”，请使用下载的模板", "The sheet “{sheet}” is missing; use the downloaded template")
	apperr.Register("catalogue.xls_too_many_rows", "行数超过 {max}", "More than {max} rows")
	apperr.Register("catalogue.xls_too_large", "文件解压后超过 {max_mb} MB，请拆分后分批导入", "The workbook unpacks to more than {max_mb} MB; split it and import the parts")
	apperr.Register("catalogue.xls_too_slow", "文件在 {seconds} 秒内未能读完，请拆分后分批导入", "The workbook could not be read within {seconds} seconds; split it and import the parts")
	apperr.Register("catalogue.xls_header", "表头应为“{want}”，请使用下载的模板", "The header should be “{want}”; use the downloaded template")
	apperr.Register("catalogue.xls_integer", "须为整数", "must be a whole number")
	apperr.Register("catalogue.xls_bool", "须填“是”或“否”", "must be 是 (yes) or 否 (no)")
	apperr.Register("catalogue.xls_amount", "须为金额（元，最多两位小数）", "must be an amount in yuan with at most two decimals")
	apperr.Register("catalogue.xls_unknown_item", "事项编码 {code} 不在“事项”表中", "Item code {code} is not on the 事项 sheet")
	apperr.Register("catalogue.xls_duplicate_item", "事项编码 {code} 与第 {row} 行重复", "Item code {code} repeats row {row}")
	apperr.Register("catalogue.xls_empty", "文件中没有事项", "The file holds no items")
	apperr.Register("catalogue.import_busy", "事项 {code} 当前为「{status_zh}」，不能通过导入修改", "Item {code} is {status}; an import cannot change it now")
}
