package appraisal

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"sunshine/pkg/calendar"
)

// Spreadsheet exports: the ranking of a run (a sheet per ranking, a column per
// category and indicator) and one subject's detail (its indicators with their raw
// figures, its adjustments and objections). Numbers are written as numbers with two
// decimals, so that the sheet adds up exactly as the platform does.

var runStatusZh = runMachine.StateLabels()

func workbook() (*excelize.File, int, int, error) {
	f := excelize.NewFile()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	if err != nil {
		return nil, 0, 0, err
	}
	num, err := f.NewStyle(&excelize.Style{NumFmt: 2})
	if err != nil {
		return nil, 0, 0, err
	}
	return f, head, num, nil
}

func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func points(p Points) float64 {
	v, _ := strconv.ParseFloat(p.Fixed2(), 64)
	return v
}

// sheetName makes a valid, unique sheet name (at most 31 characters, none of []:*?/\).
func sheetName(f *excelize.File, want string) string {
	r := []rune(want)
	clean := make([]rune, 0, len(r))
	for _, c := range r {
		switch c {
		case '[', ']', ':', '*', '?', '/', '\\':
			c = '_'
		}
		clean = append(clean, c)
	}
	if len(clean) > 28 {
		clean = clean[:28]
	}
	name := string(clean)
	for i := 2; ; i++ {
		if idx, _ := f.GetSheetIndex(name); idx < 0 {
			return name
		}
		name = fmt.Sprintf("%s%d", string(clean), i)
	}
}

// RankingXLSX writes a run's rankings.
func RankingXLSX(d *RunDetail) ([]byte, error) {
	f, head, num, err := workbook()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	first := true
	for _, g := range d.Groups {
		name := sheetName(f, g.Name)
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		title := fmt.Sprintf("%s %s %s（%s，第 %d 版方案%s）", d.SchemeName, d.Period, g.Name, runStatusZh[d.Status], d.VersionNumber, revisionText(d.Revision))
		_ = f.SetCellValue(name, "A1", title)
		_ = f.SetCellValue(name, "A2", "数据截至 "+d.AsOf.In(calendar.Location()).Format("2006-01-02 15:04"))
		heads := []string{"名次", "考核对象", "得分", "计算得分", "较上期", "名次变化"}
		for _, c := range d.Categories {
			heads = append(heads, c.Name+"（"+c.Weight.String()+"）")
		}
		for _, in := range d.Indicators {
			heads = append(heads, in.Name)
		}
		for i, h := range heads {
			_ = f.SetCellValue(name, cell(i+1, 4), h)
		}
		_ = f.SetCellStyle(name, cell(1, 4), cell(len(heads), 4), head)
		row := 5
		for _, r := range d.Results {
			if r.GroupKey != g.Key {
				continue
			}
			vals := []any{r.Rank, r.SubjectName, points(r.Score), points(r.Computed), "", ""}
			if r.ScoreChange != nil {
				vals[4] = points(*r.ScoreChange)
			}
			if r.RankChange != nil {
				vals[5] = *r.RankChange
			}
			for _, c := range r.Categories {
				vals = append(vals, points(c.Score))
			}
			for _, in := range r.Indicators {
				vals = append(vals, points(in.Points))
			}
			for i, v := range vals {
				_ = f.SetCellValue(name, cell(i+1, row), v)
			}
			_ = f.SetCellStyle(name, cell(3, row), cell(5, row), num)
			_ = f.SetCellStyle(name, cell(7, row), cell(len(vals), row), num)
			row++
		}
		_ = f.SetColWidth(name, "B", "B", 28)
		_ = f.SetPanes(name, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 4, TopLeftCell: "C5", ActivePane: "bottomRight"})
	}
	if first {
		_ = f.SetCellValue("Sheet1", "A1", "暂无结果")
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func revisionText(rev int) string {
	if rev == 0 {
		return ""
	}
	return fmt.Sprintf("，第 %d 次更正", rev)
}

// SubjectXLSX writes one subject's detail.
func SubjectXLSX(d *SubjectDetail) ([]byte, error) {
	f, head, num, err := workbook()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	const sh = "考核明细"
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		return nil, err
	}
	r := d.Result
	_ = f.SetCellValue(sh, "A1", fmt.Sprintf("%s %s %s 考核明细（%s%s）", d.Run.SchemeName, d.Run.Period, r.SubjectName, runStatusZh[d.Run.Status], revisionText(d.Run.Revision)))
	_ = f.SetCellValue(sh, "A2", fmt.Sprintf("得分 %s（计算得分 %s），第 %d 名 / 共 %d 名；数据截至 %s", r.Score.Fixed2(), r.Computed.Fixed2(), r.Rank, r.GroupSize,
		d.Run.AsOf.In(calendar.Location()).Format("2006-01-02 15:04")))
	heads := []string{"类别", "指标", "分子", "分母", "计数", "比率（%）", "计算得分", "得分", "已调整"}
	for i, h := range heads {
		_ = f.SetCellValue(sh, cell(i+1, 4), h)
	}
	_ = f.SetCellStyle(sh, cell(1, 4), cell(len(heads), 4), head)
	catName := map[string]string{}
	for _, c := range d.Categories {
		catName[c.Code] = c.Name
	}
	indName := map[string]string{}
	for _, in := range d.Indicators {
		indName[in.Code] = in.Name
	}
	row := 5
	for _, in := range r.Indicators {
		rate := any("")
		if in.Rate != nil {
			rate = points(*in.Rate)
		}
		adjusted := ""
		if in.Adjusted {
			adjusted = "是"
		}
		vals := []any{catName[in.Category], indName[in.Code], in.Numerator, in.Denominator, in.Count, rate, points(in.Computed), points(in.Points), adjusted}
		for i, v := range vals {
			_ = f.SetCellValue(sh, cell(i+1, row), v)
		}
		_ = f.SetCellStyle(sh, cell(6, row), cell(8, row), num)
		row++
	}
	row++
	_ = f.SetCellValue(sh, cell(1, row), "类别得分")
	_ = f.SetCellStyle(sh, cell(1, row), cell(3, row), head)
	row++
	for _, c := range r.Categories {
		_ = f.SetCellValue(sh, cell(1, row), catName[c.Code])
		_ = f.SetCellValue(sh, cell(2, row), points(c.Computed))
		_ = f.SetCellValue(sh, cell(3, row), points(c.Score))
		_ = f.SetCellStyle(sh, cell(2, row), cell(3, row), num)
		row++
	}
	if len(d.Adjustments) > 0 {
		row++
		for i, h := range []string{"调整指标", "调整前", "调整后", "理由", "调整人", "时间"} {
			_ = f.SetCellValue(sh, cell(i+1, row), h)
		}
		_ = f.SetCellStyle(sh, cell(1, row), cell(6, row), head)
		row++
		for _, a := range d.Adjustments {
			vals := []any{indName[a.IndicatorCode], points(a.Before), points(a.After), a.Reason, a.CreatedByName, a.CreatedAt.In(calendar.Location()).Format("2006-01-02 15:04")}
			for i, v := range vals {
				_ = f.SetCellValue(sh, cell(i+1, row), v)
			}
			row++
		}
	}
	if len(d.Objections) > 0 {
		row++
		for i, h := range []string{"异议", "状态", "答复", "结论"} {
			_ = f.SetCellValue(sh, cell(i+1, row), h)
		}
		_ = f.SetCellStyle(sh, cell(1, row), cell(4, row), head)
		row++
		for _, o := range d.Objections {
			for i, v := range []any{o.Text, objectionMachine.StateLabel(o.Status).Zh, o.Answer, o.Decision} {
				_ = f.SetCellValue(sh, cell(i+1, row), v)
			}
			row++
		}
	}
	_ = f.SetColWidth(sh, "A", "B", 24)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
